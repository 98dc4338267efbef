"""Water-aware distance: the straight line while it stays on land, else via the fixed links.

Rule ("hemelsbreed over land, via vaste oeververbindingen"), in EPSG:28992, km:

* *Land* is the union of the gemeente polygons (rivers and lakes inside gemeenten count as
  land; the dams of the Delta and Zuiderzee Works are drawn as land on the CBS map). *Water* is
  what lies inside the convex hull of the land but outside the land grown by
  :data:`COAST_TOLERANCE_M` (the generalised coast may be off by that much), in pieces of at
  least :data:`MIN_WATER_KM2`.
* A pair of points whose straight line crosses no water keeps the straight line: nothing
  changes where the old model was already right.
* Otherwise the route is the shortest one over land and the fixed links: a polyline whose legs
  are straight lines crossing no water, bending at *waypoints*: both ends of every fixed link
  that spans water (``geo/fixed_links.yaml``: the nearest points of its two gemeenten, joined
  by the link's length, a ferry by its distance equivalent,
  :attr:`geo.fixed_links.FixedLink.crossing_km`), the point where the gemeenten of a dam drawn
  as land meet, and the corners of the shore (the vertices of the water grown by
  :data:`CORNER_OFFSET_M` and simplified to :data:`CORNER_SIMPLIFY_M`), so a route can go round
  a bay over land. So: to the crossing + the crossing + onward, over as many crossings as needed
  (Sluis to Zierikzee: ferry or tunnel, then the Zeelandbrug).
* Where no such route exists, the straight line is kept and the pair is counted as
  ``unrouted`` (a lower bound, reported, never hidden).

Precomputed once per dataset (:func:`water_model`), then :meth:`WaterModel.distances` is
vectorised over every pair (shapely 2 on one prepared water polygon, and numpy).

>>> import geopandas as gpd, pandas as pd, shapely
>>> units = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10e3, 10e3),
...     shapely.box(0, 14e3, 10e3, 24e3), shapely.box(10e3, 0, 12e3, 24e3)],
...     index=pd.Index(["GM0001", "GM0002", "GM0003"], name="code"), crs="EPSG:28992")
>>> m = water_model(units, links=())
>>> a, b = np.array([[5e3, 5e3]]), np.array([[5e3, 19e3], [11e3, 5e3]])
>>> m.distances(a, b).round(2).tolist()  # across the bay: round it over GM0003's land
[[17.74, 6.0]]
>>> m.stats["over_water"], m.unrouted
(1, 0)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import shortest_path

from geo.config import CRS_METRIC
from geo.fixed_links import FixedLink, links_between
from geo.messages import N_

MODEL_NAME = "hemelsbreed over land, via vaste oeververbindingen"
"""The travel model's name, shown with every distance figure."""

MODEL_TEXT = N_(
    "straight line (EPSG:28992, km) while it stays on land (the union of the gemeente polygons); "
    "else via the fixed links across water (bridges, tunnels, dams, ferries of "
    "geo/fixed_links.yaml; a ferry as its sailing minutes x 1 km): to the crossing + the crossing "
    "+ onward"
)
"""One sentence for reports and verdict figures (an English msgid: the report translates it)."""

COAST_TOLERANCE_M = 300.0
"""A line may pass this close to land over water (generalised coasts)."""

MIN_WATER_KM2 = 0.5
"""Smaller water pieces (slivers between generalised boundaries) are ignored."""

ROUTE_CHUNK = 16_384
"""Pairs routed per numpy step (memory: chunk x waypoints floats)."""

SEA_BAND_M = 5_000.0
"""The open sea around the land's convex hull counts as water this far out (no route goes round
the coast through the sea)."""

CORNER_OFFSET_M = 150.0
"""Shore corners lie this far from the water (so a leg along the shore is not blocked)."""

CORNER_SIMPLIFY_M = 2_500.0
"""Shore corners come from the water outline simplified to this tolerance (fewer waypoints)."""


@dataclass(frozen=True, eq=False)
class WaterModel:
    """Water obstacles and crossing points of one dataset (see the module docstring)."""

    water: shapely.Geometry
    """Water (one prepared multipolygon)."""
    nodes: np.ndarray
    """``k x 2`` crossing points (m)."""
    node_names: list[str]
    """The fixed link each waypoint belongs to (``"shore"`` for a shore corner)."""
    node_units: np.ndarray
    """The gemeente of each link end (``""`` for other waypoints): a point of that gemeente
    reaches it over the gemeente's own land (a thin island's harbour)."""
    node_paths: np.ndarray
    """``k x k`` shortest route (km) between crossing points (legs and crossings)."""
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def unrouted(self) -> int:
        """Pairs of the last :meth:`distances` call that crossed water without a route."""
        return int(self.stats.get("unrouted", 0))

    def blocked(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``True`` where the segment ``a[i] - b[i]`` crosses water (``n x 2`` arrays, m)."""
        if len(a) == 0 or self.water.is_empty:
            return np.zeros(len(a), dtype=bool)
        lines = shapely.linestrings(np.stack([a, b], axis=1))
        return np.asarray(shapely.intersects(self.water, lines), dtype=bool)

    def _legs(self, points: np.ndarray, units: np.ndarray | None = None) -> np.ndarray:
        """``n x k`` straight leg (km) from each point to each waypoint, ``inf`` over water
        (except to the link ends of the point's own gemeente, ``units``)."""
        n, k = len(points), len(self.nodes)
        if k == 0:
            return np.zeros((n, 0))
        a = np.repeat(points, k, axis=0)
        b = np.tile(self.nodes, (n, 1))
        d = np.hypot(*(a - b).T) / 1e3
        blocked = self.blocked(a, b)
        if units is not None:
            blocked &= np.repeat(np.asarray(units, dtype=object), k) != np.tile(self.node_units, n)
        d[blocked] = np.inf
        return d.reshape(n, k)

    def distances(
        self,
        origins: np.ndarray,
        targets: np.ndarray,
        origin_units: np.ndarray | None = None,
        target_units: np.ndarray | None = None,
    ) -> np.ndarray:
        """``len(origins) x len(targets)`` distance in km (rule in the module docstring);
        ``*_units``: each point's gemeente code (lets it reach its own gemeente's link ends)."""
        origins = np.asarray(origins, dtype=float).reshape(-1, 2)
        targets = np.asarray(targets, dtype=float).reshape(-1, 2)
        n, m = len(origins), len(targets)
        straight = (
            np.hypot(
                origins[:, None, 0] - targets[None, :, 0], origins[:, None, 1] - targets[None, :, 1]
            )
            / 1e3
        )
        i, j = np.divmod(np.arange(n * m), max(m, 1))
        blocked = self.blocked(origins[i], targets[j]).reshape(n, m)
        self.stats.update(pairs=n * m, over_water=int(blocked.sum()), unrouted=0)
        if not blocked.any() or len(self.nodes) == 0:
            self.stats["unrouted"] = int(blocked.sum())
            return straight
        rows = np.flatnonzero(blocked.any(axis=1))
        cols = np.flatnonzero(blocked.any(axis=0))
        lo = self._legs(origins[rows], None if origin_units is None else origin_units[rows])
        lt = self._legs(targets[cols], None if target_units is None else target_units[cols])
        # best route origin -> u -> ... -> v -> target, over every pair of crossing points
        via_o = (lo[:, :, None] + self.node_paths[None, :, :]).min(axis=1)  # rows x k (at v)
        out = straight.copy()
        sub = blocked[np.ix_(rows, cols)]
        r, c = np.nonzero(sub)
        routed = np.empty(len(r))
        for lo_i in range(0, len(r), ROUTE_CHUNK):  # bounded memory: chunk x waypoints
            part = slice(lo_i, lo_i + ROUTE_CHUNK)
            routed[part] = (via_o[r[part]] + lt[c[part]]).min(axis=1)
        ok = np.isfinite(routed)
        out[rows[r[ok]], cols[c[ok]]] = np.maximum(routed[ok], straight[rows[r[ok]], cols[c[ok]]])
        self.stats["unrouted"] = int((~ok).sum())
        return out


def _water(land: shapely.Geometry) -> shapely.Geometry:
    """Water inside the land's convex hull and the sea band around it (module docstring)."""
    grown = shapely.buffer(land, COAST_TOLERANCE_M)
    hull = shapely.buffer(shapely.convex_hull(land), SEA_BAND_M)
    parts = shapely.get_parts(shapely.difference(hull, grown))
    parts = parts[shapely.area(parts) >= MIN_WATER_KM2 * 1e6]
    water = shapely.multipolygons(parts) if len(parts) else shapely.MultiPolygon()
    shapely.prepare(water)
    return water


def _corners(water: shapely.Geometry, land: shapely.Geometry) -> np.ndarray:
    """Shore corners: vertices of the grown, simplified water outline that lie near land."""
    if water.is_empty:
        return np.zeros((0, 2))
    outline = shapely.simplify(shapely.buffer(water, CORNER_OFFSET_M), CORNER_SIMPLIFY_M)
    xy = np.unique(shapely.get_coordinates(outline), axis=0)
    pts = shapely.points(xy)
    near = shapely.dwithin(land, pts, 2 * COAST_TOLERANCE_M) & ~shapely.intersects(water, pts)
    return xy[near]


def water_model(units: gpd.GeoDataFrame, links: Iterable[FixedLink] | None = None) -> WaterModel:
    """Precompute the water and the crossing points of ``units`` (``links`` default: the
    shipped table; pass ``()`` for none)."""
    frame = units.to_crs(CRS_METRIC) if units.crs and not units.crs.is_projected else units
    geoms = pd.Series(frame.geometry.to_numpy(), index=frame.index.astype(str))
    land = shapely.union_all(shapely.make_valid(geoms.to_numpy()))
    water = _water(land)
    points: list[tuple[float, float]] = []
    names: list[str] = []
    owners: list[str] = []
    spans: list[tuple[int, int, float]] = []
    for link in links_between(geoms.index, links):
        a, b = geoms[link.a], geoms[link.b]
        if a.intersects(b):  # drawn as land: one crossing point where the gemeenten meet
            p = shapely.point_on_surface(shapely.intersection(a.boundary, b.boundary))
            if p.is_empty:
                p = shapely.shortest_line(a, b).centroid
            points.append((p.x, p.y))
            names.append(link.name)
            owners.append("")
            continue
        line = shapely.shortest_line(a, b)
        (ax, ay), (bx, by) = shapely.get_coordinates(line)
        spans.append((len(points), len(points) + 1, link.crossing_km))
        points += [(ax, ay), (bx, by)]
        names += [link.name, link.name]
        owners += [link.a, link.b]
    corners = _corners(water, land)
    names += ["shore"] * len(corners)
    owners += [""] * len(corners)
    nodes = np.r_[np.array(points, dtype=float).reshape(-1, 2), corners]
    k = len(nodes)
    model = WaterModel(water, nodes, names, np.array(owners, dtype=object), np.zeros((k, k)))
    if k:
        a = np.repeat(nodes, k, axis=0)
        b = np.tile(nodes, (k, 1))
        legs = np.hypot(*(a - b).T) / 1e3
        own = np.tile(model.node_units, k)
        same = (own == np.repeat(model.node_units, k)) & (own != "")
        legs[model.blocked(a, b) & ~same] = np.inf
        graph = legs.reshape(k, k)
        for u, v, km in spans:
            graph[u, v] = graph[v, u] = min(graph[u, v], km)
        np.fill_diagonal(graph, 0.0)
        finite = np.where(np.isfinite(graph), graph, 0.0)
        paths = shortest_path(finite, directed=False)
        # zero entries of a dense matrix are "no edge" for scipy: an edge of length 0 (two
        # crossing points at the same place) is rare and only loses that shortcut
        object.__setattr__(model, "node_paths", paths)
    return model


__all__ = ["MODEL_NAME", "MODEL_TEXT", "WaterModel", "water_model"]
