"""Tests for geo.proposals.ensemble: ReCom samples under the proposal's constraints."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from fixtures.proposal_grids import layout_dataset
from geo.proposals.ensemble import ensemble, write_ensemble
from geo.proposals.errors import ProposalError
from geo.proposals.propose import ProposalSettings

LAYOUT = ["AAAA", "AAAA", "AAAA"]
SWVS = ["aabb", "aabb", "ccdd"]
EVERYWHERE = [(f"GM{r:02d}{c:02d}", "(V)SO") for r in range(3) for c in range(4)]


@pytest.fixture(scope="module")
def grid_dataset():
    pupils = {f"GM{r:02d}{c:02d}": 10.0 + 7 * r + 3 * c for r in range(3) for c in range(4)}
    return layout_dataset(LAYOUT, SWVS, pupils_po=pupils, pupils_vo=20.0, schools=EVERYWHERE)


@pytest.fixture(scope="module")
def result(grid_dataset):
    settings = ProposalSettings(min_pupils=60, max_pupils=400, time_limit=5)
    return ensemble(grid_dataset, "JA", steps=40, seed=3, n_swvs=3, settings=settings)


def split(text: str) -> list[list[str]]:
    return [part.split(",") for part in text.split(" | ")]


def test_every_sample_meets_the_constraints(grid_dataset, result) -> None:
    grid = nx.grid_2d_graph(3, 4)
    graph = nx.relabel_nodes(grid, {(r, c): f"GM{r:02d}{c:02d}" for r, c in grid.nodes})
    # queen contiguity also joins diagonal neighbours
    graph.add_edges_from(
        (f"GM{r:02d}{c:02d}", f"GM{r + 1:02d}{c + dc:02d}")
        for r in range(2)
        for c in range(4)
        for dc in (-1, 1)
        if 0 <= c + dc < 4
    )
    sizes = grid_dataset.weight("pupils_po") + grid_dataset.weight("pupils_vo")
    assert len(result.table) == 40
    for text in result.table["division"]:
        parts = split(text)
        assert len(parts) == 3
        assert sorted(u for p in parts for u in p) == sorted(graph.nodes)
        for part in parts:
            assert nx.is_connected(graph.subgraph(part))
            assert 60 <= sizes[part].sum() <= 400
    assert result.table["valid"].all()


def test_chain_moves_and_the_proposal_is_never_beaten(result) -> None:
    assert result.summary["distinct_divisions"] > 3
    assert result.summary["moves_accepted"] > 0
    assert result.table["disrupted"].min() >= result.proposal["disrupted"]
    assert result.summary["measures"]["disrupted"]["proposal_percentile"] == 0.0


def test_samples_are_scored_like_scenarios(grid_dataset, result) -> None:
    """Recompute one sample's disruption and congruence with plain pandas."""
    row = result.table.iloc[-1]
    parts = split(row["division"])
    new = pd.Series({u: i for i, p in enumerate(parts) for u in p})
    frame = pd.DataFrame({"po": grid_dataset.division("swv_po").assignment(), "new": new})
    frame["w"] = grid_dataset.weight("pupils_po")
    kept = frame.groupby(["po", "new"])["w"].sum().groupby(level=0).max().sum()
    assert row["disrupted_po"] == pytest.approx(frame["w"].sum() - kept)
    table = frame.groupby(["po", "new"])["w"].sum().unstack(fill_value=0.0)
    congruence = (table.max(axis=1).sum() + table.max(axis=0).sum()) / (2 * frame["w"].sum())
    assert row["congruence_po"] == pytest.approx(congruence, abs=1e-6)


def test_same_seed_same_chain(grid_dataset, result) -> None:
    settings = ProposalSettings(min_pupils=60, max_pupils=400, time_limit=5)
    again = ensemble(grid_dataset, "JA", steps=40, seed=3, n_swvs=3, settings=settings)
    assert again.table["division"].tolist() == result.table["division"].tolist()


def test_write_ensemble(result, tmp_path) -> None:
    files = write_ensemble(result, tmp_path / "out")
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(pd.read_csv(files["csv"])) == 40
    assert '"distinct_divisions"' in files["json"].read_text()


def test_count_outside_the_feasible_range_is_refused(grid_dataset) -> None:
    settings = ProposalSettings(min_pupils=60, max_pupils=400, time_limit=5)
    with pytest.raises(ProposalError, match="JA: 9 SWVs is outside the feasible range"):
        ensemble(grid_dataset, "JA", steps=2, n_swvs=9, settings=settings)


def test_unknown_jeugdregio(grid_dataset) -> None:
    with pytest.raises(ProposalError, match="unknown jeugdregio 'JZ99'"):
        ensemble(grid_dataset, "JZ99", steps=2, settings=ProposalSettings(min_pupils=1))


@pytest.mark.integration
def test_real_ensemble_in_twente(dataset) -> None:
    r = ensemble(dataset, "JZ14", steps=15, seed=1)
    assert r.summary["all_valid"]
    assert r.table["disrupted"].min() >= r.proposal["disrupted"] - 1
    assert r.summary["name"] == "Twente"
