"""Issue 16 (F1, F14 on one more path): ``PATCH /api/scenarios/{id}`` (title, description) is a save
like every other: the document limits first, the owner's quota and who may replace it inside
the store's transaction.

The threat: the PATCH route stored a new version without the save checks, so a planner at the
byte quota could grow a scenario by 2,000 characters per call (each kept as a version), and an
ownership change between the policy's check and the write (a transfer, a hide-and-recreate)
was overwritten by the caller.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.attacks.conftest import GENEROUS, make_app, state_of, writer

pytestmark = pytest.mark.integration

BUDGET = 5.0


def planner_with_plan(app: Any) -> TestClient:
    ann = writer(TestClient(app), "ann")
    response = ann.post("/api/scenarios", json={"name": "plan-a", "description": "A's plan"})
    assert response.status_code == 201, response.text
    return ann


def test_a_description_cannot_grow_past_the_byte_quota(dataset, tmp_path) -> None:
    app = make_app(dataset, tmp_path / "state", replace(GENEROUS, bytes_per_user=1_000))
    ann = planner_with_plan(app)
    before = state_of(app)
    start = time.perf_counter()
    response = ann.patch("/api/scenarios/plan-a", json={"description": "x" * 1_900})
    assert time.perf_counter() - start < BUDGET
    assert response.status_code == 413, response.text
    assert "REGIOKOMPAS_MAX_BYTES_PER_USER" in response.json()["detail"]
    assert state_of(app) == before
    ok = ann.patch("/api/scenarios/plan-a", json={"title": "Plan A"})  # within the quota
    assert ok.status_code == 200 and ok.json()["document"]["title"] == "Plan A"


def test_an_owner_change_after_the_policy_check_is_not_overwritten(
    dataset, tmp_path, monkeypatch
) -> None:
    """Between the policy's check and the write the scenario becomes B's private one: the
    write is refused inside the transaction with the words of a taken id, naming nobody."""
    app = make_app(dataset, tmp_path / "state")
    ann = planner_with_plan(app)
    writer(TestClient(app), "bob")  # bob exists
    store = app.state.regio.store
    original = store.get
    moved: list[bool] = []

    def get_then_transfer(scenario_id: str, *args: Any, **kwargs: Any) -> Any:
        found = original(scenario_id, *args, **kwargs)
        if scenario_id == "plan-a" and not moved:
            moved.append(True)  # after this read, B owns it (a transfer made meanwhile)
            with store._transaction() as cur:
                cur.execute(
                    "UPDATE scenarios SET owner = 'bob', visibility = 'private' WHERE id = ?",
                    ("plan-a",),
                )
        return found

    monkeypatch.setattr(store, "get", get_then_transfer)
    before = state_of(app)
    response = ann.patch("/api/scenarios/plan-a", json={"description": "A's words on B's plan"})
    assert moved
    assert response.status_code in (403, 409), response.text
    assert "bob" not in response.text
    assert state_of(app) == before
    assert original("plan-a").document["description"] == "A's plan"
