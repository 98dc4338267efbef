"""Tests for geo.overlap.live: live figures == a full recomputation of the applied scenario.

The reference applies every edit with the scenario code itself (the handlers of
geo.scenarios.apply, the same path as apply_scenario) and recomputes everything from scratch:
geo.overlap.score, geo.overlap.disruption.disruption and TravelModel.after.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.synthetic import split_unit, synthetic_dataset
from geo.config import CRS_METRIC, CRS_WEB
from geo.dataset import Dataset
from geo.division import NO_REGION, Division
from geo.overlap import score
from geo.overlap.disruption import disruption
from geo.overlap.live import LiveSession, LiveUnsupported
from geo.overlap.live_cache import LiveCache
from geo.overlap.live_context import SWV_LEVELS, live_context
from geo.proposals.travel import travel_model
from geo.scenarios import apply_scenario, parse_scenario
from geo.scenarios.apply import HANDLERS, _State
from geo.scenarios.errors import EditError, EmptiedRegionWarning, ScenarioError

TYPES = ["SO", "SBAO", "VSO", "(V)SO"]


def dataset_with_schools(seed: int = 3) -> Dataset:
    """A 5 x 6 synthetic dataset with split gemeenten in swv_po and special schools (two in
    one gemeente, one standing outside every gemeente)."""
    ds = synthetic_dataset(5, 6, seed=seed)
    po = ds.divisions["swv_po"]
    po = split_unit(po, "GM0007", {"C0": 0.3, "C1": 0.7})
    po = split_unit(po, "GM0016", {"C1": 0.5, "C2": 0.25, NO_REGION: 0.25})
    divisions = {**ds.divisions, "swv_po": po}
    rng = np.random.default_rng(seed)
    units = ds.units.to_crs(CRS_METRIC)
    hosts = list(rng.choice(units.index.to_numpy(), 9, replace=False)) + ["GM0004", "GM0004"]
    points = list(units.geometry.centroid.loc[hosts])
    hosts.append("GM9999")  # a location in no known gemeente
    points.append(units.geometry.centroid.iloc[0].buffer(10).centroid)
    types = [TYPES[i % len(TYPES)] for i in range(len(hosts))]
    po_swv = divisions["swv_po"].assignment()
    vo_swv = divisions["swv_vo"].assignment()
    schools = gpd.GeoDataFrame(
        {
            "vestigingscode": [f"S{i}" for i in range(len(hosts))],
            "naam": [f"school {i}" for i in range(len(hosts))],
            "type": types,
            "leerlingen": 10.0,
            "pc4": "1234",
            "unit": hosts,
            "swv_po": [str(po_swv.get(h, "C0")) for h in hosts],
            "swv_vo": [str(vo_swv.get(h, "R0")) for h in hosts],
        },
        geometry=gpd.GeoSeries(points, crs=CRS_METRIC).to_crs(CRS_WEB).to_numpy(),
        crs=CRS_WEB,
    )
    return dataclasses.replace(ds, divisions=divisions, special_schools=schools)


DS = dataset_with_schools()
CTX = live_context(DS)
MODEL = travel_model(DS.units, DS.special_schools)
UNITS = pd.Index(DS.units.index.astype(str))
WEIGHT = "pupils_po"


def start(division: str = "swv_po", against: str = "jeugdregio") -> LiveSession:
    return LiveSession.start(
        DS.division(division),
        DS.division(against),
        DS.weight(WEIGHT),
        weight_name=WEIGHT,
        context=CTX,
    )


def close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return abs(a - b) <= 1e-9 * max(1.0, abs(b))
    return a == b


def touched_regions(before: Division, after: Division) -> list[str]:
    one = before.membership.set_index(["unit", "region"])["share"]
    two = after.membership.set_index(["unit", "region"])["share"]
    both = pd.concat([one.rename("a"), two.rename("b")], axis=1).fillna(0.0)
    changed = both.index[(both["a"] - both["b"]).abs() > 1e-12].get_level_values("region")
    return sorted({str(r) for r in changed} - {NO_REGION})


def assert_matches_full(session: LiveSession, ref: Division, first: Division) -> None:
    """Every live figure equals the full recomputation on ``ref`` (started from ``first``)."""
    against = DS.division(session.against)
    w = DS.weight(WEIGHT)
    f = session.figures()
    # the division itself, share for share
    key = ["unit", "region"]
    live = session.division().membership.sort_values(key, ignore_index=True)
    want = ref.reindexed(session.units).membership.sort_values(key, ignore_index=True)
    assert live[["unit", "region"]].equals(want[["unit", "region"]])
    np.testing.assert_allclose(live["share"], want["share"], rtol=0, atol=1e-12)
    assert session.division().region_names == dict(ref.region_names)
    # score: the whole summary and every region
    full = score(ref, against, w, weight_name=WEIGHT)
    for key, value in full.summary.items():
        assert close(f["summary"][key], value), (key, f["summary"][key], value)
    assert f["headline"]["after"] == {k: f["summary"][k] for k in f["headline"]["after"]}
    totals = ref.totals(w)
    assert [r["code"] for r in f["regions"]] == [r.region for r in full.regions]
    for got, r in zip(f["regions"], full.regions, strict=True):
        assert got["name"] == r.name and got["best_match"] == r.best_match
        assert close(got["containment"], r.containment) and got["nested"] == r.nested
        assert close(got["weight"], float(totals[r.region]))
    # touched regions against the start
    assert [t["code"] for t in f["touched"]] == touched_regions(first, ref)
    levels = SWV_LEVELS.get(session.name, ())
    if not levels:
        assert f["disruption"] is None and f["travel"] is None
        return
    # disruption against today
    today = (DS.division("swv_po"), DS.division("swv_vo"))
    pupils = {
        lv: DS.weight(f"pupils_{lv}") * (1.0 if lv in levels else 0.0) for lv in "po vo".split()
    }
    d_now = disruption(ref, *today, pupils["po"], pupils["vo"])
    d_first = disruption(first, *today, pupils["po"], pupils["vo"])
    assert close(f["disruption"]["after"], d_now.totals["disrupted"])
    assert close(f["disruption"]["before"], d_first.totals["disrupted"])
    diff = (d_now.per_gemeente["changed"] - d_first.per_gemeente["changed"]).round(6)
    assert [g["code"] for g in f["disruption"]["gemeenten"]] == list(diff.index[diff != 0])
    # travel: distance in the gemeente's (largest-share) SWV
    for level in levels:
        want_km = MODEL.after(level, ref.assignment()).reindex(session.units).to_numpy()
        np.testing.assert_array_equal(session.distance[level], want_km)
    labels = (first.assignment().reindex(session.units), ref.assignment().reindex(session.units))
    touched = {t["code"] for t in f["touched"]}
    concerned = labels[0].isin(touched) | labels[1].isin(touched)
    assert f["travel"]["gemeenten_concerned"] == int(concerned.sum())
    for level in levels:
        d1 = MODEL.after(level, ref.assignment()).reindex(session.units)[concerned]
        p = DS.weight(f"pupils_{level}").reindex(session.units)[concerned]
        ok = np.isfinite(d1.to_numpy())
        want_mean = float(np.average(d1[ok], weights=p[ok])) if ok.any() and p[ok].sum() else None
        assert close(f["travel"][level]["after_km"], want_mean)


# ------------------------------------------------------------------ random edit sequences
def draw_edit(data: st.DataObject, division: Division, step: int) -> dict[str, Any]:
    """A random edit on ``division`` (mostly valid, sometimes not)."""
    name = division.name
    regions = [str(r) for r in division.regions]
    units = [str(u) for u in division.units]
    kind = data.draw(
        st.sampled_from(["move", "move", "share", "share", "merge", "rename", "new", "bad"])
    )
    unit = data.draw(st.sampled_from(units))
    if kind == "move":
        return {
            "op": "move",
            "division": name,
            "unit": unit,
            "to": data.draw(st.sampled_from(regions)),
        }
    if kind == "share":
        row = {r: s for r, s in division.unit_regions(unit).items() if r != NO_REGION}
        frm = data.draw(st.sampled_from(sorted(row) or regions))
        edit = {"op": "move", "division": name, "unit": unit, "from": frm}
        edit["to"] = data.draw(st.sampled_from(regions))
        have = row.get(frm, 0.0)
        choice = data.draw(st.sampled_from(["half", "all", "exact", "none"]))
        if choice == "half":
            edit["share"] = max(have / 2, 1e-3) if have else 0.5
        elif choice == "all":
            edit["share"] = min(1.0, have) if have else 0.3
        elif choice == "exact":
            edit["share"] = data.draw(st.floats(0.01, 1.0))
        return edit
    if kind == "merge":
        k = data.draw(st.integers(1, min(3, len(regions))))
        picked = data.draw(st.lists(st.sampled_from(regions), min_size=k, max_size=k, unique=True))
        into = data.draw(st.sampled_from([*picked, f"M{step}", *regions[:1]]))
        return {"op": "merge", "division": name, "regions": picked, "into": into}
    if kind == "rename":
        edit = {"op": "rename", "division": name, "region": data.draw(st.sampled_from(regions))}
        which = data.draw(st.sampled_from(["code", "name", "both", "taken"]))
        if which in ("code", "both"):
            edit["code"] = data.draw(st.sampled_from([f"A{step}", f"ZZ{step}", "C00"]))
        if which in ("name", "both"):
            edit["name"] = f"region {step}"
        if which == "taken":
            edit["code"] = regions[0]
        return edit
    if kind == "new":
        m = division.membership
        m = m[m["unit"] != unit]
        rows = [{"unit": u, "region": r, "share": s} for u, r, s in m.itertuples(index=False)]
        rows.append({"unit": unit, "region": f"NEW{step}", "share": 1.0})
        names = {**division.region_names, f"NEW{step}": f"new region {step}"}
        used = {r["region"] for r in rows} - {NO_REGION}
        return {
            "op": "assign",
            "division": name,
            "membership": rows,
            "region_names": {c: n for c, n in names.items() if c in used},
        }
    bad = data.draw(st.sampled_from(["unit", "to", "geen", "share", "from"]))
    edit = {"op": "move", "division": name, "unit": unit, "to": regions[-1]}
    if bad == "unit":
        edit["unit"] = "GM9999"
    elif bad == "to":
        edit["to"] = "NOPE"
    elif bad == "geen":
        edit["to"] = NO_REGION
    elif bad == "share":
        edit.update({"from": regions[0], "to": regions[-1], "share": 1.0})
    else:
        edit.update({"from": "NOPE"})
    return edit


def run_sequence(
    data: st.DataObject, division: str, n_steps: int, against: str = "jeugdregio"
) -> None:
    session = start(division, against)
    first = DS.division(division)
    state = _State(dict(DS.divisions), UNITS, Path.cwd())
    applied: list[dict[str, Any]] = []
    for step in range(n_steps):
        edit = draw_edit(data, state.divisions[division], step)
        doc = parse_scenario({"name": "x", "description": "x", "edits": [edit]}, source="t")
        model = doc.edits[0]
        want: str | None = None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EmptiedRegionWarning)
                HANDLERS[model.op](model, state, len(applied))
        except EditError as exc:
            want = exc.field
        candidate = session.copy()
        if want is None:
            candidate.apply(model)
            session = candidate
            applied.append(edit)
            # incremental table == the table of the session's own shares, every step
            own = score(
                session.division(), DS.division(against), DS.weight(WEIGHT), weight_name=WEIGHT
            ).summary
            assert close(session.figures()["summary"]["congruence"], own["congruence"])
        else:
            with pytest.raises(EditError) as info:
                candidate.apply(model)
            assert info.value.field == want, (edit, info.value, want)
    ref = state.divisions[division]
    assert_matches_full(session, ref, first)
    # and the applied scenario document gives the same division
    doc = parse_scenario({"name": "x", "description": "x", "edits": applied}, source="t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptiedRegionWarning)
        applied_doc = apply_scenario(doc, DS)[division]
    key = ["unit", "region"]
    assert applied_doc.membership.sort_values(key, ignore_index=True).equals(
        ref.membership.sort_values(key, ignore_index=True)
    )


@pytest.mark.slow
@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_random_edit_sequences_equal_full_recomputation(data: st.DataObject) -> None:
    division = data.draw(st.sampled_from(["swv_po", "swv_po", "swv_vo", "jeugdregio"]))
    against = "swv_po" if division != "swv_po" and data.draw(st.booleans()) else "jeugdregio"
    run_sequence(data, division, data.draw(st.integers(1, 7)), against)


# ------------------------------------------------------------------ units
def test_start_equals_full_score() -> None:
    session = start()
    assert_matches_full(session, DS.division("swv_po"), DS.division("swv_po"))
    f = session.figures()
    assert f["headline"]["before"] == f["headline"]["after"]
    assert f["touched"] == [] and f["disruption"]["after"] == 0.0 and f["last"] is None


def test_context_reuses_the_verdict_context() -> None:
    from geo.checks import build_context

    same = live_context(DS, verdict_context=build_context(DS))
    for level in ("po", "vo"):
        np.testing.assert_array_equal(same.today[level], CTX.today[level])
        np.testing.assert_array_equal(same.host[level], CTX.host[level])
        np.testing.assert_array_equal(same.outside[level], CTX.outside[level])
    assert list(same.units) == list(CTX.units)


def test_move_reports_last_action_before_after() -> None:
    session = start()
    before = {r["code"]: r["containment"] for r in session.figures()["regions"]}
    session.apply({"op": "move", "division": "swv_po", "unit": "GM0002", "to": "C0"})
    f = session.figures()
    after = {r["code"]: r["containment"] for r in f["regions"]}
    assert f["last"]["op"] == "move"
    got = {r["code"]: (r["before"], r["after"]) for r in f["last"]["regions"]}
    assert set(got) == {"C0", "C1"}
    for code, (b, a) in got.items():
        assert close(b, before[code]) and close(a, after[code])
    assert f["edits"] == 1 and f["disruption"]["after"] > 0


def test_copy_is_independent() -> None:
    one = start()
    two = one.copy()
    two.apply({"op": "merge", "division": "swv_po", "regions": ["C0", "C1"], "into": "C0"})
    assert one.regions == ["C0", "C1", "C2"] and two.regions == ["C0", "C2"]
    assert one.figures()["summary"]["regions"] == 3


def test_refused_edit_changes_nothing() -> None:
    session = start()
    figures = session.figures()
    with pytest.raises(EditError) as info:
        session.apply(
            {
                "op": "move",
                "division": "swv_po",
                "unit": "GM0007",
                "from": "C0",
                "to": "C1",
                "share": 0.5,
            }
        )
    assert info.value.field == "share" and "0.3" in info.value.problem
    assert session.figures() is figures and session.edits == []
    with pytest.raises(LiveUnsupported):
        session.apply({"op": "move", "division": "jeugdregio", "unit": "GM0000", "to": "B0_1"})
    with pytest.raises(LiveUnsupported):
        session.apply({"op": "copy", "division": "swv", "from": "swv_po"})


def test_cache_applies_only_new_edits_and_names_the_bad_edit() -> None:
    cache = LiveCache()
    edits = [
        {"op": "move", "division": "swv_po", "unit": "GM0002", "to": "C0"},
        {"op": "rename", "division": "swv_po", "region": "C2", "name": "Oost"},
    ]
    one = cache.session("k", edits[:1], start)
    two = cache.session("k", edits, start)
    assert cache.stats == {"hits": 0, "applied": 2, "starts": 1}
    assert cache.session("k", edits[:1], start) is one  # undo: nothing applied
    assert two.figures()["regions"][-1]["name"] == "Oost"
    assert one.figures()["regions"][-1]["name"] == "swv_po C2"
    with pytest.raises(ScenarioError) as info:
        cache.session(
            "k", [*edits, {"op": "move", "division": "swv_po", "unit": "GM0002", "to": "XX"}], start
        )
    assert "edits[2].to" in str(info.value)
    assert cache.stats["applied"] == 2


def test_new_region_by_assign_then_merge_back() -> None:
    session = start()
    m = DS.division("swv_po").membership
    m.loc[m["unit"] == "GM0003", "region"] = "NEW"
    rows = m.to_dict("records")
    session.apply({"op": "assign", "division": "swv_po", "membership": rows})
    assert "NEW" in session.regions
    session.apply({"op": "merge", "division": "swv_po", "regions": ["NEW"], "into": "C1"})
    f = session.figures()
    assert "NEW" not in session.regions
    assert [r["code"] for r in f["last"]["regions"]] == ["C1", "NEW"]


@pytest.mark.integration
def test_real_data_click_equals_full_score(dataset) -> None:
    """Eindhoven (GM0772) to PO3008 on the real data: live == score() == disruption()."""
    ctx = live_context(dataset)
    po, jr, w = dataset.division("swv_po"), dataset.division("jeugdregio"), dataset.weight(WEIGHT)
    session = LiveSession.start(po, jr, w, weight_name=WEIGHT, context=ctx)
    session.apply({"op": "move", "division": "swv_po", "unit": "GM0772", "to": "PO3008"})
    from geo.scenarios import edits as division_edits

    ref = division_edits.move(po, "GM0772", "PO3008")
    f = session.figures()
    full = score(ref, jr, w, weight_name=WEIGHT).summary
    for key in ("congruence", "nested_regions", "ari", "nmi", "vi"):
        assert close(f["headline"]["after"][key], full[key])
    d = disruption(
        ref,
        po,
        dataset.division("swv_vo"),
        dataset.weight("pupils_po"),
        dataset.weight("pupils_vo") * 0.0,
    )
    assert close(f["disruption"]["after"], d.totals["disrupted"])
