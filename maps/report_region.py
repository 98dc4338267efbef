"""The regional part of the report: a map zoomed to the region, and tables cut to it.

Rule: the region is a :class:`geo.checks.focus.Focus` (a jeugdregio, a province or an SWV).
The map shows the window around the region's gemeenten (8% margin): SWVs in colour (neighbours
differ), gemeente borders thin white, jeugdregio borders black, the region's outline dashed, the
gemeenten whose SWV changes against today hatched red, every gemeente of the region labelled
with its name and every SWV in view with its code. Tables keep the SWVs that touch the region
(:func:`geo.checks.focus.touching`); the changed gemeenten are those of the region; check
offenders are those SWVs or gemeenten, with the national count beside them.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from geo.config import CRS_METRIC
from geo.division import Division

if TYPE_CHECKING:
    from geo.checks import VerdictContext
    from geo.checks.focus import Focus

MARGIN = 0.08
"""Share of the region's extent added around it in the zoomed map."""


def region_map_png(
    ctx: VerdictContext,
    division: Division,
    jeugdregio: Division,
    focus: Focus,
    changed: Iterable[str],
    colours: Mapping[str, str],
    title: str,
) -> bytes:
    """The zoomed map of ``division`` around ``focus`` (rule in the module docstring); PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.patheffects as pe
    import matplotlib.pyplot as plt

    from maps.geometry import dissolve_regions, web_geometry

    geometry = web_geometry(ctx.dataset.units)
    units = geometry.to_crs(CRS_METRIC)
    swvs = dissolve_regions(geometry, division.reindexed(ctx.units)).to_crs(CRS_METRIC)
    jz = dissolve_regions(geometry, jeugdregio.reindexed(ctx.units)).to_crs(CRS_METRIC)
    inside = units.loc[list(focus.units)]
    minx, miny, maxx, maxy = inside.total_bounds
    pad = MARGIN * max(maxx - minx, maxy - miny, 5_000.0)
    window = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    fig, ax = plt.subplots(figsize=(3.7, 3.9), dpi=150)
    swvs.plot(ax=ax, color=[colours.get(str(c), "#eeeeee") for c in swvs.index], linewidth=0)
    units.boundary.plot(ax=ax, color="white", linewidth=0.35)
    hit = [u for u in changed if u in units.index]
    if hit:
        units.loc[hit].plot(
            ax=ax, facecolor="none", edgecolor="#b01c1c", hatch="////", linewidth=1.0
        )
    swvs.boundary.plot(ax=ax, color="#555555", linewidth=0.6)
    jz.boundary.plot(ax=ax, color="black", linewidth=1.1)
    shapely_outline = shapely.union_all(np.asarray(inside.geometry.values))
    ax.plot(*_outline_xy(shapely_outline), color="#1f3c88", linewidth=1.6, linestyle="--")
    halo = [pe.withStroke(linewidth=2, foreground="white")]
    names = ctx.names
    for code, point in zip(
        inside.index, shapely.point_on_surface(np.asarray(inside.geometry.values)), strict=True
    ):
        ax.annotate(
            str(names.get(code, code)),
            (point.x, point.y),
            ha="center",
            va="center",
            fontsize=4.6,
            color="#222222",
            path_effects=halo,
        )
    for code, shape in zip(swvs.index, swvs.geometry.values, strict=True):
        piece = shapely.intersection(shape, window)
        if piece.is_empty or piece.area < 0.02 * window.area:
            continue
        point = shapely.point_on_surface(piece)
        ax.annotate(
            str(code),
            (point.x, point.y),
            xytext=(0, 7),
            textcoords="offset points",
            ha="center",
            fontsize=6.2,
            fontweight="bold",
            color="#1f3c88",
            path_effects=halo,
        )
    ax.set_xlim(window.bounds[0], window.bounds[2])
    ax.set_ylim(window.bounds[1], window.bounds[3])
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=7)
    fig.tight_layout(pad=0.3)
    out = io.BytesIO()
    fig.savefig(out, format="png")
    plt.close(fig)
    return out.getvalue()


def _outline_xy(shape: Any) -> tuple[list[float], list[float]]:
    """x and y of every exterior ring of ``shape``, rings separated by NaN (one plot call)."""
    xs: list[float] = []
    ys: list[float] = []
    for poly in getattr(shape, "geoms", [shape]):
        if poly.geom_type != "Polygon":
            continue
        x, y = poly.exterior.xy
        xs += [*x, float("nan")]
        ys += [*y, float("nan")]
    return xs, ys


def cut_offenders(
    offenders: Sequence[Mapping[str, Any]], codes: set[str], units: set[str]
) -> list[Mapping[str, Any]]:
    """The offenders about the region: an SWV that touches it or one of its gemeenten.

    >>> cut_offenders([{"code": "A"}, {"code": "GM1"}, {"code": "B"}], {"A"}, {"GM1"})
    [{'code': 'A'}, {'code': 'GM1'}]
    """
    return [o for o in offenders if str(o.get("code")) in codes or str(o.get("code")) in units]


__all__ = ["cut_offenders", "region_map_png"]
