"""Attacks on who may do what (issue 16: F1, F10, F12, F14): a case per finding, each with the
issue's observation as the threat. Each asserts the status, that the answer comes within
:data:`BUDGET` seconds, and that nothing stored or audited changed (``state_of``).

Two planners: ``ann`` (A, the victim, owns a private scenario) and ``mallory`` (B, the
attacker, the ``client`` fixture); the library scenario ``jeugdregio_41`` belongs to nobody.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.records import SaveChecks
from tests.attacks.conftest import GENEROUS, make_app, state_of, writer

pytestmark = pytest.mark.integration

BUDGET = 5.0
"""Seconds a refusal may take (each is a lookup; generous for a loaded test machine)."""

SPELLINGS = ["t", "y", "yes", "on", "1", "True", "TRUE", "T", "Y", "true ", "tRuE"]
"""What pydantic's lax bool (or the old policy) read as true; only ``true`` means true now."""

PRIVATE = {"name": "plan-a", "description": "A's private plan"}


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    response = call()
    return response, time.perf_counter() - start


@pytest.fixture
def victim(app) -> TestClient:
    """Planner A with the private scenario ``plan-a``."""
    ann = writer(TestClient(app), "ann")
    assert ann.post("/api/scenarios", json=PRIVATE).status_code == 201
    return ann


def assert_refused(app, before: dict, response: Any, seconds: float, status: int) -> None:
    assert response.status_code == status, response.text
    assert seconds < BUDGET
    assert state_of(app) == before


# ---------------------------------------------------------------------- F1: replace spellings
@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("target", ["plan-a", "jeugdregio_41"])
def test_f1_replace_spellings_are_refused_on_the_api(app, client, victim, spelling, target) -> None:
    """F1: ``POST /api/scenarios?replace=t`` (also ``y``) overwrote A's private scenario and
    the library's ``jeugdregio_41`` (201, the audit log showing the attacker)."""
    before = state_of(app)
    body = {"name": target, "description": "overwritten by mallory"}
    response, seconds = timed(
        lambda: client.post("/api/scenarios", params={"replace": spelling}, json=body)
    )
    assert_refused(app, before, response, seconds, 422)
    assert "replace" in response.json()["detail"]
    assert "plan-a" not in response.json()["detail"] or target == "plan-a"


@pytest.mark.parametrize("spelling", ["t", "y", "yes", "1", "on"])
def test_f1_replace_spellings_are_refused_on_the_import_form(app, client, victim, spelling) -> None:
    """F1 through the import form: ``replace=t`` as a form field."""
    before = state_of(app)
    response, seconds = timed(
        lambda: client.post(
            "/api/scenarios/import",
            data={"name": "plan-a", "division": "swv_po", "replace": spelling},
            files={"file": ("plan.csv", b"unit,region\nGM0014,PO2001\n", "text/csv")},
        )
    )
    assert_refused(app, before, response, seconds, 422)


@pytest.mark.parametrize("spelling", ["t", "y", "yes", "1", 1, "True"])
def test_f1_replace_spellings_are_refused_on_proposals(app, client, victim, spelling) -> None:
    """F1 through a proposal: ``{"replace": "t"}`` in the JSON body."""
    before = state_of(app)
    response, seconds = timed(
        lambda: client.post("/api/proposals", json={"name": "plan-a", "replace": spelling})
    )
    assert_refused(app, before, response, seconds, 422)
    assert app.state.regio.jobs.active("proposal") == []


@pytest.mark.parametrize(
    "params",
    [
        [("replace", "false"), ("replace", "true")],
        [("replace", "true"), ("replace", "false")],
    ],
)
def test_f1_a_repeated_replace_cannot_split_policy_and_route(app, client, victim, params) -> None:
    """The route reads the last value, the policy every value: any ``true`` is checked."""
    before = state_of(app)
    response, seconds = timed(
        lambda: client.post(
            "/api/scenarios", params=params, json={"name": "plan-a", "description": "x"}
        )
    )
    assert_refused(app, before, response, seconds, 409)


@pytest.mark.parametrize("content_type", ["Multipart/Form-Data", "MULTIPART/FORM-DATA"])
def test_f1_form_content_type_spelling_cannot_hide_replace(
    app, client, victim, content_type
) -> None:
    """A form whose content type is spelled in capitals is still read by the policy."""
    request = client.build_request(
        "POST",
        "/api/scenarios/import",
        data={"name": "plan-a", "division": "swv_po", "replace": "true"},
        files={"file": ("plan.csv", b"unit,region\nGM0014,PO2001\n", "text/csv")},
    )
    request.headers["content-type"] = request.headers["content-type"].replace(
        "multipart/form-data", content_type
    )
    before = state_of(app)
    response, seconds = timed(lambda: client.send(request))
    assert response.status_code in (409, 422), response.text
    assert seconds < BUDGET
    assert state_of(app) == before


def test_f1_true_replace_of_others_is_refused_without_naming_them(app, client, victim) -> None:
    """``replace=true``: A's private scenario is a taken id (409, the same words as for any
    existing id); the library scenario is readable, so 403 says whose it is."""
    before = state_of(app)
    for target, status in [("plan-a", 409), ("jeugdregio_41", 403)]:
        response, seconds = timed(
            lambda target=target: client.post(
                "/api/scenarios",
                params={"replace": "true"},
                json={"name": target, "description": "x"},
            )
        )
        assert_refused(app, before, response, seconds, status)
    body = {"name": "plan-a", "description": "x"}
    taken = client.post("/api/scenarios", json=body).json()["detail"]
    unseen = client.post("/api/scenarios", params={"replace": "true"}, json=body)
    assert unseen.json()["detail"] == taken  # no difference between the two paths
    assert "ann" not in taken and "version" not in taken


def test_f1_the_store_refuses_a_replacement_the_policy_missed(app, victim) -> None:
    """Defence in depth: even a route that forgot the policy cannot replace another's
    scenario, because the ownership check runs inside the save's transaction."""
    from fastapi import HTTPException

    from api.auth.policy import save_checks
    from api.auth.principal import Principal

    store = app.state.regio.store
    mallory = Principal(store.get_user("mallory") or _user(store, "mallory"), "token")
    before = state_of(app)
    with pytest.raises(HTTPException) as refused:
        store.save(
            "plan-a", {"name": "plan-a"}, replace=True, owner="mallory", actor="mallory",
            checks=save_checks(mallory),
        )  # fmt: skip
    assert refused.value.status_code == 409
    assert state_of(app) == before


def _user(store: Any, name: str) -> Any:
    from fixtures.accounts import bearer

    bearer(store, name)
    return store.get_user(name)


# ---------------------------------------------------------------------- F10: queued proposal
def test_f10_a_proposal_never_replaces_a_name_taken_meanwhile(
    app, client, monkeypatch, dataset
) -> None:
    """F10: a proposal queued with ``replace: true`` for a free name; B takes the name while
    the job runs; when the job ended, B's scenario was overwritten. Now the job fails with the
    taken-id message and B's scenario (and the audit log) stay as they were."""
    import api.routers.proposals as proposals

    ann = writer(TestClient(app), "ann")
    taken_meanwhile = threading.Event()

    class Result:
        scenario = {"name": "free-name", "description": "proposal", "edits": []}
        report: dict[str, Any] = {}

    def fake_propose(*args: Any, **kwargs: Any) -> Result:
        # while the job "solves", planner A takes the free name
        assert (
            ann.post("/api/scenarios", json={"name": "free-name", "description": "B's"}).status_code
            == 201
        )
        taken_meanwhile.set()
        return Result()

    monkeypatch.setattr(proposals, "propose", fake_propose)
    response = client.post("/api/proposals", json={"name": "free-name", "replace": True})
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert taken_meanwhile.wait(30)
    before = state_of(app)
    start = time.perf_counter()
    app.state.regio.jobs.wait(job_id, timeout=60)
    assert time.perf_counter() - start < BUDGET
    done = client.get(f"/api/proposals/{job_id}").json()
    assert done["status"] == "failed"
    assert "is taken" in done["error"] and "ann" not in done["error"]
    assert state_of(app) == before
    assert app.state.regio.store.get("free-name").owner == "ann"


# ---------------------------------------------------------------------- F14: quota race
def test_f14_parallel_saves_cannot_pass_the_quota(dataset, tmp_path) -> None:
    """F14: parallel saves at the quota edge ended at 105/100 scenarios. The quota is now
    checked in the save's transaction: 12 parallel saves with one slot left store one."""
    app = make_app(dataset, tmp_path / "state", replace(GENEROUS, scenarios_per_user=3))
    clients = [writer(TestClient(app), "mallory") for _ in range(12)]
    for name in ("q1", "q2"):
        assert (
            clients[0].post("/api/scenarios", json={"name": name, "description": "d"}).status_code
            == 201
        )

    def save(i: int) -> int:
        return (
            clients[i]
            .post("/api/scenarios", json={"name": f"race-{i}", "description": "d"})
            .status_code
        )

    start = time.perf_counter()
    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(save, range(12)))
    assert time.perf_counter() - start < 6 * BUDGET
    assert sorted(answers) == [201] + [413] * 11
    owned = [s for s in app.state.regio.store.list() if s.owner == "mallory"]
    assert len(owned) == 3


def test_f14_the_store_checks_the_quota_in_its_transaction(app) -> None:
    """The quota callback sees the owner's stored sizes as of the transaction."""
    store = app.state.regio.store
    seen: list[tuple[list[int], int, int]] = []

    def quota(sizes: list[int], new: int, replacing: int) -> None:
        seen.append((sizes, new, replacing))

    checks = SaveChecks(quota_owner="zoe", quota=quota)
    store.save("z1", {"name": "z1"}, owner="zoe", checks=checks)
    store.save("z1", {"name": "z1", "description": "x"}, owner="zoe", replace=True, checks=checks)
    assert seen[0] == ([], len(b'{"name":"z1"}'), 0)
    assert seen[1] == ([13], len(b'{"name":"z1","description":"x"}'), 13)
