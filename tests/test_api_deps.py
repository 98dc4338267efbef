"""Tests of api.deps: evaluation cache, scenario evaluator, route helpers, job runner."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from fastapi import HTTPException

from api.deps import (
    EvaluationCache,
    JobRunner,
    ScenarioEvaluator,
    cached_response,
    division_or_404,
    unknown_as_404,
)
from api.storage.store import ScenarioNotFound, open_store
from fixtures.synthetic import synthetic_dataset
from geo.errors import RegiokompasError


def merge_doc(name: str, regions: list[str], into: str, base: str | None = None) -> dict:
    doc = {
        "name": name,
        "description": f"merge {regions}",
        "edits": [{"op": "merge", "division": "jeugdregio", "regions": regions, "into": into}],
    }
    if base:
        doc["base"] = base
    return doc


@pytest.fixture
def evaluator(tmp_path: Path) -> ScenarioEvaluator:
    return ScenarioEvaluator(
        synthetic_dataset(), open_store(tmp_path, library_dir=None), EvaluationCache()
    )


# ---------------------------------------------------------------------- cache
def test_cache_computes_once_per_key_even_when_concurrent() -> None:
    cache = EvaluationCache()
    calls: list[int] = []
    start = threading.Barrier(8)

    def slow() -> int:
        calls.append(1)
        time.sleep(0.05)
        return 42

    results: list[int] = []

    def worker() -> None:
        start.wait()
        results.append(cache.get_or_compute(("k",), slow))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [42] * 8
    assert len(calls) == 1
    assert (cache.misses, cache.hits) == (1, 7)


def test_cache_evicts_least_recently_used() -> None:
    cache = EvaluationCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_cache_does_not_keep_failures() -> None:
    cache = EvaluationCache()

    def boom() -> int:
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get_or_compute("k", boom)
    assert cache.get_or_compute("k", lambda: 7) == 7


# ---------------------------------------------------------------------- evaluator
def test_current_divisions_without_scenario(evaluator: ScenarioEvaluator) -> None:
    assert evaluator.divisions(None) is evaluator.dataset.divisions
    assert evaluator.key(None) == ()
    with pytest.raises(KeyError, match="unknown division 'nope'; choose one of"):
        evaluator.division(None, "nope")


def test_stored_scenario_is_applied(evaluator: ScenarioEvaluator) -> None:
    evaluator.store.save("plan", merge_doc("plan", ["B0_0", "B0_1"], "B0_0"))
    jeugd = evaluator.division("plan", "jeugdregio")
    before = evaluator.dataset.divisions["jeugdregio"].assignment()
    after = jeugd.assignment()
    assert jeugd.n_regions == 11
    moved = before[before == "B0_1"].index
    assert len(moved) == 4 and (after[moved] == "B0_0").all()
    assert (after[before != "B0_1"] == before[before != "B0_1"]).all()


def test_replacing_a_scenario_invalidates_its_evaluation(evaluator: ScenarioEvaluator) -> None:
    store = evaluator.store
    store.save("plan", merge_doc("plan", ["B0_0", "B0_1"], "B0_0"))
    assert evaluator.division("plan", "jeugdregio").n_regions == 11
    store.save("plan", merge_doc("plan", ["B0_0", "B0_1", "B0_2"], "B0_0"), replace=True)
    assert evaluator.division("plan", "jeugdregio").n_regions == 10


def test_base_chain_is_applied_in_order(evaluator: ScenarioEvaluator) -> None:
    store = evaluator.store
    store.save("a", merge_doc("a", ["B0_0", "B0_1"], "B0_0"))
    store.save("b", merge_doc("b", ["B0_0", "B1_0"], "B0_0", base="a"))
    assert [s.id for s in evaluator.chain("b")] == ["b", "a"]
    assert evaluator.division("b", "jeugdregio").n_regions == 10
    # changing the base changes the key (and so the result) of the scenario built on it
    key = evaluator.key("b")
    store.save("a", merge_doc("a", ["B0_2", "B0_3"], "B0_2"), replace=True)
    assert evaluator.key("b") != key
    assert "B0_1" in evaluator.division("b", "jeugdregio").regions


def test_each_edit_is_applied_once_per_evaluation(
    evaluator: ScenarioEvaluator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checking and applying a stored scenario is one pass over its edits (and its base's)."""
    from geo.scenarios import apply

    calls: list[str] = []
    merge = apply.HANDLERS["merge"]

    def counting(edit, state, index):  # noqa: ANN001 - the handler signature
        calls.append(edit.into)
        return merge(edit, state, index)

    monkeypatch.setitem(apply.HANDLERS, "merge", counting)
    evaluator.store.save("a", merge_doc("a", ["B0_0", "B0_1"], "B0_0"))
    evaluator.store.save("b", merge_doc("b", ["B0_2", "B0_3"], "B0_2", base="a"))
    assert evaluator.division("b", "jeugdregio").n_regions == 10
    assert sorted(calls) == ["B0_0", "B0_2"]
    evaluator.division("a", "jeugdregio")  # the base's evaluation was cached on the way
    assert len(calls) == 2


def test_bad_edit_of_a_stored_scenario_is_named(evaluator: ScenarioEvaluator) -> None:
    """Applying once still checks: a stored document that no longer fits names the edit."""
    evaluator.store.save("bad", merge_doc("bad", ["B0_0", "NOPE"], "B0_0"))
    with pytest.raises(RegiokompasError, match=r"scenario 'bad'.*edits\[0\].*NOPE"):
        evaluator.divisions("bad")


def test_cycles_and_missing_bases_are_named(evaluator: ScenarioEvaluator) -> None:
    """The store refuses such chains (tests/test_accounts_store.py); a database written before
    it did may still hold them, so the evaluator names them too."""
    store = evaluator.store

    def save_unchecked(scenario_id: str, doc: dict) -> None:
        store.save(scenario_id, {k: v for k, v in doc.items() if k != "base"}, replace=True)
        store._conn.execute(
            "UPDATE scenarios SET document = ?, base = ?, revision = revision + 1000 WHERE id = ?",
            (json.dumps(doc), doc["base"], scenario_id),
        )

    save_unchecked("x", merge_doc("x", ["B0_0", "B0_1"], "B0_0", base="y"))
    with pytest.raises(ScenarioNotFound, match="unknown scenario 'y'"):
        evaluator.divisions("x")
    save_unchecked("y", merge_doc("y", ["B0_2", "B0_3"], "B0_2", base="x"))
    with pytest.raises(RegiokompasError, match="loops"):
        evaluator.divisions("x")
    with pytest.raises(ScenarioNotFound):
        evaluator.divisions("nope")


def test_score_is_cached_per_revision(evaluator: ScenarioEvaluator) -> None:
    from geo.overlap import score

    ds = evaluator.dataset
    got = evaluator.score(None, "swv_po", "jeugdregio", "area")
    expected = score(
        ds.divisions["swv_po"], ds.divisions["jeugdregio"], ds.weight("area"), weight_name="area"
    ).to_dict()
    assert got == expected
    assert evaluator.score(None, "swv_po", "jeugdregio", "area") is got


# ---------------------------------------------------------------------- jobs
# ---------------------------------------------------------------------- route helpers
def test_unknown_names_become_404_naming_the_options(evaluator: ScenarioEvaluator) -> None:
    assert division_or_404(evaluator, None, "swv_po").name == "swv_po"
    with pytest.raises(HTTPException) as info:
        division_or_404(evaluator, None, "swv_xx")
    assert info.value.status_code == 404
    assert "unknown division 'swv_xx'" in info.value.detail and "swv_po" in info.value.detail
    with pytest.raises(HTTPException) as info:
        division_or_404(evaluator, "nope", "swv_po")  # ScenarioNotFound is a KeyError too
    assert info.value.status_code == 404 and "nope" in info.value.detail
    with pytest.raises(ValueError, match="not a key error"), unknown_as_404():
        raise ValueError("not a key error")  # other errors pass unchanged


def test_cached_response_computes_once(evaluator: ScenarioEvaluator) -> None:
    calls: list[int] = []

    def compute() -> bytes:
        calls.append(1)
        return b'{"a": 1}'

    first = cached_response(evaluator, ("t", 1), compute, media_type="application/geo+json")
    second = cached_response(evaluator, ("t", 1), compute)
    assert first.body == second.body == b'{"a": 1}' and calls == [1]
    assert first.media_type == "application/geo+json" and second.media_type == "application/json"


def test_job_runner_reports_results_and_failures() -> None:
    runner = JobRunner()
    ok = runner.submit("sum", sum, [1, 2, 3])
    bad = runner.submit("fail", lambda: (_ for _ in ()).throw(RegiokompasError("edits[0]: no")))
    assert runner.wait(ok.id, timeout=5).result == 6
    failed = runner.wait(bad.id, timeout=5)
    assert (failed.status, failed.error) == ("failed", "edits[0]: no")
    assert runner.get(ok.id).status == "done" and runner.get(ok.id).finished_at
    with pytest.raises(KeyError, match="unknown job"):
        runner.get("nope")
    runner.shutdown()
