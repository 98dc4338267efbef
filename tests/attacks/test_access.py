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

    from api.safety.auth.policy import save_checks
    from api.safety.auth.principal import Principal

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
        description = None  # the scenario's description as written

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


# ---------------------------------------------------------------------- F3, F8, F9, F12: reads
def signed(app, name: str, *, admin: bool = False) -> TestClient:
    from fixtures.accounts import sign_in

    return sign_in(TestClient(app), name, admin=admin)


def same_words(hidden: Any, unknown: Any, hidden_id: str, unknown_id: str) -> None:
    """A hidden scenario is answered exactly like an id that was never stored."""
    assert hidden.status_code == unknown.status_code == 404, (hidden.text, unknown.text)
    assert hidden.json()["detail"].replace(hidden_id, "ID") == unknown.json()["detail"].replace(
        unknown_id, "ID"
    )


@pytest.mark.parametrize("route", ["verdict", "report"])
def test_f3_jeugdregio_of_a_private_scenario_is_not_readable(app, victim, route) -> None:
    """F3: anonymous ``GET /api/scenarios/huidig/verdict?jeugdregio=<private id>`` (and
    ``/report``) answered 200 with that scenario's region codes, names and memberships."""
    anonymous = TestClient(app)
    assert victim.get(f"/api/scenarios/huidig/{route}?jeugdregio=plan-a").status_code == 200
    before = state_of(app)
    hidden, seconds = timed(
        lambda: anonymous.get(f"/api/scenarios/huidig/{route}?jeugdregio=plan-a")
    )
    unknown = anonymous.get(f"/api/scenarios/huidig/{route}?jeugdregio=never-stored")
    same_words(hidden, unknown, "plan-a", "never-stored")
    assert seconds < BUDGET
    assert state_of(app) == before


def test_f8_a_base_hidden_again_stops_the_chain(app) -> None:
    """F8: A based a scenario on B's published one; B hid it and edited it; A kept seeing B's
    later private edits. Now every route that applies the chain answers A (and anyone else)
    with the 404 of an unknown id, naming only the base A's own document names."""
    ann, bob = signed(app, "ann"), signed(app, "bob")
    assert (
        bob.post("/api/scenarios", json={"name": "b-plan", "description": "B"}).status_code == 201
    )
    assert bob.put("/api/scenarios/b-plan/visibility", json={"visibility": "published"}).is_success
    derived = {"name": "a-derived", "description": "A on B", "base": "b-plan"}
    assert ann.post("/api/scenarios", json=derived).status_code == 201
    assert ann.get("/api/scores?scenario=a-derived").status_code == 200
    assert bob.put("/api/scenarios/b-plan/visibility", json={"visibility": "private"}).is_success
    secret = {"name": "b-plan", "description": "B's private edit since"}
    assert bob.post("/api/scenarios?replace=true", json=secret).status_code == 201
    before = state_of(app)
    reads = [
        ("GET", "/api/scores?scenario={}"),
        ("GET", "/api/scenarios/{}/verdict"),
        ("GET", "/api/scenarios/{}/assignment.csv?division=swv_po"),
        ("GET", "/maps/{}"),
        ("POST", "/api/scenarios/{}/evaluate"),
        ("GET", "/api/divisions/jeugdregio?scenario={}"),
    ]
    for method, url in reads:
        response, seconds = timed(
            lambda method=method, url=url: ann.request(method, url.format("a-derived"), json={})
        )
        unknown = ann.request(method, url.format("never-stored"), json={})
        assert response.status_code == 404, (url, response.text)
        assert response.json()["detail"] == "unknown scenario 'b-plan'"
        assert unknown.json()["detail"] == "unknown scenario 'never-stored'"
        assert seconds < BUDGET
    based = ann.post("/api/scenarios", json={**derived, "name": "a-two"})
    assert based.status_code == 422 and based.json()["detail"] == "base: unknown scenario 'b-plan'"
    assert ann.get("/api/scenarios/a-derived").status_code == 200  # its own document
    assert state_of(app) == before


def test_f8_others_scenarios_neither_pin_nor_leak_through_a_delete(app) -> None:
    """F8: B's delete got 409 naming A's private scenario built on B's. Now B's delete goes
    through (B may always withdraw B's own scenario), names nothing of A's, is audited with
    the number of detached scenarios, and nobody else can re-fill the id under A's scenario."""
    ann, bob, mallory = signed(app, "ann"), signed(app, "bob"), signed(app, "mallory")
    assert (
        bob.post("/api/scenarios", json={"name": "b-plan", "description": "B"}).status_code == 201
    )
    assert bob.put("/api/scenarios/b-plan/visibility", json={"visibility": "published"}).is_success
    derived = {"name": "a-secret", "description": "A's", "base": "b-plan"}
    assert ann.post("/api/scenarios", json=derived).status_code == 201
    own = {"name": "b-child", "description": "B's own child", "base": "b-plan"}
    assert bob.post("/api/scenarios", json=own).status_code == 201
    before = state_of(app)
    pinned, seconds = timed(lambda: bob.delete("/api/scenarios/b-plan"))
    assert pinned.status_code == 409 and seconds < BUDGET
    assert "b-child" in pinned.json()["detail"] and "a-secret" not in pinned.json()["detail"]
    assert state_of(app) == before
    assert bob.delete("/api/scenarios/b-child").status_code == 200
    deleted = bob.delete("/api/scenarios/b-plan")
    assert deleted.status_code == 200 and "a-secret" not in deleted.text
    entry = app.state.regio.store.audit_log(1)[0]
    assert (entry.action, entry.target, entry.detail) == ("scenario.delete", "b-plan", "detached=1")
    assert ann.get("/api/scores?scenario=a-secret").json()["detail"] == "unknown scenario 'b-plan'"
    before = state_of(app)
    refill = {"name": "b-plan", "description": "mallory under A's scenario"}
    response, seconds = timed(lambda: mallory.post("/api/scenarios", json=refill))
    assert response.status_code == 409 and "is taken" in response.json()["detail"]
    assert seconds < BUDGET and state_of(app) == before
    assert ann.delete("/api/scenarios/a-secret").status_code == 200  # A may clean up


@pytest.mark.parametrize("how", ["hidden", "re-created private"])
def test_f9_compare_default_goes_through_the_policy(app, how) -> None:
    """F9: ``/maps/compare`` without ``right=`` showed the default scenario even when it was
    hidden, or a private one created under the default's name."""
    admin = signed(app, "root", admin=True)
    if how == "hidden":
        put = admin.put(
            "/api/scenarios/swv_binnen_jeugdregio/visibility", json={"visibility": "private"}
        )
        assert put.status_code == 200
    else:
        assert admin.delete("/api/scenarios/swv_binnen_jeugdregio").status_code == 200
        mallory = signed(app, "mallory")
        body = {"name": "swv_binnen_jeugdregio", "description": "private, under the default"}
        assert mallory.post("/api/scenarios", json=body).status_code == 201
    before = state_of(app)
    anonymous = TestClient(app)
    for url in ["/maps/compare", "/maps/compare?left=huidig"]:
        response, seconds = timed(lambda url=url: anonymous.get(url))
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "unknown scenario 'swv_binnen_jeugdregio'"
        assert seconds < BUDGET
    assert state_of(app) == before


def test_f12_private_and_unknown_ids_get_the_same_words(app, client, victim) -> None:
    """F12: the 409/404 wording told whether a private id exists. Every route answers a
    private id of someone else exactly as an id that was never stored; a taken id gets the
    same 409 whether it is private, published or the library's."""
    before = state_of(app)
    calls = [
        ("GET", "/api/scenarios/{}", None),
        ("DELETE", "/api/scenarios/{}", None),
        ("PUT", "/api/scenarios/{}/visibility", {"visibility": "published"}),
        ("POST", "/api/scenarios/{}/shares", {}),
        ("GET", "/api/scenarios/{}/verdict", None),
        ("GET", "/maps/{}", None),
        ("GET", "/api/scores?scenario={}", None),
        ("POST", "/api/scenarios/{}/save-as", {"name": "copy-of-it", "edits": []}),
    ]
    for method, url, body in calls:
        hidden, seconds = timed(
            lambda m=method, u=url, b=body: client.request(m, u.format("plan-a"), json=b)
        )
        unknown = client.request(method, url.format("never-stored"), json=body)
        same_words(hidden, unknown, "plan-a", "never-stored")
        assert seconds < BUDGET
    based = [
        client.post("/api/scenarios", json={"name": "x1", "description": "d", "base": base})
        for base in ("plan-a", "never-stored")
    ]
    assert based[0].status_code == based[1].status_code == 422
    assert based[0].json()["detail"].replace("plan-a", "ID") == based[1].json()["detail"].replace(
        "never-stored", "ID"
    )
    words = set()
    for name in ("plan-a", "huidig"):
        response = client.post("/api/scenarios", json={"name": name, "description": "d"})
        assert response.status_code == 409
        words.add(response.json()["detail"].replace(name, "ID"))
    assert len(words) == 1
    assert state_of(app) == before
