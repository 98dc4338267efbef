"""A scenario's versions over the API: history (who, when, which edits), an older version's
document and map, the difference between two versions, and renaming (synthetic data).

The expected differences are computed here from the edits themselves (the gemeente moved and
its pupils in the dataset), not by the module under test.
"""

from __future__ import annotations

import tempfile

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from fixtures.accounts import bearer
from fixtures.synthetic import synthetic_dataset

DATASET = synthetic_dataset()


@pytest.fixture
def app():
    app = create_app(DATASET, tempfile.mkdtemp(), library_dir=None)
    yield app
    app.state.regio.store.close()


@pytest.fixture
def ann(app) -> dict[str, str]:
    return bearer(app.state.regio.store, "ann")


def _gemeente_and_other_region() -> tuple[str, str, str]:
    division = DATASET.division("swv_po")
    regions = division.assignment().astype(str)
    whole = division.membership["unit"].value_counts()
    unit = str(next(u for u in regions.index if whole[u] == 1))  # not split
    other = sorted(set(regions) - {regions[unit]})[0]
    return unit, regions[unit], other


def _doc(edits: list[dict]) -> dict:
    return {"name": "plan", "description": "a plan", "edits": edits}


def test_history_lists_every_version_with_actor_and_edits(app, ann) -> None:
    client = TestClient(app)
    unit, _, other = _gemeente_and_other_region()
    move = {"op": "move", "division": "swv_po", "unit": unit, "to": other}
    assert client.post("/api/scenarios", json=_doc([]), headers=ann).status_code == 201
    r = client.post("/api/scenarios?replace=true", json=_doc([move]), headers=ann)
    assert r.status_code == 201 and r.json()["version"] == 2
    client.put("/api/scenarios/plan/visibility", json={"visibility": "published"}, headers=ann)
    history = client.get("/api/scenarios/plan/history").json()
    assert [h["version"] for h in history] == [2, 1]  # a visibility change is no new version
    assert history[0]["actor"] == "ann" and history[0]["added"] == [move]
    assert history[1]["added"] == [] and history[1]["edits"] == 0
    summary = client.get("/api/scenarios/plan").json()
    assert summary["version"] == 2  # the number every page shows
    old = client.get("/api/scenarios/plan/versions/1").json()
    assert old["version"] == 1 and old["document"]["edits"] == []
    missing = client.get("/api/scenarios/plan/versions/7")
    assert missing.status_code == 404 and "versions 1 to 2" in missing.json()["detail"]


def test_diff_names_the_moved_gemeente_and_its_pupils(app, ann) -> None:
    client = TestClient(app)
    unit, before, other = _gemeente_and_other_region()
    move = {"op": "move", "division": "swv_po", "unit": unit, "to": other}
    client.post("/api/scenarios", json=_doc([]), headers=ann)
    client.post("/api/scenarios?replace=true", json=_doc([move]), headers=ann)
    r = client.get("/api/scenarios/plan/diff?from=1&to=2", headers=ann)
    assert r.status_code == 200, r.text
    (po,) = r.json()["divisions"]
    assert po["division"] == "swv_po" and po["gemeenten"] == 1
    (change,) = po["changes"]
    assert (change["code"], change["before"], change["after"]) == (unit, before, other)
    assert change["pupils"] == pytest.approx(float(DATASET.weight("pupils_po")[unit]), abs=1e-3)
    same = client.get("/api/scenarios/plan/diff?from=2&to=2", headers=ann).json()
    assert same["divisions"] == []
    assert client.get("/api/scenarios/plan/diff?from=1&to=9", headers=ann).status_code == 404
    assert client.get("/api/scenarios/plan/diff?from=1").status_code == 404  # private


def test_older_version_has_its_own_map(app, ann) -> None:
    client = TestClient(app)
    unit, _, other = _gemeente_and_other_region()
    move = {"op": "move", "division": "swv_po", "unit": unit, "to": other}
    client.post("/api/scenarios", json=_doc([]), headers=ann)
    client.post("/api/scenarios?replace=true", json=_doc([move]), headers=ann)
    evaluator = app.state.regio.evaluator
    now = evaluator.division("plan", "swv_po").assignment()
    then = evaluator.division("plan", "swv_po", version=1).assignment()
    assert now[unit] == other and then[unit] != other
    page = client.get("/maps/plan?division=swv_po&version=1", headers=ann)
    assert page.status_code == 200 and "versie 1" in page.text


def test_rename_is_a_new_version_and_refused_for_others(app, ann) -> None:
    client = TestClient(app)
    bob = bearer(app.state.regio.store, "bob")
    client.post("/api/scenarios", json=_doc([]), headers=ann)
    client.put("/api/scenarios/plan/visibility", json={"visibility": "published"}, headers=ann)
    refused = client.patch("/api/scenarios/plan", json={"title": "Van Bob"}, headers=bob)
    assert refused.status_code == 403
    assert client.get("/api/scenarios/plan").json()["version"] == 1
    r = client.patch(
        "/api/scenarios/plan", json={"title": "Limburg", "description": "nieuw"}, headers=ann
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["title"], body["description"], body["version"]) == ("Limburg", "nieuw", 2)
    assert client.get("/api/scenarios/plan/history").json()[0]["title"] == "Limburg"


def test_docs_declare_a_bearer_scheme(app) -> None:
    schema = TestClient(app).get("/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert {"bearer": []} in schema["security"]
    js = TestClient(app).get("/docs/static/swagger-ui-bundle.js").text
    major = js.split('PACKAGE_VERSION:"', 1)[1].split(".", 1)[0]
    assert int(major) >= 5  # Swagger UI 4 cannot read OpenAPI 3.1
