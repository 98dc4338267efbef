"""The trade-off chart of ``regio options`` for pages: disruption against travel as inline SVG.

One small grey dot per point of the Pareto front, a numbered blue circle per option, a black
square for today and a red star for the proposal; every marker has a text label next to it
(colour is never the only cue) and the chart is ``role="img"`` labelled by a visible caption;
the options table on the page is its text alternative. Numbers only go in; every text is
escaped.

>>> svg = tradeoff_svg([[10.0, 2.0], [20.0, 1.5]], [{"label": "1", "x": 10.0, "y": 2.0}],
...                    {"today": (0.0, 2.2, "vandaag")}, "cap", "leerlingen", "km")
>>> svg.count("<circle"), 'aria-labelledby="cap"' in svg, ">vandaag<" in svg
(3, True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

from markupsafe import Markup

WIDTH, HEIGHT = 640, 380
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 20, 50


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values between ``lo`` and ``hi``.

    >>> _ticks(0.0, 100.0)
    [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
    """
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / n
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * step:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [float(round(first + i * step, 10)) for i in range(int((hi - first) / step + 1e-9) + 1)]


def tradeoff_svg(
    front: Sequence[Sequence[float]],
    options: Sequence[dict[str, Any]],
    marks: dict[str, tuple[float, float, str]],
    label_id: str,
    x_title: str,
    y_title: str,
    fmt_x: Any = lambda v: f"{v:,.0f}",
    fmt_y: Any = lambda v: f"{v:.2f}",
) -> Markup:
    """The chart (module docstring). ``front``: ``[x, y]`` pairs; ``options``: ``label``,
    ``x``, ``y``; ``marks``: ``today`` / ``proposal`` -> ``(x, y, label)``."""
    xs = [p[0] for p in front] + [o["x"] for o in options] + [m[0] for m in marks.values()]
    ys = [p[1] for p in front] + [o["y"] for o in options] + [m[1] for m in marks.values()]
    x_lo, x_hi = min(xs, default=0.0), max(xs, default=1.0)
    y_lo, y_hi = min(ys, default=0.0), max(ys, default=1.0)
    x_pad = (x_hi - x_lo) * 0.05 or 1.0
    y_pad = (y_hi - y_lo) * 0.08 or 0.1
    x_lo, x_hi, y_lo, y_hi = x_lo - x_pad, x_hi + x_pad, y_lo - y_pad, y_hi + y_pad
    pw, ph = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def sx(v: float) -> float:
        return LEFT + (v - x_lo) / (x_hi - x_lo) * pw

    def sy(v: float) -> float:
        return TOP + ph - (v - y_lo) / (y_hi - y_lo) * ph

    out = [
        f'<svg class="rk-tradeoff" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-labelledby="{escape(label_id)}">',
        f'<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="#ffffff" stroke="#8c8c8c"/>',
    ]
    for t in _ticks(x_lo, x_hi):
        x = sx(t)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP + ph}" x2="{x:.1f}" y2="{TOP + ph + 4}" '
            'stroke="#4d4d4d"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{TOP + ph + 17}" font-size="11" fill="#1a1a1a" '
            f'text-anchor="middle">{escape(fmt_x(t))}</text>'
        )
    for t in _ticks(y_lo, y_hi):
        y = sy(t)
        out.append(
            f'<line x1="{LEFT - 4}" y1="{y:.1f}" x2="{LEFT}" y2="{y:.1f}" stroke="#4d4d4d"/>'
        )
        out.append(
            f'<text x="{LEFT - 7}" y="{y + 4:.1f}" font-size="11" fill="#1a1a1a" '
            f'text-anchor="end">{escape(fmt_y(t))}</text>'
        )
    out.append(
        f'<text x="{LEFT + pw / 2:.1f}" y="{HEIGHT - 8}" font-size="12" '
        f'fill="#1a1a1a" text-anchor="middle">{escape(x_title)}</text>'
    )
    out.append(
        f'<text x="14" y="{TOP + ph / 2:.1f}" font-size="12" fill="#1a1a1a" '
        f'text-anchor="middle" transform="rotate(-90 14 {TOP + ph / 2:.1f})">'
        f"{escape(y_title)}</text>"
    )
    for x, y in ((p[0], p[1]) for p in front):
        out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="2.2" fill="#8c8c8c"/>')
    for o in options:
        cx, cy = sx(o["x"]), sy(o["y"])
        out.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="9" fill="#154273"/>')
        out.append(
            f'<text x="{cx:.1f}" y="{cy + 4:.1f}" font-size="11" font-weight="bold" '
            f'fill="#ffffff" text-anchor="middle">{escape(str(o["label"]))}</text>'
        )
    for key, (x, y, label) in marks.items():
        cx, cy = sx(x), sy(y)
        if key == "today":
            out.append(
                f'<rect x="{cx - 6:.1f}" y="{cy - 6:.1f}" width="12" height="12" fill="#1a1a1a"/>'
            )
        else:
            corners = [(i * math.pi / 5, 10.0 if i % 2 == 0 else 4.5) for i in range(10)]
            pts = " ".join(
                f"{cx + r * math.sin(a):.1f},{cy - r * math.cos(a):.1f}" for a, r in corners
            )
            out.append(f'<polygon points="{pts}" fill="#a50026"/>')
        anchor = "start" if cx < LEFT + pw * 0.7 else "end"
        dx = 12 if anchor == "start" else -12
        out.append(
            f'<text x="{cx + dx:.1f}" y="{cy + 4:.1f}" font-size="12" font-weight="bold" '
            f'fill="#1a1a1a" text-anchor="{anchor}">{escape(label)}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))


__all__ = ["tradeoff_svg"]
