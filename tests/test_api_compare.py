"""Tests of api.routers.compare on the real data: a row per scenario, equal to its score."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app


@pytest.fixture(scope="module")
def client(dataset, tmp_path_factory: pytest.TempPathFactory, sign_in) -> TestClient:
    return sign_in(TestClient(create_app(dataset, tmp_path_factory.mktemp("state"))))


@pytest.mark.integration
def test_rows_equal_the_score_summaries(client: TestClient) -> None:
    scenarios = ["huidig", "swv_binnen_jeugdregio", "po_vo_samen", "jeugdregio_41"]
    body = {
        "scenarios": scenarios,
        "division": "swv_vo",
        "against": "jeugdregio",
        "weight": "pupils_vo",
    }
    r = client.post("/api/compare", json=body)
    assert r.status_code == 200
    out = r.json()
    assert [row["scenario"] for row in out["rows"]] == scenarios
    for row in out["rows"]:
        single = client.get(
            "/api/scores",
            params={
                "scenario": row["scenario"],
                "division": "swv_vo",
                "against": "jeugdregio",
                "weight": "pupils_vo",
            },
        ).json()
        assert row["metrics"] == single["summary"]
    assert out["columns"] == list(out["rows"][0]["metrics"])
    assert {"congruence", "nested_share", "ari"} <= set(out["columns"])


@pytest.mark.integration
@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"scenarios": ["huidig", "weg"]}, 404, "unknown scenario 'weg'"),
        ({"scenarios": []}, 422, "body.scenarios: List should have at least 1 item"),
        ({"scenarios": ["huidig"], "division": "x y"}, 422, "body.division"),
        ({"scenarios": ["huidig"], "against": "nope"}, 404, "unknown division 'nope'"),
        ({"scenarios": ["huidig"], "extra": 1}, 422, "body.extra: Extra inputs"),
    ],
)
def test_bad_compare_requests(client: TestClient, body: dict, status: int, message: str) -> None:
    r = client.post("/api/compare", json=body)
    assert r.status_code == status
    assert message in r.json()["detail"]
