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

from maps.i18n import N_, gettext

LABELS = {
    "swvs": N_("number of SWVs"),
    "disrupted": N_("pupils changing SWV"),
    "disrupted_po": N_("PO pupils changing SWV"),
    "disrupted_vo": N_("VO pupils changing SWV"),
    "travel_po_km": N_("PO pupil-weighted km"),
    "travel_vo_km": N_("VO pupil-weighted km"),
    "max_increase_km": N_("largest increase for a gemeente (km)"),
    "size_spread": N_("size spread (pupils)"),
    "congruence_po": N_("congruence with today's PO SWVs"),
    "congruence_vo": N_("congruence with today's VO SWVs"),
    "congruence_uniform": N_("congruence with the uniform regions"),
}
"""Figure labels (msgids, translated in the report's language)."""


def histograms_png(national: dict[str, Any], scenario: str, locale: str = "nl") -> bytes:
    """Small multiples: one histogram per figure, the scenario's value as a red line."""
    _ = gettext(locale)
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
        label = _(LABELS[name])  # msgids marked with N_ above
        ax.set_title(f"{label}\n{scenario}: p{entry['percentile']:.0f}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(figs) :]:
        ax.axis("off")
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def section_of(
    result: Any, scenario: str = "scenario", locale: str = "nl"
) -> dict[str, Any] | None:
    """What the template shows for the ``space`` check (None when there is none)."""
    if result is None:
        return None
    _ = gettext(locale)
    f = result.figures
    png = histograms_png(f["national"], scenario, locale)
    rows = []
    for code, e in f["jeugdregios_placement"].items():
        d = e["figures"].get("disrupted", {})
        better = d.get("better")
        if better is None and "below" in d:
            better = f"~{d['below'] * e['plans']:.0f}"
        sentence = (
            _("in %(code)s, %(better)s of %(plans)s valid divisions disrupt fewer pupils")
            % {"code": code, "better": better, "plans": e["plans"]}
            + ("" if e["method"] == "exact" else " " + _("(sampled)"))
            if d
            else ""
        )
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
