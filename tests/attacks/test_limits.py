"""Attacks on cost: the issue's stalling documents, out-of-range parameters, oversized fields,
rate limits, budgets. Every refused request names its limit (the ``REGIOKOMPAS_*`` setting)
and leaves the stored scenarios (and the audit log) unchanged. How fast the refusals are is
measured in ``benchmarks/abuse.py`` (no timed unit tests)."""

from __future__ import annotations

import dataclasses
import math

import pytest
from fastapi.testclient import TestClient

from api.safety.limits import Limits
from fixtures.hostile import back_and_forth_moves
from tests.attacks.conftest import GENEROUS, make_app, state_of, writer

pytestmark = pytest.mark.integration


def limited(dataset, tmp_path, **changes) -> tuple[object, TestClient]:
    app = make_app(dataset, tmp_path / "state", dataclasses.replace(GENEROUS, **changes))
    return app, writer(TestClient(app))


def moves(dataset, n: int) -> list[dict]:
    """``n`` valid-looking moves of one gemeente back and forth between two SWVs."""
    return back_and_forth_moves(dataset, n)


def post(client: TestClient, document: dict, **params):
    return client.post("/api/scenarios", json=document, params=params)


def assert_refused(app, response, status: int, named: str, before: dict) -> None:
    assert response.status_code == status, response.text
    assert named in response.json()["detail"]
    assert state_of(app) == before


# ---------------------------------------------------------------------- the numbers
def test_ten_thousand_moves_are_refused(app, client, dataset) -> None:
    """The issue's 740 KB document of 10,000 moves took 244 s to store."""
    before = state_of(app)
    document = {"name": "stall", "description": "10k moves", "edits": moves(dataset, 10_000)}
    response = post(client, document)
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_EDITS", before)
    assert "10000 edits" in response.json()["detail"]


def test_three_hundred_copies_are_refused(app, client) -> None:
    """The issue's 16.5 KB of 300 ``copy`` edits made a 23 MB map page."""
    before = state_of(app)
    edits = [
        {"op": "copy", "division": f"copy_{i}", "from": "jeugdregio"} for i in range(150)
    ]  # 150 edits (within the edit limit) that make 157 divisions
    response = post(client, {"name": "wide", "description": "copies", "edits": edits})
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_DIVISIONS", before)
    edits = edits * 2
    response = post(client, {"name": "wide", "description": "copies", "edits": edits})
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_EDITS", before)


def test_a_csv_of_270000_regions_is_refused(app, client) -> None:
    """The issue's 4.9 MB CSV became 271,895 regions and an 88 MB score response."""
    before = state_of(app)
    rows = "".join(f"{363 + (i % 2)},r{i}\n" for i in range(270_000))
    data = ("unit,region\n" + rows).encode()
    assert len(data) < 5 * 1024 * 1024
    response = client.post(
        "/api/scenarios/import",
        files={"file": ("regions.csv", data)},
        data={"name": "many", "division": "swv_po"},
    )
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_MEMBERSHIP_ROWS", before)


def test_many_regions_in_one_assignment_are_refused(dataset, tmp_path) -> None:
    app, client = limited(dataset, tmp_path, regions_per_division=10)
    before = state_of(app)
    units = [str(u) for u in dataset.divisions["swv_po"].units]
    edit = {"op": "assign", "division": "swv_po", "assignment": {u: f"R{u}" for u in units}}
    response = post(client, {"name": "each-own", "description": "x", "edits": [edit]})
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_REGIONS", before)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("tolerance=0.1", "tolerance"),
        ("tolerance=0", "tolerance"),
        ("tolerance=1.5", "tolerance"),
        ("tolerance=nan", "tolerance"),
        ("tolerance=inf", "tolerance"),
        ("tolerance=1e308", "tolerance"),
        ("tolerance=-0.9", "tolerance"),
        ("min_piece=0.9", "min_piece"),
        ("min_piece=-1", "min_piece"),
        ("min_piece=nan", "min_piece"),
    ],
)
def test_float_parameters_outside_a_sane_range(client, query: str, field: str) -> None:
    response = client.get(f"/api/scores?division=swv_po&against=jeugdregio&{query}")
    assert response.status_code == 422
    assert field in response.json()["detail"]


def test_compare_tolerance_outside_the_range(client) -> None:
    body = {"left": "huidig", "right": "huidig", "division": "swv_po", "tolerance": 0.2}
    response = client.post("/api/compare", json=body)
    assert response.status_code == 422 and "tolerance" in response.json()["detail"]


def test_distinct_tolerances_do_not_grow_the_cache_past_its_bytes(dataset, tmp_path) -> None:
    """Every new tolerance used to add a cache entry that was never freed; the cache is now
    bounded by bytes (here 2 MB), whatever the number of distinct values."""
    app, client = limited(dataset, tmp_path, cache_bytes=2 * 1024 * 1024)
    cache = app.state.regio.cache
    for i in range(60):
        tolerance = 0.5 + i / 200
        url = f"/api/scores?division=swv_po&against=jeugdregio&tolerance={tolerance}"
        assert client.get(url).status_code == 200
        assert cache.bytes <= 2 * 1024 * 1024
    assert len(cache) < 60 * 2  # entries were evicted, not kept


# ---------------------------------------------------------------------- oversized fields
@pytest.mark.parametrize(
    ("field", "size"),
    [("description", 1_200_000), ("note", 1_100_000), ("name_of_region", 1_050_000)],
)
def test_oversized_text_fields_are_refused(app, client, field: str, size: int) -> None:
    before = state_of(app)
    text = "x" * size
    edit = {"op": "rename", "division": "jeugdregio", "region": "JZ01", "name": "n"}
    document = {"name": "big", "description": "d", "edits": [edit]}
    if field == "description":
        document["description"] = text
    elif field == "note":
        edit["note"] = text
    else:
        edit["name"] = text
    response = post(client, document)
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_DOCUMENT_BYTES", before)


def test_a_merge_of_200000_codes_is_refused(app, client) -> None:
    before = state_of(app)
    edit = {
        "op": "merge",
        "division": "jeugdregio",
        "regions": [f"JZ{i}" for i in range(200_000)],
        "into": "JZ01",
    }
    response = post(client, {"name": "wide-merge", "description": "d", "edits": [edit]})
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_DOCUMENT_BYTES", before)


def test_membership_rows_over_the_limit(app, client, dataset) -> None:
    before = state_of(app)
    unit = str(dataset.divisions["swv_po"].units[0])
    rows = [{"unit": unit, "region": "A", "share": 1 / 6000} for _ in range(6000)]
    edit = {"op": "assign", "division": "swv_po", "membership": rows}
    response = post(client, {"name": "rows", "description": "d", "edits": [edit]})
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_MEMBERSHIP_ROWS", before)


# ---------------------------------------------------------------------- budgets
def test_time_budget_for_evaluating_a_scenario(dataset, tmp_path) -> None:
    app, client = limited(dataset, tmp_path, evaluation_seconds=1e-9)
    before = state_of(app)
    document = {"name": "slow", "description": "d", "edits": moves(dataset, 2)}
    response = post(client, document)
    assert_refused(app, response, 422, "REGIOKOMPAS_EVALUATION_SECONDS", before)


def test_map_page_over_the_page_budget_is_refused(dataset, tmp_path) -> None:
    app, client = limited(dataset, tmp_path, page_bytes=100_000)
    response = client.get("/maps/huidig", headers={"Accept": "text/html"})
    assert response.status_code == 413
    assert "REGIOKOMPAS_MAX_PAGE_BYTES" in response.text
    assert len(response.content) < 10_000  # the error page, not the map


def test_owner_quota_counts_scenarios_and_bytes() -> None:
    from api.safety.limits import LimitExceeded, check_owner_quota

    limits = Limits(scenarios_per_user=3, bytes_per_user=1000)
    check_owner_quota([100, 100], 100, limits, owner="ann")
    with pytest.raises(LimitExceeded, match="REGIOKOMPAS_MAX_SCENARIOS_PER_USER"):
        check_owner_quota([100, 100, 100], 100, limits, owner="ann")
    with pytest.raises(LimitExceeded, match="REGIOKOMPAS_MAX_BYTES_PER_USER"):
        check_owner_quota([400, 400], 300, limits, owner="ann")
    check_owner_quota([400, 400, 100], 150, limits, owner="ann", replacing=100)


def test_owner_quota_is_enforced_on_save(dataset, tmp_path) -> None:
    """A planner's third scenario (limit 2) is refused through the API and stores nothing;
    replacing one of the two still works, and another planner has their own quota."""
    app, client = limited(dataset, tmp_path, scenarios_per_user=2)
    for name in ("q1", "q2"):
        assert post(client, {"name": name, "description": "d"}).status_code == 201
    before = state_of(app)
    response = post(client, {"name": "q3", "description": "d"})
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_SCENARIOS_PER_USER", before)
    again = post(client, {"name": "q2", "description": "longer"}, replace="true")
    assert again.status_code in (200, 201), again.text
    other = writer(TestClient(app), "trudy")
    assert post(other, {"name": "t1", "description": "d"}).status_code == 201


def test_owner_byte_quota_is_enforced_on_save(dataset, tmp_path) -> None:
    app, client = limited(dataset, tmp_path, bytes_per_user=200)
    assert post(client, {"name": "b1", "description": "x" * 50}).status_code == 201
    before = state_of(app)
    response = post(client, {"name": "b2", "description": "x" * 150})
    assert_refused(app, response, 413, "REGIOKOMPAS_MAX_BYTES_PER_USER", before)


# ---------------------------------------------------------------------- rate limits
def test_writes_over_the_rate_limit_get_429(dataset, tmp_path) -> None:
    app, client = limited(dataset, tmp_path, rate_writes="3/minute")
    before = state_of(app)
    answers = [post(client, {"name": "x", "description": "d"}).status_code for _ in range(4)]
    assert answers[:3] != [429, 429, 429] and answers[3] == 429
    after = state_of(app)
    assert after["scenarios"].keys() - before["scenarios"].keys() <= {"x"}
    response = post(client, {"name": "y", "description": "d"})
    assert response.status_code == 429
    assert "REGIOKOMPAS_RATE_WRITES" in response.json()["detail"]
    assert int(response.headers["Retry-After"]) >= 1
    assert "y" not in state_of(app)["scenarios"]


def test_expensive_reads_over_the_rate_limit_get_429(dataset, tmp_path) -> None:
    app, client = limited(dataset, tmp_path, rate_reads="2/minute")
    urls = [f"/api/scores?division=swv_po&against=jeugdregio&tolerance={t}" for t in (0.9, 0.8)]
    assert [client.get(u).status_code for u in urls] == [200, 200]
    third = client.get("/api/scores?division=swv_po&against=jeugdregio&tolerance=0.7")
    assert third.status_code == 429 and "REGIOKOMPAS_RATE_READS" in third.json()["detail"]
    assert client.get(urls[0]).status_code == 200  # an answered query is a cache hit: free
    assert client.get("/api/divisions").status_code == 200  # cheap reads are not limited
    other = writer(TestClient(app, client=("10.1.2.3", 4000)), "trudy")
    assert other.get("/maps/huidig").status_code == 200  # the limit is per client (user)
    same_user = writer(TestClient(app, client=("10.9.9.9", 4000)))  # mallory elsewhere
    assert same_user.get("/maps/huidig").status_code == 429  # a signed-in user is one client


def test_rate_limits_are_settings() -> None:
    from api.safety.limits import limits_from_env

    limits = limits_from_env({"REGIOKOMPAS_RATE_WRITES": "5/second", "REGIOKOMPAS_MAX_EDITS": "7"})
    assert (limits.rate_writes, limits.edits_per_scenario) == ("5/second", 7)
    with pytest.raises(ValueError, match="REGIOKOMPAS_MAX_EDITS"):
        limits_from_env({"REGIOKOMPAS_MAX_EDITS": "many"})
    with pytest.raises(ValueError, match="REGIOKOMPAS_CACHE_BYTES"):
        limits_from_env({"REGIOKOMPAS_CACHE_BYTES": "-1"})
    assert math.isfinite(limits.evaluation_seconds)


# ---------------------------------------------------------------------- proposals
def test_one_client_cannot_hold_every_proposal_slot(app, client) -> None:
    release = __import__("threading").Event()
    jobs = app.state.regio.jobs
    blocker = jobs.submit("other", release.wait)
    try:
        first = client.post("/api/proposals", json={"name": "p-1"})
        second = client.post("/api/proposals", json={"name": "p-2"})
        assert first.status_code == 202
        assert second.status_code == 429
        assert "REGIOKOMPAS_PROPOSAL_SLOTS_PER_USER" in second.json()["detail"]
        assert client.delete(f"/api/proposals/{first.json()['job_id']}").status_code == 200
    finally:
        release.set()
    jobs.wait(blocker.id, timeout=10)
    assert "p-1" not in state_of(app)["scenarios"]
