"""Tests for geo.adjacency (queen contiguity plus fixed links, island fallback)."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import shapely

from geo.adjacency import queen_adjacency


def test_queen_corner_touch_and_island_component() -> None:
    geoms = [
        shapely.box(0, 0, 1, 1),
        shapely.box(1, 1, 2, 2),  # touch at a corner only
        shapely.box(5, 0, 6, 1),
        shapely.box(6, 0, 7, 1),
    ]  # a two-unit island group
    units = gpd.GeoDataFrame({"code": list("abcd")}, geometry=geoms, crs="EPSG:28992").set_index(
        "code"
    )
    adj, islands = queen_adjacency(units)
    assert "b" in adj["a"]
    assert islands == {"c": "b"}
    graph = nx.Graph([(u, v) for u, ns in adj.items() for v in ns])
    assert nx.is_connected(graph)
    pure, none = queen_adjacency(units, link_islands=False)
    assert none == {} and pure["c"] == {"d"}


def test_real_gemeenten_are_connected(dataset) -> None:
    adj, islands = queen_adjacency(dataset.units)
    graph = nx.Graph([(u, v) for u, ns in adj.items() for v in ns])
    assert graph.number_of_nodes() == 342 and nx.is_connected(graph)
    # every island is reached by a fixed link (the ferries, the Zeelandbrug, the
    # Westerscheldetunnel), so the island fallback links nothing on the real data
    assert islands == {}
    names = dataset.units["name"]
    by_name = {n: c for c, n in names.items()}
    ferries = {
        "Texel": "Den Helder",
        "Vlieland": "Harlingen",
        "Terschelling": "Harlingen",
        "Ameland": "Noardeast-Fryslân",
        "Schiermonnikoog": "Noardeast-Fryslân",
    }
    for island, port in ferries.items():
        assert {names[u] for u in adj[by_name[island]]} == {port}, island
