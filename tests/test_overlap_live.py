"""Tests for geo.overlap.live: live figures == a full recomputation of the applied scenario.

The session is driven as the editor drives it: every edit is applied by the scenario code
itself (the handlers of geo.scenarios.apply, the same path as apply_scenario) and the session is
synced to the result. The reference recomputes everything from scratch: geo.overlap.score and
geo.overlap.disruption.disruption. The synthetic ``swv_po`` has split gemeenten with
weight-specific shares (pupils and area differ from the default shares; one pupil share is 0
where the default share is not), so edits that the scenario code applies per weight, or falls
back on for one weight, are covered.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.synthetic import split_unit, synthetic_dataset
from geo.dataset import Dataset
from geo.division import NO_REGION, Division
from geo.overlap import score
from geo.overlap.disruption import disruption
from geo.overlap.live import LiveSession
from geo.overlap.live_cache import LiveCache
from geo.overlap.live_context import SWV_LEVELS, live_context
from geo.scenarios import apply_scenario, parse_scenario
from geo.scenarios.apply import HANDLERS, _State
from geo.scenarios.edits import merge, move
from geo.scenarios.errors import EditError, EmptiedRegionWarning

SPLITS = {
    None: {"GM0007": {"C0": 0.3, "C1": 0.7}, "GM0016": {"C1": 0.5, "C2": 0.25, NO_REGION: 0.25}},
    "pupils_po": {"GM0007": {"C0": 0.8, "C1": 0.2}, "GM0016": {"C2": 0.9, NO_REGION: 0.1}},
    "area_km2": {
        "GM0007": {"C0": 0.5, "C1": 0.5},
        "GM0016": {"C1": 0.2, "C2": 0.2, NO_REGION: 0.6},
    },
}
"""Split gemeenten of the synthetic swv_po: default shares and two weight-specific ones."""


def dataset_with_splits(seed: int = 3) -> Dataset:
    """A 5 x 6 synthetic dataset whose swv_po splits two gemeenten, differently per weight."""
    ds = synthetic_dataset(5, 6, seed=seed)
    views = {}
    for weight, splits in SPLITS.items():
        po = ds.divisions["swv_po"]
        for unit, shares in splits.items():
            po = split_unit(po, unit, shares)
        views[weight] = po
    po = views.pop(None).with_weight_shares({k: v.shares for k, v in views.items()})
    return ds.__class__(**{**ds.__dict__, "divisions": {**ds.divisions, "swv_po": po}})


DS = dataset_with_splits()
CTX = live_context(DS)
UNITS = pd.Index(DS.units.index.astype(str))
WEIGHT = "pupils_po"


def start(
    division: str = "swv_po", against: str = "jeugdregio", weight: str = WEIGHT
) -> LiveSession:
    return LiveSession.start(
        DS.division(division),
        DS.division(against),
        DS.weight(weight),
        weight_name=weight,
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


def touched_regions(before: Division, after: Division, weight: str) -> list[str]:
    """Regions whose gemeenten or shares (for the weight) differ, by the membership tables."""
    one = before.for_weight(weight).membership.set_index(["unit", "region"])["share"]
    two = after.for_weight(weight).membership.set_index(["unit", "region"])["share"]
    both = pd.concat([one.rename("a"), two.rename("b")], axis=1).fillna(0.0)
    changed = both.index[(both["a"] - both["b"]).abs() > 1e-12].get_level_values("region")
    return sorted({str(r) for r in changed} - {NO_REGION})


def assert_matches_full(session: LiveSession, ref: Division, first: Division) -> None:
    """Every live figure equals the full recomputation on ``ref`` (started from ``first``)."""
    against = DS.division(session.against)
    weight = session.weight_name
    w = DS.weight(weight)
    f = session.figures()
    # the session's own shares (what its tables are built from) are the weight's shares
    view = ref.for_weight(weight).reindexed(session.units)
    assert session.regions == [str(r) for r in ref.regions]
    assert abs(session.shares() - view.shares).max() <= 1e-12
    # score: the whole summary and every region
    full = score(ref, against, w, weight_name=weight)
    for key, value in full.summary.items():
        assert close(f["summary"][key], value), (key, f["summary"][key], value)
    assert f["headline"]["after"] == {k: f["summary"][k] for k in f["headline"]["after"]}
    totals = ref.for_weight(weight).totals(w)
    assert [r["code"] for r in f["regions"]] == [r.region for r in full.regions]
    for got, r in zip(f["regions"], full.regions, strict=True):
        assert got["name"] == r.name and got["best_match"] == r.best_match
        assert close(got["containment"], r.containment) and got["nested"] == r.nested
        assert close(got["weight"], float(totals[r.region]))
    # touched regions against the start
    assert [t["code"] for t in f["touched"]] == touched_regions(first, ref, weight)
    levels = SWV_LEVELS.get(session.name, ())
    if not levels:
        assert f["disruption"] is None
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


# ------------------------------------------------------------------ random edit sequences
def draw_edit(data: st.DataObject, division: Division, step: int) -> dict[str, Any]:
    """A random edit on ``division`` (mostly valid, sometimes not)."""
    name = division.name
    regions = [str(r) for r in division.regions]
    units = [str(u) for u in division.units]
    kind = data.draw(
        st.sampled_from(
            ["move", "move", "share", "share", "merge", "rename", "new", "new", "assign", "bad"]
        )
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
        return {"op": "move", "division": name, "unit": unit, "to": f"NEW{step}",
                "name": f"new region {step}"}  # fmt: skip
    if kind == "assign":
        m = division.membership
        rows = [{"unit": u, "region": r, "share": sh} for u, r, sh in m.itertuples(index=False)]
        return {"op": "assign", "division": name, "membership": rows}
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
    data: st.DataObject,
    division: str,
    n_steps: int,
    against: str = "jeugdregio",
    weight: str = WEIGHT,
) -> None:
    session = start(division, against, weight)
    first = DS.division(division)
    state = _State(dict(DS.divisions), UNITS, Path.cwd())
    applied: list[dict[str, Any]] = []
    for step in range(n_steps):
        edit = draw_edit(data, state.divisions[division], step)
        doc = parse_scenario({"name": "x", "description": "x", "edits": [edit]}, source="t")
        model = doc.edits[0]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EmptiedRegionWarning)
                HANDLERS[model.op](model, state, len(applied))
        except EditError:
            continue  # refused by the scenario code: the editor never syncs it
        candidate = session.copy()
        candidate.sync(state.divisions[division], op=model.op)
        session = candidate
        applied.append(edit)
        # incremental table == the table of the division's own shares, every step
        own = score(
            state.divisions[division], DS.division(against), DS.weight(weight), weight_name=weight
        ).summary
        assert close(session.figures()["summary"]["congruence"], own["congruence"])
        assert session.figures()["last"]["op"] == model.op
    ref = state.divisions[division]
    assert_matches_full(session, ref, first)
    # and the applied scenario document gives the same division
    doc = parse_scenario({"name": "x", "description": "x", "edits": applied}, source="t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptiedRegionWarning)
        applied_doc = apply_scenario(doc, DS)[division]
    assert (applied_doc.for_weight(weight).shares != ref.for_weight(weight).shares).nnz == 0


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
    # the session's weight differs from the pupils that disruption counts, or is them
    weight = data.draw(st.sampled_from([WEIGHT, WEIGHT, "area", "inhabitants"]))
    run_sequence(data, division, data.draw(st.integers(1, 7)), against, weight)


# ------------------------------------------------------------------ units
def test_start_equals_full_score() -> None:
    session = start()
    assert_matches_full(session, DS.division("swv_po"), DS.division("swv_po"))
    f = session.figures()
    assert f["headline"]["before"] == f["headline"]["after"]
    assert f["touched"] == [] and f["disruption"]["after"] == 0.0 and f["last"] is None


def test_the_session_reads_the_shares_of_its_weight() -> None:
    session = start()
    columns = [*session.regions, NO_REGION]
    row = dict(zip(columns, session.shares()[16].toarray().ravel(), strict=True))
    assert row["C2"] == 0.9 and row[NO_REGION] == pytest.approx(0.1) and row["C1"] == 0.0


def test_context_reuses_the_verdict_context() -> None:
    from geo.checks import build_context

    same = live_context(DS, verdict_context=build_context(DS))
    for level in ("po", "vo"):
        np.testing.assert_array_equal(same.today[level], CTX.today[level])
        np.testing.assert_array_equal(same.pupils[level], CTX.pupils[level])
    assert list(same.units) == list(CTX.units)


def test_move_reports_last_action_before_after() -> None:
    session = start()
    before = {r["code"]: r["containment"] for r in session.figures()["regions"]}
    session.sync(move(DS.division("swv_po"), "GM0002", "C0"), op="move")
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
    two.sync(merge(DS.division("swv_po"), ["C0", "C1"], "C0"), op="merge")
    assert one.regions == ["C0", "C1", "C2"] and two.regions == ["C0", "C2"]
    assert one.figures()["summary"]["regions"] == 3


def test_sync_refuses_another_division() -> None:
    session = start()
    with pytest.raises(ValueError, match="edits 'swv_po', not 'jeugdregio'"):
        session.sync(DS.division("jeugdregio"))


def test_cache_steps_only_new_edits() -> None:
    cache = LiveCache()
    po = DS.division("swv_po")
    edits = [
        {"op": "move", "division": "swv_po", "unit": "GM0002", "to": "C0"},
        {"op": "rename", "division": "swv_po", "region": "C2", "name": "Oost"},
    ]
    doc = parse_scenario({"name": "x", "description": "x", "edits": edits})
    after = [po, *(apply_scenario(doc.model_copy(update={"edits": doc.edits[: i + 1]}), DS)
                   ["swv_po"] for i in range(2))]  # fmt: skip
    steps: list[int] = []

    def step(session: LiveSession, i: int) -> None:
        steps.append(i)
        session.sync(after[i + 1], op=edits[i]["op"])

    one = cache.session("k", edits[:1], start, step)
    two = cache.session("k", edits, start, step)
    assert cache.stats == {"hits": 0, "applied": 2, "starts": 1} and steps == [0, 1]
    assert cache.session("k", edits[:1], start, step) is one  # undo: nothing applied
    assert two.figures()["regions"][-1]["name"] == "Oost"
    assert one.figures()["regions"][-1]["name"] == "swv_po C2"
    assert two.figures()["last"]["regions"] == [
        {"code": "C2", "name": "Oost", "before": two.figures()["last"]["regions"][0]["before"],
         "after": two.figures()["last"]["regions"][0]["after"]}
    ]  # fmt: skip


def test_new_region_by_move_then_merge_back() -> None:
    session = start()
    po = DS.division("swv_po")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptiedRegionWarning)
        fresh = move(po, "GM0003", "NEW", name="Nieuw")
        session.sync(fresh, op="move")
        assert "NEW" in session.regions
        assert session.figures()["regions"][-1]["name"] == "Nieuw"
        session.sync(merge(fresh, ["NEW"], "C1"), op="merge")
    f = session.figures()
    assert "NEW" not in session.regions
    assert [r["code"] for r in f["last"]["regions"]] == ["C1", "NEW"]
    assert_matches_full(session, merge(fresh, ["NEW"], "C1"), po)


@pytest.mark.integration
def test_real_data_click_equals_full_score(dataset) -> None:
    """Eindhoven (GM0772) to PO3008 on the real data: live == score() == disruption()."""
    ctx = live_context(dataset)
    po, jr, w = dataset.division("swv_po"), dataset.division("jeugdregio"), dataset.weight(WEIGHT)
    session = LiveSession.start(po, jr, w, weight_name=WEIGHT, context=ctx)
    ref = move(po, "GM0772", "PO3008")
    session.sync(ref, op="move")
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
