"""Tests for api.routers.proposals: POST /api/proposals as a background job, result stored."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from fixtures.proposal_grids import layout_dataset
from maps.layers import CHANGE_LAYER
from maps.page import page_layers


@pytest.fixture
def synthetic():
    return layout_dataset(
        ["AAABBB", "AAABBB"],
        ["aaaabb", "aaabbb"],
        schools=[(f"GM{r:02d}{c:02d}", "(V)SO") for r in range(2) for c in range(6)],
    )


@pytest.fixture
def app(synthetic, tmp_path: Path):
    return create_app(synthetic, tmp_path / "state", library_dir=None)


@pytest.fixture
def client(app, sign_in):
    with sign_in(TestClient(app)) as c:
        yield c


def finish(app, client: TestClient, job_id: str) -> dict:
    app.state.regio.jobs.wait(job_id, timeout=120)
    response = client.get(f"/api/proposals/{job_id}")
    assert response.status_code == 200
    return response.json()


def test_proposal_job_stores_a_scenario(app, client: TestClient) -> None:
    response = client.post("/api/proposals", json={"name": "plan-a", "time_limit": 5})
    assert response.status_code == 202
    created = response.json()
    assert created["url"] == f"/api/proposals/{created['job_id']}"
    done = finish(app, client, created["job_id"])
    assert done["status"] == "done", done["error"]
    assert done["scenario_id"] == "plan-a"
    assert done["report"]["totals"]["disrupted"] == 150.0
    stored = client.get(done["scenario_url"]).json()
    edit = stored["document"]["edits"][0]
    assert edit["op"] == "assign" and edit["division"] == "swv"
    score = client.get(
        "/api/scores",
        params={"scenario": "plan-a", "division": "swv", "against": "jeugdregio"},
    )
    assert score.status_code == 200, score.text
    assert all(r["nested"] for r in score.json()["regions"])


def test_proposal_result_links_its_map_and_the_compare_view_beside_huidig(
    app, client: TestClient
) -> None:
    today = {"name": "huidig", "description": "today", "principles": [], "edits": []}
    assert client.post("/api/scenarios", json=today).status_code == 201
    job = client.post("/api/proposals", json={"name": "plan-l", "time_limit": 5}).json()
    done = finish(app, client, job["job_id"])
    assert done["status"] == "done", done["error"]
    assert done["map_url"] == "/maps/plan-l?division=swv&against=jeugdregio&weight=pupils"
    assert sorted(done["compare_urls"]) == ["swv vs swv_po", "swv vs swv_vo"]
    # the map outlines exactly the gemeenten the report says change SWV
    english = {"Accept-Language": "en"}  # layer names as the English msgids (CHANGE_LAYER)
    page = client.get(done["map_url"], headers=english)
    assert page.status_code == 200
    outlined = {f["id"] for f in page_layers(page.text)[CHANGE_LAYER].features}
    reported = {g["code"] for g in done["report"]["gemeenten"] if g["swv_changes"]}
    assert outlined == reported and reported
    compare = client.get(done["compare_urls"]["swv vs swv_po"], headers=english)
    assert compare.status_code == 200
    found = page_layers(compare.text)
    assert {"huidig: swv_po by containment", "plan-l: swv by containment"} <= set(found)
    assert {f["id"] for f in found[CHANGE_LAYER].features} == reported


def test_proposal_on_a_base_scenario(app, client: TestClient) -> None:
    merged = {
        "name": "one-region",
        "description": "JA and JB merged",
        "edits": [{"op": "merge", "division": "jeugdregio", "regions": ["JA", "JB"], "into": "JA"}],
    }
    assert client.post("/api/scenarios", json=merged).status_code == 201
    job = client.post(
        "/api/proposals", json={"name": "plan-m", "base": "one-region", "time_limit": 5}
    ).json()
    done = finish(app, client, job["job_id"])
    assert done["status"] == "done", done["error"]
    # with one jeugdregio, SWV a (incl. GM0003) can stay whole: nobody changes SWV
    assert done["report"]["totals"]["disrupted"] == 0.0
    stored = client.get(done["scenario_url"]).json()
    assert stored["document"]["base"] == "one-region"


def test_infeasible_bound_fails_the_job_and_stores_nothing(app, client: TestClient) -> None:
    before = client.get("/api/scenarios").json()
    response = client.post(
        "/api/proposals", json={"name": "plan-b", "min_pupils": 5000, "max_pupils": 9000}
    )
    done = finish(app, client, response.json()["job_id"])
    assert done["status"] == "failed"
    assert "jeugdregio JA: min_pupils" in done["error"]
    assert done["scenario_id"] is None
    assert client.get("/api/scenarios").json() == before


def test_existing_name_is_a_conflict(app, client: TestClient) -> None:
    first = client.post("/api/proposals", json={"name": "plan-c", "time_limit": 5}).json()
    assert finish(app, client, first["job_id"])["status"] == "done"
    again = client.post("/api/proposals", json={"name": "plan-c"})
    assert again.status_code == 409 and "plan-c" in again.json()["detail"]
    replaced = client.post("/api/proposals", json={"name": "plan-c", "replace": True})
    assert replaced.status_code == 202


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "../x"}, "name"),
        ({"time_limit": 500}, "time_limit"),
        ({"min_pupils": 10, "max_pupils": 5}, "min_pupils"),
        ({"base": "no-such-scenario"}, "base"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_requests_name_the_field(client: TestClient, body: dict, field: str) -> None:
    response = client.post("/api/proposals", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"]


def test_too_many_running_proposals_get_429(app, client: TestClient, sign_in) -> None:
    """One slot per user (REGIOKOMPAS_PROPOSAL_SLOTS_PER_USER), two in the app."""
    release = threading.Event()
    blocker = app.state.regio.jobs.submit("other", release.wait)  # occupies the only worker
    clients = [client, sign_in(TestClient(app), "planner-2"), sign_in(TestClient(app), "p-3")]
    try:
        ids = [c.post("/api/proposals", json={"name": f"p-{i}"}) for i, c in enumerate(clients)]
        second = client.post("/api/proposals", json={"name": "p-x"})
        assert [r.status_code for r in ids] == [202, 202, 429]
        assert "REGIOKOMPAS_PROPOSAL_SLOTS" in ids[2].json()["detail"]
        assert second.status_code == 429
        assert "REGIOKOMPAS_PROPOSAL_SLOTS_PER_USER" in second.json()["detail"]
    finally:
        release.set()
    app.state.regio.jobs.wait(blocker.id, timeout=10)
    for c, r in zip(clients[:2], ids[:2], strict=True):  # each sees their own job only
        assert finish(app, c, r.json()["job_id"])["status"] == "done"
    assert client.post("/api/proposals", json={"name": "p-3"}).status_code == 202


def test_unknown_job_is_404(client: TestClient) -> None:
    response = client.get("/api/proposals/0123456789abcdef")
    assert response.status_code == 404 and "0123456789abcdef" in response.json()["detail"]


def test_cancel_a_queued_proposal_stores_nothing(app, client: TestClient, sign_in) -> None:
    release = threading.Event()
    blocker = app.state.regio.jobs.submit("other", release.wait)  # the proposal stays queued
    try:
        started = client.post("/api/proposals", json={"name": "cancel-me"})
        assert started.status_code == 202
        job_id = started.json()["job_id"]
        other = sign_in(TestClient(app), "someone-else")
        assert other.delete(f"/api/proposals/{job_id}").status_code == 404  # not theirs to see
        assert TestClient(app).delete(f"/api/proposals/{job_id}").status_code == 401
        cancelled = client.delete(f"/api/proposals/{job_id}")
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        # the slot is free again at once
        assert client.post("/api/proposals", json={"name": "after-cancel"}).status_code == 202
    finally:
        release.set()
    app.state.regio.jobs.wait(blocker.id, timeout=10)
    assert client.get(f"/api/proposals/{job_id}").json()["status"] == "cancelled"
    assert client.get("/api/scenarios/cancel-me").status_code == 404
    assert client.delete("/api/proposals/0123456789abcdef").status_code == 404


def test_cancel_a_running_proposal_stops_it_before_storing(app, client: TestClient) -> None:
    from api.compute.jobs import JobCancelled, check_cancelled

    started = threading.Event()
    proceed = threading.Event()

    def slow() -> str:  # a stand-in job that reaches a stopping point after the cancel
        started.set()
        proceed.wait(10)
        check_cancelled()
        return "stored"

    jobs = app.state.regio.jobs
    job = jobs.submit("proposal", slow, owner="planner")  # the signed-in client's user
    assert started.wait(10)
    response = client.delete(f"/api/proposals/{job.id}")
    assert response.status_code == 200
    assert response.json() == {"job_id": job.id, "status": "running", "cancel_requested": True}
    proceed.set()
    assert jobs.wait(job.id, timeout=10).status == "cancelled"
    assert job.result is None
    assert issubclass(JobCancelled, Exception)


def test_a_proposal_for_one_jeugdregio_changes_only_its_gemeenten(app, client) -> None:
    response = client.post(
        "/api/proposals", json={"name": "plan-ja", "time_limit": 5, "regions": ["JA"]}
    )
    assert response.status_code == 202, response.text
    done = finish(app, client, response.json()["job_id"])
    assert done["status"] == "done", done["error"]
    progress = done["progress"]
    assert (progress["total"], progress["done"]) == (1, 1)
    assert [(r["code"], r["status"]) for r in progress["regions"]] == [("JA", "done")]
    evaluator = app.state.regio.evaluator
    in_ja = {u for u, j in app.state.regio.dataset.division("jeugdregio").assignment().items()
             if j == "JA"}  # fmt: skip
    for level in ("swv_po", "swv_vo"):
        before = app.state.regio.dataset.division(level).assignment()
        after = evaluator.division("plan-ja", level).assignment()
        outside = [u for u in before.index if u not in in_ja]
        assert (after[outside] == before[outside]).all()  # elsewhere unchanged
    po = evaluator.division("plan-ja", "swv_po").assignment()
    vo = evaluator.division("plan-ja", "swv_vo").assignment()
    assert all(po[u] == vo[u] for u in in_ja)  # one SWV for PO and VO inside JA


def test_an_unknown_jeugdregio_or_province_is_named_before_any_job(client) -> None:
    r = client.post("/api/proposals", json={"name": "x", "regions": ["JZ99"]})
    assert r.status_code == 422 and "JZ99" in r.json()["detail"] and "JA" in r.json()["detail"]
    r = client.post("/api/proposals", json={"name": "x", "provinces": ["Limburg"]})
    assert r.status_code == 422 and "provincie" in r.json()["detail"]
