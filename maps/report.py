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
        "Gemeenten 2025 and their regions (jeugdregio, provincie, GGD, veiligheidsregio, "
        "arbeidsmarktregio)",
        "CBS gebiedsindelingen 2025 (cartomap), generalised boundaries",
    ),
    (
        "SWVs passend onderwijs (76 PO, 74 VO)",
        "Regeling regio-indeling passend onderwijs, "
        "postcode annex, version of 2015-04-23, mapped to the gemeenten of 2025",
    ),
    (
        "Special-education locations (SBAO, SO, VSO, (V)SO) and regular schools",
        "DUO, schools of 22 Nov 2024 (duo_scholen_20241122)",
    ),
    ("Inhabitants", "CBS Kerncijfers wijken en buurten 2024"),
)
"""Sources and vintages printed in every report (data: ``../shared/data/*/SOURCES.md``)."""

TEMPLATE = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent),
    autoescape=jinja2.select_autoescape(["html"]),
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


def _num(value: Any, fmt: str = "{:.1f}") -> str:
    """A number for the tables; ``-`` for none, nan or inf.

    >>> _num(2.345), _num(float("inf")), _num(None)
    ('2.3', '-', '-')
    """
    if value is None or not np.isfinite(float(value)):
        return "-"
    return fmt.format(float(value))


def _cell(result: Any) -> dict[str, str]:
    """Scorecard cell of one check result."""
    if result.passed is None:
        mark, css = "•", "reported"
    else:
        mark, css = ("✔", "pass") if result.passed else ("✗", "fail")
    return {"mark": mark, "css": css, "summary": result.summary}


def _scenario_section(v: Verdict, ctx: VerdictContext) -> dict[str, Any]:
    """Everything the template shows for one scenario."""
    from geo.checks.tables import swv_table
    from maps.changes import swv_changes

    state = v.state
    assert state is not None
    maps = []
    for subject in state.subjects:
        png = swv_map_png(
            ctx,
            subject.division,
            state.jeugdregio.division,
            f"{v.scenario}: {subject.name} ({subject.division.n_regions} SWVs), "
            f"{state.jeugdregio.division.n_regions} jeugdregio's in black",
        )
        maps.append(
            {
                "division": subject.name,
                "src": "data:image/png;base64," + base64.b64encode(png).decode(),
            }
        )
    table = swv_table(state)
    names = ctx.names
    rows = [
        {
            **r,
            "containment_text": _num(r["containment"], "{:.3f}"),
            "po_km": f"{_num(r['po_mean_km'])} / {_num(r['po_worst_km'])}",
            "vo_km": f"{_num(r['vo_mean_km'])} / {_num(r['vo_worst_km'])}",
            "gemeente_names": ", ".join(str(names.get(g, g)) for g in r["gemeenten"][:12])
            + (f" and {len(r['gemeenten']) - 12} more" if len(r["gemeenten"]) > 12 else ""),
        }
        for r in table.to_dict("records")
    ]
    changed = []
    for subject in state.subjects:
        moves = swv_changes(ctx.dataset, subject.division)
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


def render_report(verdicts: Sequence[Verdict], *, title: str | None = None) -> str:
    """The HTML report of ``verdicts`` (rule in the module docstring); all must share one
    context (the state of each verdict holds it)."""
    if not verdicts:
        raise ValueError("a report needs at least one scenario")
    ctx = verdicts[0].state.ctx  # type: ignore[union-attr]
    checks = [(r.name, r.title, r.hard) for r in verdicts[0].results]
    scorecard = [
        {
            "name": name,
            "title": label,
            "hard": hard,
            "cells": [_cell(v.result(name)) for v in verdicts],
        }
        for name, label, hard in checks
    ]
    return TEMPLATE.render(
        title=title or "Verdict: " + ", ".join(v.scenario for v in verdicts),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        verdicts=verdicts,
        scorecard=scorecard,
        sections=[_scenario_section(v, ctx) for v in verdicts],
        sources=SOURCES,
        weights=WEIGHT_NOTES,
        point_rule=ctx.point_rule,
    )
