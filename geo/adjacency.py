"""The one contiguity graph of the gemeenten: queen contiguity plus fixed links across water.

Rule: two units are neighbours when their polygons share at least one point (queen contiguity,
``libpysal.weights.Queen``) or when a fixed link of :mod:`geo.fixed_links` (bridge, dam,
tunnel, ferry; ``geo/fixed_links.yaml``) joins them. The checks, proposals, the ensemble, the
variants and the editor's colouring and adjacency all use this graph
(:func:`contiguity_graph`). Only where it still falls apart (islands no row of the table
covers, e.g. on synthetic data) is every connected component other than the largest linked to
the largest one by one extra *island fallback* edge: from its unit nearest to the largest
component to that nearest unit (boundary distance). Fallback edges are returned apart
(``islands``: ``{island unit: linked unit}``) so every report can name them as such.

>>> import geopandas as gpd, shapely
>>> units = gpd.GeoDataFrame({"code": ["a", "b", "c"]}, geometry=[shapely.box(0, 0, 1, 1),
...     shapely.box(1, 0, 2, 1), shapely.box(5, 0, 6, 1)], crs="EPSG:28992").set_index("code")
>>> adj, islands = queen_adjacency(units)
>>> sorted(adj["a"]), islands
(['b'], {'c': 'b'})
>>> g = contiguity_graph(units)
>>> int(g.matrix().sum()), int(g.matrix(islands=True).sum())
(2, 4)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from libpysal.weights import Queen
from scipy.sparse.csgraph import connected_components

from geo.config import CRS_METRIC
from geo.fixed_links import FixedLink, links_between

RULE_TEXT = (
    "queen contiguity of the gemeente polygons (libpysal) plus the fixed links across water "
    "(bridges, dams, tunnels, ferries: geo/fixed_links.yaml)"
)
"""One sentence naming the contiguity rule (for verdicts and reports)."""


@dataclass(frozen=True, eq=False)
class ContiguityGraph:
    """Queen contiguity plus fixed links, with the island fallback kept apart."""

    units: pd.Index
    queen: sp.csr_matrix
    """``units x units`` 0/1 (int8), symmetric: polygons that touch."""
    links: tuple[FixedLink, ...]
    """Fixed links used: both gemeenten present and not already touching."""
    islands: dict[str, str]
    """Island fallback: ``{island: linked unit}`` for components no fixed link reaches."""
    island_km: dict[str, float]
    """Boundary distance (km) of each island fallback edge."""
    _memo: dict[bool, sp.csr_matrix] = field(default_factory=dict, repr=False)

    def link_pairs(self) -> np.ndarray:
        """``k x 2`` row indices of the fixed links used."""
        pos = self.units.get_indexer
        return np.c_[pos([x.a for x in self.links]), pos([x.b for x in self.links])].astype(
            np.int64
        )

    def matrix(self, *, islands: bool = False) -> sp.csr_matrix:
        """Queen + fixed links (+ the island fallback when ``islands``), symmetric 0/1 int8."""
        found = self._memo.get(islands)
        if found is not None:
            return found
        n = len(self.units)
        pairs = self.link_pairs()
        if islands and self.islands:
            pos = self.units.get_indexer
            extra = np.c_[pos(list(self.islands)), pos(list(self.islands.values()))]
            pairs = np.r_[pairs, extra]
        m = sp.csr_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        out = ((self.queen + m + m.T) > 0).astype(np.int8).tocsr()
        self._memo[islands] = out
        return out

    def neighbours(self, *, islands: bool = False) -> dict[str, set[str]]:
        """``{unit: neighbours}`` of :meth:`matrix`."""
        m = self.matrix(islands=islands)
        codes = np.asarray(self.units, dtype=object)
        return {
            str(codes[i]): {str(c) for c in codes[m.indices[m.indptr[i] : m.indptr[i + 1]]]}
            for i in range(len(codes))
        }

    def link_between(self, u: str, v: str) -> FixedLink | None:
        """The first fixed link used between ``u`` and ``v`` (None: none)."""
        return next((x for x in self.links if {x.a, x.b} == {u, v}), None)


def _queen(frame: gpd.GeoDataFrame, units: pd.Index) -> sp.csr_matrix:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; handled by the caller
        weights = Queen.from_dataframe(frame, use_index=True)
    pos = {u: i for i, u in enumerate(units)}
    pairs = [(pos[str(k)], pos[str(v)]) for k, ns in weights.neighbors.items() for v in ns]
    n = len(units)
    if not pairs:
        return sp.csr_matrix((n, n), dtype=np.int8)
    i, j = np.array(pairs).T
    m = sp.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    return ((m + m.T) > 0).astype(np.int8).tocsr()


def contiguity_graph(
    units: gpd.GeoDataFrame, links: Iterable[FixedLink] | None = None
) -> ContiguityGraph:
    """The contiguity graph of ``units`` (rule in the module docstring); ``links`` default: the
    shipped table."""
    frame = units.to_crs(CRS_METRIC) if units.crs and not units.crs.is_projected else units
    index = pd.Index(frame.index.astype(str), name="code")
    frame = frame.set_axis(index)
    queen = _queen(frame, index)
    used = tuple(
        x for x in links_between(index, links) if not queen[index.get_loc(x.a), index.get_loc(x.b)]
    )
    graph = ContiguityGraph(index, queen, used, {}, {})
    m = graph.matrix()
    n_parts, part = connected_components(m, directed=False)
    if n_parts > 1:
        sizes = np.bincount(part)
        main_id = int(np.argmax(sizes))
        geoms = frame.geometry
        main = geoms[part == main_id]
        for comp in sorted(set(range(n_parts)) - {main_id}, key=lambda c: index[part == c][0]):
            members = geoms[part == comp]
            near_member, near_main = main.sindex.nearest(members.values, return_all=False)
            dist = members.values[near_member].distance(main.values[near_main])
            best = int(dist.argmin())
            island, linked = members.index[near_member[best]], main.index[near_main[best]]
            graph.islands[str(island)] = str(linked)
            graph.island_km[str(island)] = round(float(dist[best]) / 1e3, 3)
    return graph


def queen_adjacency(
    units: gpd.GeoDataFrame, *, link_islands: bool = True
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """``{unit: neighbours}`` (symmetric; queen contiguity plus fixed links, and the island
    fallback when ``link_islands``) and ``{island: unit it was linked to}``."""
    graph = contiguity_graph(units)
    return graph.neighbours(islands=link_islands), dict(graph.islands) if link_islands else {}


__all__ = ["RULE_TEXT", "ContiguityGraph", "contiguity_graph", "queen_adjacency"]
