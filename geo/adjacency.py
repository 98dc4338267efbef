"""Queen contiguity between units (libpysal), with islands linked explicitly.

Rule: two units are neighbours when their polygons share at least one point (queen contiguity,
``libpysal.weights.Queen``). Every connected component other than the largest (the Wadden
islands) is linked to the largest one by one extra edge: from its unit nearest to the largest
component to that nearest unit (boundary distance). Those links are returned in ``islands``
(``{island unit: linked unit}``), so graph algorithms do not break on islands. Call with
``link_islands=False`` to get the pure contiguity graph.

>>> import geopandas as gpd, shapely
>>> units = gpd.GeoDataFrame({"code": ["a", "b", "c"]}, geometry=[shapely.box(0, 0, 1, 1),
...     shapely.box(1, 0, 2, 1), shapely.box(5, 0, 6, 1)], crs="EPSG:28992").set_index("code")
>>> adj, islands = queen_adjacency(units)
>>> sorted(adj["a"]), islands
(['b'], {'c': 'b'})
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
from libpysal.weights import Queen

from geo.config import CRS_METRIC


def queen_adjacency(
    units: gpd.GeoDataFrame, *, link_islands: bool = True
) -> tuple[dict[str, set[str]], dict[str, str]]:
    """``{unit: neighbours}`` (symmetric) and ``{island: unit it was linked to}``."""
    frame = units.to_crs(CRS_METRIC) if units.crs and not units.crs.is_projected else units
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands; we handle them below
        weights = Queen.from_dataframe(frame, use_index=True)
    adjacency = {str(k): {str(n) for n in v} for k, v in weights.neighbors.items()}
    islands: dict[str, str] = {}
    if link_islands:
        graph = nx.Graph()
        graph.add_nodes_from(adjacency)
        graph.add_edges_from((u, v) for u, ns in adjacency.items() for v in ns)
        components = sorted(nx.connected_components(graph), key=len, reverse=True)
        geoms = frame.geometry
        geoms.index = geoms.index.astype(str)
        main = geoms.loc[sorted(components[0])]
        for component in components[1:]:
            members = geoms.loc[sorted(component)]
            near_member, near_main = main.sindex.nearest(members.values, return_all=False)
            dist = members.values[near_member].distance(main.values[near_main])
            best = int(dist.argmin())
            island, linked = members.index[near_member[best]], main.index[near_main[best]]
            islands[island] = linked
            adjacency[island].add(linked)
            adjacency[linked].add(island)
    return adjacency, islands
