"""The report's placement section: a histogram per figure with the scenario marked, and a
table per jeugdregio ("in JZ14, 3 of 34 valid divisions disrupt fewer pupils").

Input: the figures of the reported check ``space`` (:mod:`geo.space.verdict`): per figure the
national distribution as a histogram and the scenario's value and percentile.

>>> section_of(None) is None
True
"""

from __future__ import annotations

import base64
import io
from typing import Any

LABELS = {
    "swvs": "number of SWVs",
    "disrupted": "pupils changing SWV",
    "disrupted_po": "PO pupils changing SWV",
    "disrupted_vo": "VO pupils changing SWV",
    "travel_po_km": "PO pupil-weighted km",
    "travel_vo_km": "VO pupil-weighted km",
    "max_increase_km": "largest increase for a gemeente (km)",
    "size_spread": "size spread (pupils)",
    "congruence_po": "congruence with today's PO SWVs",
    "congruence_vo": "congruence with today's VO SWVs",
    "congruence_uniform": "congruence with the uniform regions",
}


def histograms_png(national: dict[str, Any], scenario: str) -> bytes:
    """Small multiples: one histogram per figure, the scenario's value as a red line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = [f for f in LABELS if f in national and national[f]["histogram"]["p"]]
    cols = 3
    rows = -(-len(figs) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(10, 2.3 * rows), dpi=90, squeeze=False)
    for ax, name in zip(axes.ravel(), figs, strict=False):
        entry = national[name]
        h = entry["histogram"]
        edges, p = h["edges"], h["p"]
        ax.bar(
            edges[:-1],
            p,
            width=[b - a for a, b in zip(edges[:-1], edges[1:], strict=True)],
            align="edge",
            color="0.65",
        )
        ax.axvline(entry["value"], color="crimson", lw=2)
        ax.set_title(f"{LABELS[name]}\n{scenario}: p{entry['percentile']:.0f}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(figs) :]:
        ax.axis("off")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def section_of(result: Any, scenario: str = "scenario") -> dict[str, Any] | None:
    """What the template shows for the ``space`` check (None when there is none)."""
    if result is None:
        return None
    f = result.figures
    png = histograms_png(f["national"], scenario)
    rows = []
    for code, e in f["jeugdregios_placement"].items():
        d = e["figures"].get("disrupted", {})
        sentence = next((s["text"] for s in f.get("sentences", []) if s["jeugdregio"] == code), "")
        rows.append(
            {
                "code": code,
                "name": e["name"],
                "in_space": e["in_space"],
                "plans": e["plans"],
                "method": e["method"],
                "percentile": d.get("percentile"),
                "sentence": sentence,
            }
        )
    return {
        "src": "data:image/png;base64," + base64.b64encode(png).decode(),
        "rows": rows,
        "in_space": f["in_space_jeugdregios"],
        "jeugdregios": f["jeugdregios"],
        "division": f["division"],
        "space": f["space"],
        "methods": {k: v.get("method", "") for k, v in f["national"].items()},
    }
