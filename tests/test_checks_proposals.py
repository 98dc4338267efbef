"""Proposals and the ensemble judge divisions with geo.checks (one definition of each rule)."""

from __future__ import annotations

from fixtures.proposal_grids import centres, layout_dataset
from geo.proposals.ensemble import _Scorer, ensemble
from geo.proposals.problem import ProposalSettings, prepare
from geo.proposals.propose import propose

ROW = ["AAAA"]


def scorer(min_pupils: float) -> _Scorer:
    ds = layout_dataset(ROW, ROW, schools=[("GM0000", "SO"), ("GM0000", "VSO")])
    settings = ProposalSettings(min_pupils=min_pupils, time_limit=5)
    return _Scorer(prepare(ds, settings, points=centres(ds)), "JA")


def test_ensemble_step_below_the_minimum_is_rejected_by_the_size_check() -> None:
    row = scorer(200.0)({"GM0000": "a", "GM0001": "a", "GM0002": "a", "GM0003": "b"})
    # GM0003 alone: 100 PO + 50 VO = 150 pupils < 200; P2: its SWV has no location
    assert row["valid"] is False
    assert "size SWV-JA-2" in row["violations"]
    assert "P2 GM0003" in row["violations"]


def test_ensemble_step_that_is_not_contiguous_is_rejected_by_the_contiguity_check() -> None:
    row = scorer(1.0)({"GM0000": "a", "GM0001": "b", "GM0002": "a", "GM0003": "b"})
    assert row["valid"] is False and "contiguity" in row["violations"]


def test_ensemble_samples_pass_the_checks() -> None:
    ds = layout_dataset(["AAAA", "AAAA"], ["AABB", "AABB"])
    r = ensemble(ds, "JA", steps=4, seed=1, n_swvs=2, settings=ProposalSettings(min_pupils=1))
    assert r.table["valid"].all() and (r.table["violations"] == "").all()


def test_proposal_report_carries_its_verdict() -> None:
    ds = layout_dataset(["AABB", "AABB"], ["ABBB", "ABBB"], schools=[("GM0000", "SO")])
    p = propose(ds, ProposalSettings(min_pupils=1, time_limit=5), points=centres(ds))
    verdict = p.report["verdict"]
    assert verdict["passed"] is True and verdict["violations"] == []
    assert set(verdict["checks"]) == {"P2", "P3", "size", "contiguity"}
