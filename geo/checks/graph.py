"""Contiguity graphs of the gemeenten inside each jeugdregio: queen contiguity, fixed links, and
an island fallback only for what the fixed-links table does not cover.

Rule: two gemeenten are neighbours in the one contiguity graph of :mod:`geo.adjacency` (their
polygons share at least one point, or a bridge, dam, tunnel or ferry of
``geo/fixed_links.yaml`` joins them). The graph of a jeugdregio is the subgraph induced by its
gemeenten; queen edges carry ``kind="queen"``, fixed-link edges ``kind="fixed_link"`` and the
link's ``name``. When that subgraph still falls apart (an island no fixed link reaches inside
its jeugdregio, e.g. on synthetic data), every component other than the mainland (most
gemeenten, then largest area, then the lowest code) gets exactly one *island fallback* edge:
from its gemeente nearest to the mainland to the nearest mainland gemeente of the same
jeugdregio (polygon distance in EPSG:28992). Such edges carry ``kind="link"`` and are listed
in ``graph.graph["links"]``, so every report names them as a fallback, not as a crossing. So
every jeugdregio graph is connected and nothing downstream crashes on an island.

>>> import geopandas as gpd, pandas as pd, shapely
>>> units = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1e3, 1e3), shapely.box(1e3, 0, 2e3, 1e3),
...     shapely.box(5e3, 0, 6e3, 1e3)], index=pd.Index(["GM1", "GM2", "GM3"], name="code"),
...     crs="EPSG:28992")
>>> g = region_graphs(units, pd.Series({"GM1": "JZ1", "GM2": "JZ1", "GM3": "JZ1"}))["JZ1"]
>>> sorted(g.edges(data="kind"))
[('GM1', 'GM2', 'queen'), ('GM2', 'GM3', 'link')]
>>> g.graph["links"]
[{'island': 'GM3', 'linked_to': 'GM2', 'distance_km': 3.0, 'rule': 'island fallback'}]
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import networkx as nx
import pandas as pd

from geo.adjacency import contiguity_graph
from geo.config import CRS_METRIC
from geo.fixed_links import links_between


def region_graphs(
    units: gpd.GeoDataFrame,
    regions: pd.Series,
    adjacency: Mapping[str, set[str]] | None = None,
) -> dict[str, nx.Graph]:
    """One connected graph per region (``regions``: gemeente code -> jeugdregio code).

    ``adjacency`` (``{unit: neighbours}``: queen contiguity plus fixed links, without island
    fallback, as :func:`geo.adjacency.contiguity_graph` gives it) is computed when not given.
    """
    frame = (
        units.to_crs(CRS_METRIC) if units.crs is not None and not units.crs.is_projected else units
    )
    geoms = frame.geometry.copy()
    geoms.index = geoms.index.astype(str)
    if adjacency is None:
        adjacency = contiguity_graph(frame).neighbours()
    crossings = {
        frozenset((x.a, x.b)): x.name for x in links_between(geoms.index) if not x.touching
    }
    regions = regions.astype(str)
    regions.index = regions.index.astype(str)
    graphs: dict[str, nx.Graph] = {}
    for region, members in regions.groupby(regions, sort=True):
        codes = sorted(members.index)
        inside = set(codes)
        graph = nx.Graph(region=str(region), links=[])
        graph.add_nodes_from(codes)
        pairs = [(u, v) for u in codes for v in adjacency.get(u, ()) if v in inside and u < v]
        for a, b in pairs:
            crossing = crossings.get(frozenset((a, b)))
            if crossing is None:
                graph.add_edge(a, b, kind="queen")
            else:
                graph.add_edge(a, b, kind="fixed_link", name=crossing)
        _link_components(graph, geoms)
        graphs[str(region)] = graph
    return graphs


def _link_components(graph: nx.Graph, geoms: gpd.GeoSeries) -> None:
    """Link every component but the mainland to the nearest mainland gemeente (in place)."""
    components = [sorted(c) for c in nx.connected_components(graph)]
    if len(components) < 2:
        return
    area = geoms.area
    # mainland: most gemeenten, then largest area (to 0.01 km²), then the first code
    components.sort(key=lambda c: (-len(c), -round(float(area.loc[c].sum()) / 1e4), c[0]))
    main = geoms.loc[components[0]]
    for component in components[1:]:
        members = geoms.loc[component]
        near_member, near_main = main.sindex.nearest(members.values, return_all=False)
        dist = members.values[near_member].distance(main.values[near_main])
        best = int(dist.argmin())
        island, linked = members.index[near_member[best]], main.index[near_main[best]]
        graph.add_edge(island, linked, kind="link")
        graph.graph["links"].append(
            {
                "island": island,
                "linked_to": linked,
                "distance_km": round(float(dist[best]) / 1e3, 3),
                "rule": "island fallback",
            }
        )
