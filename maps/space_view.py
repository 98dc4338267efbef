"""The placement of a scenario among the valid divisions, as pages show it.

Input: the figures of the reported check ``space`` (:func:`geo.space.verdict.space_result`):
per figure the national distribution (a histogram), the scenario's value and its percentile;
per jeugdregio the count of valid divisions that disrupt fewer pupils. Output: what the scenario
page and the editor's figure panel show, in the page's language:

* per figure a sentence (value, percentile, how many valid divisions are lower / equal /
  higher, median and range) and an inline SVG histogram with the scenario marked by a line
  *and* a text label (colour is never the only cue); the SVG is ``role="img"`` and labelled by
  that sentence, which is visible text (the text alternative);
* per jeugdregio a sentence ("in JZ14 verhuizen bij 3 van de 412 geldige indelingen minder
  leerlingen"), whether the scenario lies in its space, and how the space was built.

The SVG is built here from numbers only; every text in it is escaped.

>>> h = {"edges": [0.0, 1.0, 2.0], "p": [0.25, 0.75]}
>>> svg = histogram_svg(h, 1.5, "lbl", "0", "dit scenario", "2")
>>> svg.count("<rect"), 'aria-labelledby="lbl"' in svg, "dit scenario" in svg
(2, True, True)
"""

from __future__ import annotations

from html import escape
from typing import Any

from markupsafe import Markup

from maps.i18n import N_, gettext
from maps.i18n.formats import format_decimal, format_metric, format_number, format_percent
from maps.space_report import LABELS

SHOWN: tuple[str, ...] = (
    "disrupted",
    "travel_po_km",
    "travel_vo_km",
    "swvs",
    "max_increase_km",
    "congruence_uniform",
)
"""The figures a page shows (the report has them all)."""
REACH = 0.25
"""How far (a share of the valid divisions' span) the axis stretches to reach the scenario."""
NEUTRAL = {"swvs"}
HIGHER_IS_BETTER = {"congruence_po", "congruence_vo", "congruence_uniform"}

NOT_BUILT = N_(
    "No space of valid divisions has been built for this server, so this scenario cannot be "
    "placed among them."
)
HOW_TO_BUILD = N_(
    "To build it: run 'regio space build --out space/' (about a minute) and start the server "
    "with REGIOKOMPAS_SPACE=space/."
)
OUTSIDE = N_(
    "This division lies outside the space: it splits gemeenten or has samenwerkingsverbanden "
    "across jeugdregio borders, so it is scored by the same rules but is not one of the valid "
    "divisions."
)


def format_value(figure: str, value: Any, locale: str) -> str:
    """A figure's value as people read it (whole pupils, km with one decimal, metrics)."""
    if value is None:
        return "–"
    if figure == "max_increase_km":
        return f"{format_decimal(value, locale, digits=1)} km"
    if figure.endswith("_km"):  # mean distances differ in the second decimal
        return f"{format_decimal(value, locale, digits=2)} km"
    if figure.startswith("congruence"):
        return format_metric(value, locale)
    return format_number(value, locale)


def histogram_svg(
    histogram: dict[str, list[float]],
    value: float | None,
    label_id: str,
    low_text: str,
    marker_text: str,
    high_text: str = "",
    off_scale_text: str = "",
    *,
    width: int = 320,
    height: int = 120,
) -> Markup:
    """An inline SVG histogram with the scenario's value as a dark line and a text label.

    ``label_id`` names the element whose text describes the chart (``aria-labelledby``);
    ``low_text`` / ``high_text`` label the two ends of the axis. The axis spans the valid
    divisions, widened to the scenario's value by at most :data:`REACH` of that span; a value
    farther out is drawn at the edge with ``off_scale_text`` added to its label.
    """
    edges = [float(e) for e in histogram.get("edges", [])]
    p = [float(x) for x in histogram.get("p", [])]
    pad_l, pad_r, top, axis = 6, 6, 22, 20
    plot_w, plot_h = width - pad_l - pad_r, height - top - axis
    parts = [
        f'<svg class="rk-hist" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{escape(label_id)}">'
    ]
    if len(edges) >= 2 and p:
        lo, hi = edges[0], edges[-1]
        reach = REACH * ((hi - lo) or 1.0)
        off = False
        if value is not None:
            off = value < lo - reach or value > hi + reach
            lo, hi = max(min(lo, value), lo - reach), min(max(hi, value), hi + reach)
        span = (hi - lo) or 1.0
        peak = max(p) or 1.0

        def x(v: float) -> float:
            return pad_l + (v - lo) / span * plot_w

        for a, b, share in zip(edges[:-1], edges[1:], p, strict=True):
            if share <= 0:
                continue
            h = share / peak * plot_h
            parts.append(
                f'<rect x="{x(a):.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{max(x(b) - x(a) - 0.5, 0.8):.1f}" height="{h:.1f}" fill="#8c8c8c"/>'
            )
        base = top + plot_h
        parts.append(
            f'<line x1="{pad_l}" y1="{base}" x2="{pad_l + plot_w}" y2="{base}" stroke="#4d4d4d"/>'
        )
        parts.append(
            f'<text x="{pad_l}" y="{height - 5}" font-size="11" fill="#1a1a1a">'
            f"{escape(low_text)}</text>"
        )
        if high_text:
            parts.append(
                f'<text x="{pad_l + plot_w}" y="{height - 5}" font-size="11" fill="#1a1a1a" '
                f'text-anchor="end">{escape(high_text)}</text>'
            )
        if value is not None:
            vx = x(min(max(value, lo), hi))
            if off and off_scale_text:
                marker_text = f"{marker_text} ({off_scale_text})"
            anchor = "start" if vx < width / 3 else ("end" if vx > 2 * width / 3 else "middle")
            parts.append(
                f'<line x1="{vx:.1f}" y1="{top - 4}" x2="{vx:.1f}" y2="{base + 3}" '
                'stroke="#a50026" stroke-width="3"/>'
            )
            parts.append(
                f'<text x="{vx:.1f}" y="{top - 8}" font-size="11" font-weight="bold" '
                f'fill="#a50026" text-anchor="{anchor}">▼ {escape(marker_text)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def axis_range(
    histogram: dict[str, list[float]], value: float | None
) -> tuple[float | None, float | None]:
    """The two ends of :func:`histogram_svg`'s axis (None without a histogram).

    >>> axis_range({"edges": [0.0, 10.0]}, 12.0), axis_range({"edges": [0.0, 10.0]}, 99.0)
    ((0.0, 12.0), (0.0, 12.5))
    """
    edges = histogram.get("edges") or []
    if len(edges) < 2:
        return None, None
    lo, hi = float(edges[0]), float(edges[-1])
    if value is None:
        return lo, hi
    reach = REACH * ((hi - lo) or 1.0)
    return max(min(lo, value), lo - reach), min(max(hi, value), hi + reach)


def placement_view(
    figures: dict[str, Any], locale: str = "nl", *, id_prefix: str = "space"
) -> dict[str, Any]:
    """What a page shows of a placement (module docstring)."""
    _ = gettext(locale)
    national = figures.get("national", {})
    charts = []
    for fig in SHOWN:
        entry = national.get(fig)
        if not entry:
            continue
        summary = entry.get("summary", {})
        label = _(LABELS[fig])
        value = format_value(fig, entry.get("value"), locale)
        text = _(
            "%(label)s: %(value)s in this scenario, percentile %(percentile)s among the valid "
            "divisions: %(below)s of them have a lower value, %(equal)s the same, %(above)s a "
            "higher one (median %(median)s, from %(min)s to %(max)s)."
        ) % {
            "label": label,
            "value": value,
            "percentile": format_number(entry.get("percentile"), locale),
            "below": format_percent(entry.get("below", 0.0), locale),
            "equal": format_percent(entry.get("equal", 0.0), locale),
            "above": format_percent(entry.get("above", 0.0), locale),
            "median": format_value(fig, summary.get("p50"), locale),
            "min": format_value(fig, summary.get("min"), locale),
            "max": format_value(fig, summary.get("max"), locale),
        }
        better = (
            ""  # the number of SWVs is a choice, not a cost (docs/space.md, section 8)
            if fig in NEUTRAL
            else _("higher is better")
            if fig in HIGHER_IS_BETTER
            else _("lower is better")
        )
        text_id = f"{id_prefix}-{fig}-text"
        hist = entry.get("histogram") or {"edges": [], "p": []}
        val = entry.get("value")
        lo, hi = axis_range(hist, val)
        charts.append(
            {
                "figure": fig,
                "label": label,
                "value": value,
                "percentile": entry.get("percentile"),
                "better": better,
                "text": text,
                "text_id": text_id,
                "method": entry.get("method", ""),
                "svg": histogram_svg(
                    hist,
                    val,
                    text_id,
                    format_value(fig, lo, locale),
                    _("this scenario"),
                    format_value(fig, hi, locale),
                    _("off the scale"),
                ),
            }
        )
    rows = []
    for code, e in (figures.get("jeugdregios_placement") or {}).items():
        d = (e.get("figures") or {}).get("disrupted") or {}
        count = d.get("better")
        if count is None and "below" in d:
            count = "~" + format_number(d["below"] * e["plans"], locale)
        sentence = ""
        if d:
            sentence = _(
                "in %(code)s, %(better)s of %(plans)s valid divisions disrupt fewer pupils"
            ) % {
                "code": code,
                "better": count if isinstance(count, str) else format_number(count, locale),
                "plans": format_number(e["plans"], locale),
            }
            if e.get("method") != "exact":
                sentence += " " + _("(sampled)")
        rows.append(
            {
                "code": code,
                "name": e.get("name", ""),
                "plans": e.get("plans"),
                "exact": e.get("method") == "exact",
                "in_space": bool(e.get("in_space")),
                "better": count,
                "percentile": d.get("percentile"),
                "sentence": sentence,
            }
        )
    n_in, n = figures.get("in_space_jeugdregios", 0), figures.get("jeugdregios", 0)
    return {
        "division": figures.get("division", ""),
        "in_space": bool(figures.get("in_space")),
        "in_space_jeugdregios": n_in,
        "jeugdregios": n,
        "in_space_text": _(
            "This division lies in the space of valid divisions in %(n)s of %(total)s jeugdregio's."
        )
        % {"n": format_number(n_in, locale), "total": format_number(n, locale)},
        "outside_text": _(OUTSIDE) if figures.get("reason_outside") and not n_in else "",
        "charts": charts,
        "rows": rows,
    }


def not_built_text(locale: str = "nl") -> dict[str, str]:
    """What a page says when the server has no space: that, and how to build one."""
    _ = gettext(locale)
    return {"text": _(NOT_BUILT), "how": _(HOW_TO_BUILD)}


__all__ = ["SHOWN", "format_value", "histogram_svg", "not_built_text", "placement_view"]
