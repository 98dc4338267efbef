"""Tests for geo.proposals.solve: the CP-SAT model on tiny instances with known optima."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from geo.proposals.errors import InfeasibleError
from geo.proposals.solve import RegionProblem, TravelLimit, solve_region


def path_problem(sizes, keep, min_size, max_size, n_swvs, travel=None) -> RegionProblem:
    n = len(sizes)
    units = [f"u{i}" for i in range(n)]
    edges = [(i, i + 1) for i in range(n - 1)]
    keep = {k: np.array(v) for k, v in keep.items()}
    return RegionProblem(
        "JZ1", units, np.array(sizes), edges, keep, min_size, max_size, n_swvs, travel or {}
    )


def parts(labels: dict[str, str]) -> set[frozenset[str]]:
    heads = set(labels.values())
    return {frozenset(u for u, h in labels.items() if h == head) for head in heads}


def test_contiguity_is_enforced() -> None:
    # path u0-u1-u2; PO1 lives in u0 and u2. Without contiguity {u0,u2},{u1} keeps everyone.
    p = path_problem([5, 5, 5], {"PO1": [10, 0, 10], "PO2": [0, 1, 0]}, 5, 10, (2, 2))
    s = solve_region(p)
    assert s.status == "OPTIMAL"
    assert s.disruption == 10
    assert parts(s.labels) in (
        {frozenset({"u0", "u1"}), frozenset({"u2"})},
        {frozenset({"u0"}), frozenset({"u1", "u2"})},
    )


def test_size_bounds_force_the_split() -> None:
    p = path_problem([4, 4, 4, 4], {"PO1": [1, 1, 1, 1]}, 1, 8, (1, 4))
    s = solve_region(p)
    sizes = [sum(4 for _ in part) for part in parts(s.labels)]
    assert max(sizes) <= 8 and s.disruption == 2


def test_secondary_prefers_continuing_swvs_and_no_orphan() -> None:
    # u0,u1 hold PO1, u2,u3 hold PO2, u4 holds only pupils of an SWV homed elsewhere (no keep)
    p = path_problem([5] * 5, {"PO1": [3, 3, 0, 0, 0], "PO2": [0, 0, 3, 3, 0]}, 1, 100, (1, 5))
    s = solve_region(p)
    assert s.disruption == 0
    assert parts(s.labels) == {frozenset({"u0", "u1"}), frozenset({"u2", "u3", "u4"})}


def test_exhaustive_optimum_on_a_small_graph() -> None:
    """The solver's disruption equals a brute-force minimum over all contiguous partitions."""
    rng = np.random.default_rng(3)
    graph = nx.cycle_graph(6)
    graph.add_edge(0, 3)
    sizes = rng.integers(1, 10, 6)
    keep = {f"S{k}": rng.integers(0, 20, 6) * (rng.random(6) < 0.6) for k in range(3)}
    lo, hi = 8, 25
    problem = RegionProblem(
        "JZ1", [f"u{i}" for i in range(6)], sizes, sorted(graph.edges), keep, lo, hi, (1, 6)
    )
    best = None
    for labels in itertools.product(range(6), repeat=6):
        groups: dict[int, list[int]] = {}
        for i, g in enumerate(labels):
            groups.setdefault(g, []).append(i)
        if any(labels[i] > max(labels[:i], default=-1) + 1 for i in range(6)):
            continue  # canonical labelling only
        if not all(
            lo <= sizes[m].sum() <= hi and nx.is_connected(graph.subgraph(m))
            for m in groups.values()
        ):
            continue
        kept = sum(max(int(w[m].sum()) for m in groups.values()) for w in keep.values())
        value = sum(int(w.sum()) for w in keep.values()) - kept
        best = value if best is None else min(best, value)
    solution = solve_region(problem)
    assert solution.status == "OPTIMAL"
    assert solution.disruption == best


def test_travel_limit_changes_the_optimum() -> None:
    # u0..u3 in a row, 1 km apart; locations in u0 and u3; max size forces two SWVs.
    dist = np.array(
        [[abs(i - h) * 1000 if h in (0, 3) else -1 for h in range(4)] for i in range(4)]
    )
    before = np.array([0, 1000, 1000, 0])
    weights = np.array([1, 10, 10, 10])
    keep = {"PO1": weights}
    strict = {"po": TravelLimit(dist, before, weights, int((weights * before).sum()))}
    p = path_problem([1, 10, 10, 10], keep, 1, 30, (2, 2), strict)
    s = solve_region(p)
    assert parts(s.labels) == {frozenset({"u0", "u1"}), frozenset({"u2", "u3"})}
    assert s.disruption == 11
    loose = {"po": TravelLimit(dist, before + 1000, weights, None)}
    s = solve_region(path_problem([1, 10, 10, 10], keep, 1, 30, (2, 2), loose))
    assert parts(s.labels) == {frozenset({"u0"}), frozenset({"u1", "u2", "u3"})}
    assert s.disruption == 1


def test_infeasible_size_bounds_are_proved_and_named() -> None:
    p = path_problem([5, 5, 5], {"PO1": [1, 1, 1]}, 6, 10, (2, 2))
    with pytest.raises(InfeasibleError) as info:
        solve_region(p)
    assert info.value.region == "JZ1" and info.value.bound == "min_pupils/max_pupils"


def test_infeasible_travel_is_diagnosed() -> None:
    dist = np.array([[0, -1, -1], [1000, -1, -1], [2000, -1, -1]])
    limit = {"po": TravelLimit(dist, np.array([0, 1000, 2000]), np.array([1, 1, 1]), None)}
    p = path_problem([5, 5, 5], {"PO1": [1, 1, 1]}, 5, 10, (2, 2), limit)
    with pytest.raises(InfeasibleError, match="JZ1: max_extra_km"):
        solve_region(p)


def test_stopping_early_reports_feasible_with_a_gap() -> None:
    rng = np.random.default_rng(0)
    graph = nx.grid_2d_graph(3, 3)
    index = {node: i for i, node in enumerate(sorted(graph.nodes))}
    edges = sorted((min(index[a], index[b]), max(index[a], index[b])) for a, b in graph.edges)
    n = len(index)
    keep = {f"S{k}": rng.integers(0, 50, n) * (rng.random(n) < 0.4) for k in range(8)}
    problem = RegionProblem(
        "JZ9", [f"u{i}" for i in range(n)], rng.integers(5, 15, n), edges, keep, 20, 60, (1, n)
    )
    early = solve_region(problem, first_solution_only=True, time_limit=20)
    optimal = solve_region(problem, time_limit=20)
    assert optimal.status == "OPTIMAL" and optimal.gap == 0.0
    assert early.status == "FEASIBLE"
    assert early.disruption_bound <= optimal.disruption < early.disruption
    assert early.gap == pytest.approx(
        (early.disruption - early.disruption_bound) / early.disruption
    )
