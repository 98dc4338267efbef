"""The space of valid divisions on the real data: every jeugdregio of today's 42 and of the 41,
the oracle for the proposal, and placement against independent counts on the stored files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.proposals.problem import ProposalSettings, count_ranges, prepare, region_problem
from geo.proposals.solve import solve_region
from geo.space.build import build_space
from geo.space.figures import PartTable, plan_figures
from geo.space.model import plan_of_assignment, region_models
from geo.space.placement import place


@pytest.fixture(scope="module")
def space42(dataset, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("space42")
    build_space(dataset, out, scheduler="synchronous")
    return out


@pytest.fixture(scope="module")
def proposal(dataset):
    from geo.proposals.propose import propose

    return propose(dataset, ProposalSettings(), warn=False)


def stored(out: Path, region: str) -> pd.DataFrame:
    """One jeugdregio's stored plans, read straight from its files (not via geo.space)."""
    files = sorted((out / "plans" / f"jeugdregio={region}").glob("part-*.parquet"))
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def test_every_jeugdregio_of_the_42_is_built_exactly(space42: Path, dataset) -> None:
    manifest = json.loads((space42 / "manifest.json").read_text())
    assert manifest["jeugdregios"] == 42 and manifest["exact"] == 42 and manifest["missing"] == []
    codes = set(dataset.division("jeugdregio").assignment())
    assert {e["jeugdregio"] for e in manifest["regions"]} == codes
    for e in manifest["regions"]:
        rows = stored(space42, e["jeugdregio"])
        assert len(rows) == e["count"] == rows["plan"].nunique() >= 1
        assert sum(int(v) for v in e["count_by_swvs"].values()) == e["count"]
    assert manifest["plans_stored"] == sum(e["count"] for e in manifest["regions"])


def test_every_jeugdregio_of_the_41_is_built(dataset, tmp_path) -> None:
    out = tmp_path / "space41"
    result = build_space(
        dataset, out, proposal=ProposalSettings(jeugdregio="jeugdregio_41"), scheduler="synchronous"
    )
    m = result.manifest
    assert m["jeugdregios"] == 41 and m["exact"] == 41 and m["missing"] == []


def test_oracle_the_proposal_reaches_the_enumerated_minimum(dataset, space42: Path) -> None:
    """In every exactly enumerated jeugdregio, CP-SAT's optimum (same settings) has the least
    disruption of all valid divisions, and its division is one of them."""
    ctx = prepare(dataset, ProposalSettings())
    models = region_models(ctx)
    ranges = count_ranges(ctx, sorted(models))
    for region, model in models.items():
        solution = solve_region(region_problem(ctx, region, ranges[region]), time_limit=10)
        assert solution.status == "OPTIMAL"
        masks = plan_of_assignment(model, pd.Series(solution.labels))
        row = plan_figures(PartTable(model, masks), [masks]).iloc[0]
        plans = stored(space42, region)
        assert row["plan"] in set(plans["plan"])
        assert row["disrupted"] == pytest.approx(plans["disrupted"].min(), abs=1e-6), region
        # the model counts only the pupils of SWVs at home here, in whole pupils
        away = sum(float(model.W[lv][:, ~model.home[lv]].sum()) for lv in ("po", "vo"))
        assert abs(row["disrupted"] - away - solution.disruption) <= model.n


def independent(out: Path, region: str, column: str, value: float) -> tuple[int, int, int]:
    """(lower, equal, total) of a stored column against a value, by plain counting."""
    values = stored(out, region)[column].tolist()
    lower = sum(1 for v in values if v < value - 1e-6 * max(1.0, abs(value)))
    equal = sum(1 for v in values if abs(v - value) <= 1e-6 * max(1.0, abs(value)))
    return lower, equal, len(values)


@pytest.mark.parametrize("which", ["huidig_vo", "proposal"])
def test_placement_percentiles_equal_independent_counts(which, dataset, space42, proposal) -> None:
    division = dataset.division("swv_vo") if which == "huidig_vo" else proposal.division
    placed = place(dataset, division, space42, scenario=which)
    assert placed["jeugdregios"] == 42
    if which == "proposal":
        assert placed["in_space"] is True
    else:
        assert placed["in_space_jeugdregios"] == 0 and placed["reason_outside"]
    for region, entry in placed["jeugdregios_placement"].items():
        for fig in ("disrupted", "travel_po_km", "travel_vo_km", "swvs", "congruence_vo"):
            f = entry["figures"].get(fig)
            if f is None:  # no figure (no location of the level): none stored either
                assert stored(space42, region)[fig].isna().all(), (region, fig)
                continue
            lower, equal, total = independent(space42, region, fig, f["value"])
            assert entry["plans"] == total
            assert f["below"] == pytest.approx(lower / total, abs=1e-6), (region, fig)
            assert f["equal"] == pytest.approx(equal / total, abs=1e-6), (region, fig)
            assert f["percentile"] == pytest.approx(100 * (lower + equal / 2) / total, abs=1e-3)
        if which == "proposal":
            assert entry["figures"]["disrupted"]["better"] == 0  # the oracle, seen from placement
    nat = placed["national"]["disrupted"]
    mins = sum(stored(space42, r)["disrupted"].min() for r in placed["jeugdregios_placement"])
    if which == "proposal":
        # the least disruption in every jeugdregio: nothing lower nationally either
        assert nat["below"] == 0 and nat["value"] == pytest.approx(mins, abs=1e-3)
        # the decomposed national figure against the engine's (continuations across borders)
        engine = proposal.disruption.totals["disrupted"]
        assert engine <= nat["value"] <= engine * 1.005
    else:
        assert nat["value"] < mins and nat["below"] == 0


def test_national_distribution_mean_equals_the_sum_of_means(space42) -> None:
    from geo.space.distributions import national, read_plans

    plans = read_plans(space42)
    nat = national(plans)
    d = nat["disrupted"]
    mean = float((np.asarray(d["values"]) * np.asarray(d["p"])).sum())
    by_region = sum(
        float(stored(space42, r)["disrupted"].round().mean()) for r in plans["jeugdregio"].unique()
    )
    assert mean == pytest.approx(by_region, rel=1e-9)
    assert float(np.sum(d["p"])) == pytest.approx(1.0)
