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

from geo.config import CRS_METRIC
from geo.dataset import WEIGHT_NOTES
from geo.division import Division
from maps.i18n import (
    N_,
    format_date,
    format_decimal,
    format_metric,
    gettext,
    install,
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

CHECK_TITLES: dict[str, str] = {
    "P1": N_("Principle 1: one SWV for PO and VO"),
    "P2": N_("Principle 2: support close to home"),
    "P3": N_("Principle 3: every SWV within one jeugdregio"),
    "size": N_("Size: pupils per SWV within the bounds"),
    "contiguity": N_("Contiguity: every SWV one connected piece"),
    "disruption": N_("Disruption: pupils whose SWV changes"),
    "uniform": N_("Uniform regions: GGD, veiligheid, arbeidsmarkt, provincie"),
}
"""Titles of the checks of :mod:`geo.checks` (msgids); a check not listed shows its own."""

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
    return {"mark": mark, "css": css, "word": word, "summary": result.summary}


def check_title(name: str, title: str, locale: str) -> str:
    """The title of check ``name`` in ``locale`` (its own ``title`` when not listed)."""
    return gettext(locale)(CHECK_TITLES[name]) if name in CHECK_TITLES else title


def _scenario_section(v: Verdict, ctx: VerdictContext, locale: str = "nl") -> dict[str, Any]:
    """Everything the template shows for one scenario."""
    from geo.checks.tables import swv_table
    from maps.changes import swv_changes

    _ = gettext(locale)
    state = v.state
    assert state is not None
    maps = []
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
        maps.append(
            {
                "division": subject.name,
                "src": "data:image/png;base64," + base64.b64encode(png).decode(),
            }
        )
    table = swv_table(state)
    names = ctx.names
    more = _(" and %(n)s more")
    rows = [
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
    changed = []
    for subject in state.subjects:
        moves = swv_changes(ctx.dataset, subject.division, locale)
        if moves is None:
            continue
        hit = moves[moves["swv_changes"]].sort_values("changed", ascending=False)
        changed.extend(
            {"code": g, "name": names.get(g, g), "changed": r.changed, "text": r.text}
            for g, r in hit.iterrows()
        )
    from maps.space_report import section_of

    space = next((r for r in v.results if r.name == "space"), None)
    return {
        "verdict": v,
        "space": section_of(space, v.scenario),
        "maps": maps,
        "swvs": rows,
        "changed": changed,
        "hard_failed": [r.name for r in v.results if r.hard and not r.passed],
    }


def render_report(
    verdicts: Sequence[Verdict], *, title: str | None = None, locale: str = "nl"
) -> str:
    """The HTML report of ``verdicts`` in ``locale`` (rule in the module docstring); all must
    share one context (the state of each verdict holds it)."""
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
    now = datetime.now(UTC)
    scenarios = ", ".join(v.scenario for v in verdicts)
    return TEMPLATE.render(
        **template_context(locale),
        title=title or _("Verdict: %(scenarios)s") % {"scenarios": scenarios},
        generated=f"{format_date(now, locale)} {now:%H:%M} UTC",
        verdicts=verdicts,
        scorecard=scorecard,
        sections=[_scenario_section(v, ctx, locale) for v in verdicts],
        sources=[(_(what), _(source)) for what, source in SOURCES],
        weights={weight_label(name, locale): note for name, note in WEIGHT_NOTES.items()},
        point_rule=ctx.point_rule,
        distance_name=ctx.distance.get("name", "hemelsbreed"),
        distance_text=ctx.distance.get("text", "straight line in EPSG:28992 (km)"),
    )
