"""geo.checks on synthetic fixtures with a known verdict per check, and bad input."""

from __future__ import annotations

import math

import pytest

from fixtures.proposal_grids import layout_dataset
from fixtures.verdict_cases import CASES, HARD, case, grid_dataset
from geo.checks import (
    CHECKS,
    VerdictError,
    VerdictSettings,
    build_context,
    scenario_verdict,
    verdict,
)
from geo.division import Division


@pytest.mark.parametrize("name", sorted(CASES))
def test_known_verdict_per_check(name: str) -> None:
    ds, divisions, settings, expected = case(name)
    v = verdict(build_context(ds), divisions, scenario=name, settings=settings)
    assert {c: v.result(c).passed for c in HARD} == dict(expected)
    assert v.passed is all(expected.values())
    for r in v.results:
        if r.hard and r.passed:
            assert r.offenders == [], (name, r.name)


def test_noncontiguous_names_the_swv_and_its_parts() -> None:
    ds, divisions, settings, _ = case("noncontiguous")
    c = verdict(build_context(ds), divisions, settings=settings).result("contiguity")
    assert [o["code"] for o in c.offenders] == ["X"]
    assert c.offenders[0]["parts"] == [["GM0000", "GM0100", "GM0200"], ["GM0002"]]


def test_two_jeugdregio_lists_the_pieces() -> None:
    ds, divisions, settings, _ = case("two_jeugdregio")
    p3 = verdict(build_context(ds), divisions, settings=settings).result("P3")
    (x,) = p3.offenders
    assert x["code"] == "X" and x["containment"] == pytest.approx(12 / 15)
    # pupils of the SWV (PO + VO) per jeugdregio: 12 and 3 gemeenten of 150
    assert [(p["jeugdregio"], p["pupils"]) for p in x["pieces"]] == [("JA", 1800.0), ("JB", 450.0)]


def test_below_minimum_names_the_swv_and_its_pupils() -> None:
    ds, divisions, settings, _ = case("below_minimum")
    size = verdict(build_context(ds), divisions, settings=settings).result("size")
    assert [(o["code"], o["pupils"], o["bound"]) for o in size.offenders] == [
        ("Y", 150.0, "min_pupils")
    ]


def test_longer_travel_names_exactly_the_gemeente_in_km() -> None:
    ds, divisions, settings, _ = case("longer_travel")
    p2 = verdict(build_context(ds), divisions, settings=settings).result("P2")
    gemeenten = [o for o in p2.offenders if o["kind"] == "gemeente"]
    # GM0102 (row 1, column 2): nearest location today column 3 (1 km); now column 0 (2 km)
    assert {(o["code"], o["level"]) for o in gemeenten} == {("GM0102", "po"), ("GM0102", "vo")}
    assert all(o["baseline_km"] == 1.0 and o["after_km"] == 2.0 for o in gemeenten)
    worst = p2.figures["levels"]["po"]["worst"][0]
    assert (worst["code"], worst["extra_km"]) == ("GM0102", 1.0)
    # a margin of 1 km allows it (gemeente and SWV mean alike)
    relaxed = VerdictSettings(min_pupils=400.0, max_pupils=3000.0, margin_km=1.0)
    assert verdict(build_context(ds), divisions, settings=relaxed).result("P2").passed


def test_without_swv_division_p1_fails_and_swv_po_vo_are_checked_apart() -> None:
    ds = grid_dataset("dense")
    v = verdict(build_context(ds), ds.divisions, settings=VerdictSettings(min_pupils=400.0))
    assert v.divisions == ["swv_po", "swv_vo"]
    assert v.result("P1").passed is False
    # same areas, separate SWVs: each PO SWV listed with its VO twin
    assert [(o["code"], o["problem"]) for o in v.result("P1").offenders] == [
        ("POA", "the same area as VO SWV VOA, but a separate SWV"),
        ("POB", "the same area as VO SWV VOB, but a separate SWV"),
    ]
    # the same division for PO and VO (same codes) passes P1
    same = {**ds.divisions, "swv_vo": ds.divisions["swv_po"].renamed("swv_vo")}
    assert verdict(build_context(ds), same).result("P1").passed is True


def test_reported_checks_do_not_judge() -> None:
    ds, divisions, settings, _ = case("two_jeugdregio")
    v = verdict(build_context(ds), divisions, settings=settings)
    assert [r.name for r in v.results] == [c.name for c in CHECKS]
    d = v.result("disruption")
    assert d.passed is None and not d.hard
    # column 4 (3 gemeenten x 150 pupils) leaves SWV B for the continuation of A
    assert d.figures["disrupted"] == pytest.approx(450.0)
    assert sorted(o["code"] for o in d.offenders) == ["GM0004", "GM0104", "GM0204"]


def test_claimed_principle_that_fails_warns() -> None:
    ds, divisions, settings, _ = case("two_jeugdregio")
    v = verdict(build_context(ds), divisions, scenario="x", settings=settings, principles=[1, 3])
    assert len(v.warnings) == 1 and "principle 3" in v.warnings[0] and "P3" in v.warnings[0]


def test_jeugdregio_given_is_used() -> None:
    ds, divisions, settings, _ = case("two_jeugdregio")
    one = Division.from_assignment("jeugdregio", dict.fromkeys(ds.units.index, "JALL"))
    v = verdict(build_context(ds), divisions, settings=settings, jeugdregio=one)
    assert v.jeugdregio["regions"] == 1 and v.result("P3").passed


def test_json_has_the_documented_keys() -> None:
    ds, divisions, settings, _ = case("below_minimum")
    out = verdict(build_context(ds), divisions, scenario="b", settings=settings).to_dict()
    assert out["scenario"] == "b" and out["passed"] is False
    for c in out["checks"]:
        assert set(c) >= {"name", "hard", "passed", "figures", "offenders"}
    assert [c["name"] for c in out["checks"]][:5] == list(HARD)


# ---------------------------------------------------------------------------- bad input


def test_no_swv_division_is_an_error() -> None:
    ds = grid_dataset("dense")
    only_jz = {"jeugdregio": ds.divisions["jeugdregio"]}
    with pytest.raises(VerdictError, match="no SWV division .*jeugdregio"):
        verdict(build_context(ds), only_jz, scenario="leeg")


def test_unknown_scenario_is_an_error() -> None:
    with pytest.raises(VerdictError, match="unknown scenario 'nope'"):
        scenario_verdict(grid_dataset("dense"), "nope")


def test_unknown_jeugdregio_division_is_an_error(tmp_path) -> None:
    ds = grid_dataset("dense")
    doc = tmp_path / "s.yaml"
    doc.write_text("name: s\ndescription: x\nedits: []\n", encoding="utf-8")
    with pytest.raises(VerdictError, match="unknown jeugdregio division 'jz_99'.*swv_po"):
        scenario_verdict(ds, str(doc), jeugdregio="jz_99")


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"min_pupils": 5000.0, "max_pupils": 100.0}, "min_pupils 5,000 is above max_pupils"),
        ({"min_pupils": 1e9, "max_pupils": 2e9}, "above all PO\\+VO pupils"),
        ({"margin_km": -1.0}, "margin_km"),
        ({"tolerance": 1.5}, "tolerance"),
        ({"max_pupils": math.nan}, "max_pupils"),
    ],
)
def test_unmeetable_bounds_are_errors(settings: dict, match: str) -> None:
    ds, divisions, _, _ = case("valid")
    with pytest.raises(VerdictError, match=match):
        verdict(build_context(ds), divisions, settings=VerdictSettings(**settings))


def test_unknown_weight_is_an_error() -> None:
    ds, divisions, _, _ = case("valid")
    with pytest.raises(VerdictError, match="unknown weight 'nope'"):
        verdict(build_context(ds), divisions, settings=VerdictSettings(weight="nope"))


def test_context_is_reused_across_jeugdregio_divisions() -> None:
    ds = layout_dataset(["AB"], ["AB"], schools=[("GM0000", "SO")])
    ctx = build_context(ds)
    verdict(ctx, ds.divisions)
    verdict(ctx, ds.divisions)
    assert len(ctx._frames) == 1
