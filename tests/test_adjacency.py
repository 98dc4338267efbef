"""Tests for geo.adjacency (queen contiguity, islands linked explicitly)."""

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
    names = dataset.units["name"]
    island_names = {names[u] for u in islands}
    # the Wadden islands have no land border, so each is linked explicitly
    assert {"Texel", "Vlieland", "Terschelling", "Ameland", "Schiermonnikoog"} <= island_names
