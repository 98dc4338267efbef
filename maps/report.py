"""A printable, self-contained HTML report of one or more scenario verdicts (``regio report``).

Rule: one HTML file, no external request (images are ``data:`` URIs, styles inline, and a
Content-Security-Policy of ``default-src 'none'`` forbids anything else), print CSS with a page
break before every scenario. Content: a scorecard (one column per scenario, one row per check),
then per scenario a static map of its SWVs (matplotlib; neighbouring SWVs get different colours
by a greedy colouring of the SWV adjacency graph, jeugdregio borders drawn on top), a per-SWV
table (:func:`geo.checks.tables.swv_table`), the gemeenten whose SWV changes against today
(:func:`maps.changes.swv_changes`), and the sources and their vintages.

>>> from fixtures.verdict_cases import case
>>> from geo.checks import build_context, verdict
>>> ds, divisions, settings, _ = case("below_minimum")
>>> v = verdict(build_context(ds), divisions, scenario="demo", settings=settings)
>>> html = render_report([v])
>>> "data:image/png;base64," in html, "default-src 'none'" in html, "http://" in html
(True, True, False)
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import networkx as nx
import numpy as np

from geo.checks.locations import point_rule_message
from geo.config import CRS_METRIC
from geo.dataset import WEIGHT_NOTES
from geo.division import Division
from maps.i18n import (
    N_,
    check_title,
    format_date,
    format_decimal,
    format_metric,
    gettext,
    install,
    render_message,
    template_context,
    weight_label,
)

if TYPE_CHECKING:
    from geo.checks import Verdict, VerdictContext

PALETTE = (
    "#8dd3c7",
    "#ffffb3",
    "#bebada",
    "#fb8072",
    "#80b1d3",
    "#fdb462",
    "#b3de69",
    "#fccde5",
    "#d9d9d9",
    "#bc80bd",
)
"""Colours of the SWV map (ColorBrewer Set3); a greedy colouring needs far fewer than ten."""

SOURCES: tuple[tuple[str, str], ...] = (
    (
        N_(
            "Gemeenten 2025 and their regions (jeugdregio, provincie, GGD, veiligheidsregio, "
            "arbeidsmarktregio)"
        ),
        N_("CBS gebiedsindelingen 2025 (cartomap), generalised boundaries"),
    ),
    (
        N_("SWVs passend onderwijs (76 PO, 74 VO)"),
        N_(
            "Regeling regio-indeling passend onderwijs, "
            "postcode annex, version of 2015-04-23, mapped to the gemeenten of 2025"
        ),
    ),
    (
        N_("Special-education locations (SBAO, SO, VSO, (V)SO) and regular schools"),
        N_("DUO, schools of 22 Nov 2024 (duo_scholen_20241122)"),
    ),
    (N_("Inhabitants"), N_("CBS Kerncijfers wijken en buurten 2024")),
)
"""Sources and vintages printed in every report (data: ``../shared/data/*/SOURCES.md``),
as msgids (translated in the report's language)."""

TEMPLATE = install(
    jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent),
        autoescape=jinja2.select_autoescape(["html"]),
    )
).get_template("report.html")


def greedy_colours(ctx: VerdictContext, division: Division) -> dict[str, str]:
    """Region -> colour such that regions with neighbouring gemeenten differ (networkx greedy
    colouring, largest-first; each gemeente counts for its largest share)."""
    labels = np.asarray(division.reindexed(ctx.units).assignment(), dtype=object)
    rows, cols = ctx.adjacency.nonzero()
    graph = nx.Graph()
    graph.add_nodes_from(sorted(set(labels)))
    a, b = labels[rows], labels[cols]
    graph.add_edges_from((x, y) for x, y in set(zip(a[a != b], b[a != b], strict=True)))
    colouring = nx.greedy_color(graph, strategy="largest_first")
    return {str(k): PALETTE[v % len(PALETTE)] for k, v in colouring.items()}


def swv_map_png(ctx: VerdictContext, division: Division, jeugdregio: Division, title: str) -> bytes:
    """A static map of ``division``: SWVs coloured (neighbours differ), SWV borders white,
    jeugdregio borders black on top; PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from maps.geometry import dissolve_regions, web_geometry

    geometry = web_geometry(ctx.dataset.units)
    swvs = dissolve_regions(geometry, division.reindexed(ctx.units)).to_crs(CRS_METRIC)
    jz = dissolve_regions(geometry, jeugdregio.reindexed(ctx.units)).to_crs(CRS_METRIC)
    colours = greedy_colours(ctx, division)
    fig, ax = plt.subplots(figsize=(6.2, 7.0), dpi=110)
    swvs.plot(ax=ax, color=[colours.get(str(c), "#eeeeee") for c in swvs.index], linewidth=0)
    swvs.boundary.plot(ax=ax, color="white", linewidth=0.5)
    jz.boundary.plot(ax=ax, color="black", linewidth=1.0)
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def _num(value: Any, locale: str = "nl", digits: int = 1) -> str:
    """A number for the tables with ``digits`` decimals; ``–`` for none, nan or inf.

    >>> _num(2.345), _num(float("inf")), _num(None), _num(2.345, "en")
    ('2,3', '–', '–', '2.3')
    """
    if value is None or not np.isfinite(float(value)):
        return "–"
    return format_decimal(float(value), locale, digits=digits)


def _cell(result: Any, locale: str = "nl") -> dict[str, str]:
    """Scorecard cell of one check result: a mark and a word (colour is never the only cue)."""
    _ = gettext(locale)
    if result.passed is None:
        mark, css, word = "•", "reported", _("reported")
    elif result.passed:
        mark, css, word = "✔", "pass", _("passes")
    else:
        mark, css, word = "✗", "fail", _("fails")
    summary = render_message(result.message, locale, result.summary)
    return {"mark": mark, "css": css, "word": word, "summary": summary}


def _swv_rows(table: Any, names: Any, locale: str = "nl") -> list[dict[str, Any]]:
    """The per-SWV table rows as the template shows them."""
    _ = gettext(locale)
    more = _(" and %(n)s more")
    return [
        {
            **r,
            "containment_text": format_metric(r["containment"], locale),
            "po_km": f"{_num(r['po_mean_km'], locale)} / {_num(r['po_worst_km'], locale)}",
            "vo_km": f"{_num(r['vo_mean_km'], locale)} / {_num(r['vo_worst_km'], locale)}",
            "gemeente_names": ", ".join(str(names.get(g, g)) for g in r["gemeenten"][:12])
            + (more % {"n": len(r["gemeenten"]) - 12} if len(r["gemeenten"]) > 12 else ""),
        }
        for r in table.to_dict("records")
    ]


def _changes(
    ctx: VerdictContext, state: Any, locale: str = "nl"
) -> tuple[list[dict[str, Any]], set[str]]:
    """The gemeenten whose SWV changes against today (rows, most pupils first) and their codes."""
    from maps.changes import swv_changes

    names = ctx.names
    changed: list[dict[str, Any]] = []
    for subject in state.subjects:
        moves = swv_changes(ctx.dataset, subject.division, locale)
        if moves is None:
            continue
        hit = moves[moves["swv_changes"]].sort_values("changed", ascending=False)
        changed.extend(
            {"code": g, "name": names.get(g, g), "changed": r.changed, "text": r.text}
            for g, r in hit.iterrows()
        )
    return changed, {str(c["code"]) for c in changed}


def _scenario_section(
    v: Verdict,
    ctx: VerdictContext,
    region: str | None = None,
    appendix: bool = False,
    locale: str = "nl",
) -> dict[str, Any]:
    """Everything the template shows for one scenario (national, or cut to ``region``)."""
    from geo.checks.focus import resolve_focus, touching
    from geo.checks.tables import swv_table
    from maps.report_region import cut_offenders, region_map_png

    _ = gettext(locale)
    state = v.state
    assert state is not None
    rows = _swv_rows(swv_table(state), ctx.names, locale)
    changed, changed_units = _changes(ctx, state, locale)
    results = [
        {"result": r, "offenders": list(r.offenders), "total": len(r.offenders)} for r in v.results
    ]
    from maps.space_report import section_of

    space = next((r for r in v.results if r.name == "space"), None)
    section: dict[str, Any] = {
        "verdict": v,
        "space": section_of(space, v.scenario, locale),
        "focus": None,
        "hard_failed": [r.name for r in v.results if r.hard and not r.passed],
        "appendix": None,
    }
    maps = []
    if region is None:
        for subject in state.subjects:
            png = swv_map_png(
                ctx,
                subject.division,
                state.jeugdregio.division,
                _("%(scenario)s: %(division)s (%(n)s SWVs), %(jz)s jeugdregio's in black")
                % {
                    "scenario": v.scenario,
                    "division": subject.name,
                    "n": subject.division.n_regions,
                    "jz": state.jeugdregio.division.n_regions,
                },
            )
            maps.append({"division": subject.name, "src": _data_uri(png)})
        return {**section, "maps": maps, "swvs": rows, "changed": changed, "results": results}
    focus = resolve_focus(state, region)
    touch = touching(state, focus)
    codes = {c for cs in touch.values() for c in cs}
    units = set(focus.units)
    for subject in state.subjects:
        png = region_map_png(
            ctx,
            subject.division,
            state.jeugdregio.division,
            focus,
            changed_units,
            greedy_colours(ctx, subject.division),
            _("%(scenario)s: %(division)s around %(region)s")
            % {"scenario": v.scenario, "division": subject.name, "region": focus.label},
        )
        maps.append({"division": subject.name, "src": _data_uri(png)})
    for item in results:
        item["offenders"] = cut_offenders(item["offenders"], codes, units)
    if appendix:
        section["appendix"] = {"swvs": rows, "changed": changed}
    return {
        **section,
        "focus": focus,
        "maps": maps,
        "swvs": [r for r in rows if r["code"] in touch.get(r["division"], [])],
        "changed": [c for c in changed if c["code"] in units],
        "results": results,
    }


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


def render_report(
    verdicts: Sequence[Verdict],
    *,
    title: str | None = None,
    region: str | None = None,
    appendix: bool = False,
    links: str | None = None,
    locale: str = "nl",
) -> str:
    """The HTML report of ``verdicts`` in ``locale`` (rule in the module docstring); all must
    share one context (the state of each verdict holds it).

    ``region`` (a jeugdregio code, a province or an SWV code: :mod:`geo.checks.focus`) makes a
    regional report: maps zoomed to the region with the changed gemeenten hatched, tables of
    the SWVs that touch it, and the national tables only as an ``appendix`` when asked; it flows
    without forced page breaks (one scenario prints to at most 4 A4 pages). ``links`` is the
    address of the app serving the report (``""`` for the app itself): the definitions then link
    to its page ``/uitleg/verdict``; without it they are named as files of the repository.
    """
    if not verdicts:
        raise ValueError("a report needs at least one scenario")
    _ = gettext(locale)
    ctx = verdicts[0].state.ctx  # type: ignore[union-attr]
    checks = [(r.name, r.title, r.hard) for r in verdicts[0].results]
    scorecard = [
        {
            "name": name,
            "title": check_title(name, label, locale),
            "hard": hard,
            "cells": [_cell(v.result(name), locale) for v in verdicts],
        }
        for name, label, hard in checks
    ]
    sections = [_scenario_section(v, ctx, region, appendix, locale) for v in verdicts]
    focus = sections[0]["focus"]
    default = _("Verdict: %(scenarios)s") % {"scenarios": ", ".join(v.scenario for v in verdicts)}
    if focus is not None:
        default += f" — {focus.label}"
    now = datetime.now(UTC)
    return TEMPLATE.render(
        **template_context(locale),
        title=title or default,
        regional=focus is not None,
        links=links,
        generated=f"{format_date(now, locale)} {now:%H:%M} UTC",
        verdicts=verdicts,
        scorecard=scorecard,
        sections=sections,
        sources=[(_(what), _(source)) for what, source in SOURCES],
        weights={weight_label(name, locale): _(note) for name, note in WEIGHT_NOTES.items()},
        point_rule=_point_rule(ctx, locale),
        distance_name=ctx.distance.get("name", "hemelsbreed"),
        distance_text=_(ctx.distance.get("text", "straight line in EPSG:28992 (km)")),
        distance_table=ctx.distance.get("table"),
    )


def _point_rule(ctx: VerdictContext, locale: str) -> str:
    """Where P2's trips start, in ``locale``: the store's rule (:func:`gemeente_points`) is
    translated; another one (an operator's travel table, points given by a caller) is shown as
    it was written."""
    rule = point_rule_message(ctx.dataset.units)
    return render_message(rule, locale) if str(rule) == ctx.point_rule else ctx.point_rule
