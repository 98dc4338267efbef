"""Tests for geo.proposals.graph: contiguity inside each jeugdregio, islands linked."""

from __future__ import annotations

import networkx as nx
import pytest

from fixtures.proposal_grids import layout_dataset
from geo.proposals.graph import region_graphs


def graphs_of(layout: list[str]) -> dict[str, nx.Graph]:
    ds = layout_dataset(layout, layout)
    return region_graphs(ds.units, ds.division("jeugdregio").assignment())


def test_edges_stay_inside_each_jeugdregio() -> None:
    graphs = graphs_of(["AB", "AB"])
    assert sorted(graphs["JA"].edges) == [("GM0000", "GM0100")]
    assert sorted(graphs["JB"].edges) == [("GM0001", "GM0101")]
    assert all(kind == "queen" for g in graphs.values() for *_, kind in g.edges(data="kind"))


def test_queen_contiguity_counts_corner_contact() -> None:
    g = graphs_of(["A.", ".A"])["JA"]
    assert list(g.edges(data="kind")) == [("GM0000", "GM0101", "queen")]
    assert g.graph["links"] == []


def test_island_is_linked_to_nearest_mainland_unit() -> None:
    g = graphs_of(["AA.A"])["JA"]
    assert g.graph["links"] == [
        {"island": "GM0003", "linked_to": "GM0001", "distance_km": 1.0, "rule": "island fallback"}
    ]
    assert g.edges["GM0001", "GM0003"]["kind"] == "link"
    assert nx.is_connected(g)


def test_mainland_is_the_larger_component() -> None:
    g = graphs_of(["A..AA"])["JA"]
    assert g.graph["links"] == [
        {"island": "GM0000", "linked_to": "GM0003", "distance_km": 2.0, "rule": "island fallback"}
    ]


def test_island_is_linked_within_its_own_jeugdregio() -> None:
    # GM0000 and GM0002 (JA) touch only GM0001 (JB): the link joins them across JB, 1 km apart;
    # equal components: the one with the lowest code is the mainland
    g = graphs_of(["ABA"])
    assert g["JA"].graph["links"] == [
        {"island": "GM0002", "linked_to": "GM0000", "distance_km": 1.0, "rule": "island fallback"}
    ]
    assert set(g["JB"].nodes) == {"GM0001"}


@pytest.mark.parametrize("layout", [["A.A.A"], ["A...A", ".....", "A...A"]])
def test_many_islands_all_linked(layout: list[str]) -> None:
    g = graphs_of(layout)["JA"]
    assert nx.is_connected(g)
    assert len(g.graph["links"]) == g.number_of_nodes() - 1
