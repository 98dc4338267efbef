"""Tests of api.routers.scores on the real data: the same object as ``regio score --json``."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from geo.overlap import score
from geo.scenarios import apply_scenario, load_scenario
from regio import app as cli


@pytest.fixture(scope="module")
def client(dataset, tmp_path_factory: pytest.TempPathFactory, sign_in) -> TestClient:
    return sign_in(TestClient(create_app(dataset, tmp_path_factory.mktemp("state"))))


def engine(dataset, scenario: str | None, division: str, against: str, weight: str, **kw):
    divisions = (
        dataset.divisions if scenario is None else apply_scenario(load_scenario(scenario), dataset)
    )
    result = score(
        divisions[division], divisions[against], dataset.weight(weight), weight_name=weight, **kw
    )
    return json.loads(json.dumps(result.to_dict()))


@pytest.mark.integration
@pytest.mark.parametrize(
    ("scenario", "division", "against", "weight"),
    [
        (None, "swv_po", "jeugdregio", "area"),
        ("huidig", "swv_vo", "jeugdregio", "pupils_vo"),
        ("swv_binnen_jeugdregio", "swv_po", "jeugdregio", "pupils_po"),
        ("po_vo_samen", "swv_po", "swv_vo", "inhabitants"),
    ],
)
def test_scores_equal_the_engine(client, dataset, scenario, division, against, weight) -> None:
    params = {"division": division, "against": against, "weight": weight}
    if scenario:
        params["scenario"] = scenario
    r = client.get("/api/scores", params=params)
    assert r.status_code == 200
    assert r.json() == engine(dataset, scenario, division, against, weight)
    assert client.get("/api/scores", params=params).content == r.content  # cached, identical


@pytest.mark.integration
def test_scores_equal_the_cli_json(client: TestClient, data_dir) -> None:
    result = CliRunner().invoke(
        cli,
        ["score", "huidig", "-d", "swv_po", "-a", "jeugdregio", "-w", "area", "--json"],
        env={"REGIOKOMPAS_DATA": str(data_dir)},
    )
    assert result.exit_code == 0, result.output
    api = client.get("/api/scores?division=swv_po&against=jeugdregio&weight=area&scenario=huidig")
    assert api.json() == json.loads(result.stdout)


@pytest.mark.integration
def test_domain_facts(client: TestClient) -> None:
    cut = client.get("/api/scores?scenario=swv_binnen_jeugdregio&weight=pupils_po").json()
    # every cut SWV lies in one jeugdregio (1 up to rounding of the float sums)
    assert cut["summary"]["nested_share"] == pytest.approx(1.0, abs=1e-12)
    now = client.get("/api/scores?weight=pupils_po").json()
    assert now["summary"]["nested_share"] < 1.0
    assert now["summary"]["regions"] == 76 and now["summary"]["reverse_regions"] == 42


@pytest.mark.integration
def test_tolerance_and_min_piece_reach_the_engine(client: TestClient, dataset) -> None:
    r = client.get("/api/scores?weight=inhabitants&tolerance=0.9&min_piece=0.05")
    assert r.json() == engine(
        dataset, None, "swv_po", "jeugdregio", "inhabitants", tolerance=0.9, min_piece=0.05
    )
    assert r.json()["summary"]["tolerance"] == 0.9


@pytest.mark.integration
@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("division=swv_xx", 404, "unknown division 'swv_xx'"),
        ("against=gemeente&scenario=huidig", 404, "unknown division 'gemeente' in scenario"),
        ("scenario=bestaat-niet", 404, "unknown scenario 'bestaat-niet'"),
        ("weight=kilo", 422, "query.weight"),
        ("tolerance=0", 422, "query.tolerance"),
        ("min_piece=-1", 422, "query.min_piece"),
        ("scenario=../../x", 422, "query.scenario"),
    ],
)
def test_bad_queries(client: TestClient, query: str, status: int, message: str) -> None:
    r = client.get(f"/api/scores?{query}")
    assert r.status_code == status
    assert message in r.json()["detail"]


# ---------------------------------------------------------------------- repeat cache (synthetic)
def merge(regions: list[str]) -> dict:
    return {
        "name": "plan",
        "description": "merge",
        "edits": [
            {"op": "merge", "division": "jeugdregio", "regions": regions, "into": regions[0]}
        ],
    }


def test_repeated_queries_are_never_stale(tmp_path, sign_in) -> None:
    from api.routers.scores import repeat_cache
    from fixtures.synthetic import synthetic_dataset

    ds = synthetic_dataset()
    app = create_app(ds, tmp_path, library_dir=None)
    owner, anonymous = sign_in(TestClient(app), "ann"), TestClient(app)
    query = "/api/scores?scenario=plan&division=swv_vo&against=jeugdregio&weight=pupils"
    assert anonymous.get(query).status_code == 404  # errors are not remembered
    assert len(repeat_cache(app.state.regio)) == 0

    owner.post("/api/scenarios", json=merge(["B0_0", "B0_1"]))
    assert owner.get(query).status_code == 200
    assert len(repeat_cache(app.state.regio)) == 0  # private: never answered by the middleware
    assert anonymous.get(query).status_code == 404
    owner.put("/api/scenarios/plan/visibility", json={"visibility": "published"})
    first = anonymous.get(query)
    assert first.status_code == 200
    assert len(repeat_cache(app.state.regio)) == 1
    again = anonymous.get(query)
    assert again.content == first.content
    assert again.headers["content-type"] == "application/json"
    assert int(again.headers["content-length"]) == len(first.content)

    owner.post("/api/scenarios?replace=true", json=merge(["B0_0", "B0_1", "B1_0"]))
    changed = anonymous.get(query)
    assert changed.status_code == 200 and changed.content != first.content
    assert changed.json()["reverse_regions"] == engine_regions(ds, ["B0_0", "B0_1", "B1_0"])

    owner.put("/api/scenarios/plan/visibility", json={"visibility": "private"})
    hidden = anonymous.get(query)  # the remembered answer is for an older revision
    assert (hidden.status_code, hidden.json()) == (404, {"detail": "unknown scenario 'plan'"})
    bad_token = anonymous.get(query, headers={"Authorization": "Bearer rk_nope"})
    assert bad_token.status_code == 401

    owner.delete("/api/scenarios/plan")
    gone = owner.get(query)
    assert (gone.status_code, gone.json()) == (404, {"detail": "unknown scenario 'plan'"})


def engine_regions(ds, regions: list[str]) -> list[dict]:
    from geo.scenarios import ScenarioDoc

    doc = ScenarioDoc.model_validate(merge(regions))
    divisions = apply_scenario(doc, ds)
    result = score(
        divisions["swv_vo"], divisions["jeugdregio"], ds.weight("pupils"), weight_name="pupils"
    )
    return json.loads(json.dumps(result.to_dict()))["reverse_regions"]
