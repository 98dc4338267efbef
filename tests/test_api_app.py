"""Tests of api.app: the factory, JSON errors everywhere, the request size limit."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app, upload_limit_from_env
from api.safety.auth.accounts import AuditEntry, User
from api.safety.auth.credentials import Credential
from api.safety.auth.policy import POLICY, PUBLIC
from api.storage.store import (
    ScenarioExists,
    ScenarioInUse,
    ScenarioNotFound,
    ScenarioStore,
    StoredScenario,
    check_scenario_id,
    document_sha256,
)
from fixtures.synthetic import synthetic_dataset

ISSUE_PATHS = {
    "/api/divisions",
    "/api/divisions/{name}",
    "/api/divisions/{name}.geojson",
    "/api/units",
    "/api/units/{code}",
    "/api/scores",
    "/api/scenarios",
    "/api/scenarios/{scenario_id}",
    "/api/scenarios/{scenario_id}/assignment.csv",
    "/api/scenarios/import",
    "/api/compare",
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, sign_in) -> TestClient:
    app = create_app(synthetic_dataset(), tmp_path_factory.mktemp("state"), upload_limit=2_000)
    return sign_in(TestClient(app, raise_server_exceptions=False))


def test_openapi_lists_every_endpoint_of_the_issue(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert ISSUE_PATHS <= set(schema["paths"])
    assert set(schema["paths"]["/api/scenarios/{scenario_id}"]) == {"get", "delete", "patch"}


def test_unknown_route_and_method_are_json(client: TestClient) -> None:
    r = client.get("/api/nothing")
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
    r = client.put("/api/scores")
    assert r.status_code == 405 and r.json() == {"detail": "Method Not Allowed"}


def test_validation_errors_are_one_message_naming_the_field(client: TestClient) -> None:
    r = client.get("/api/scores", params={"weight": "gewicht", "tolerance": "2"})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert isinstance(detail, str)
    assert "query.weight: Input should be 'area'" in detail
    assert "query.tolerance: Input should be less than or equal to 1" in detail


def test_bad_json_body_names_the_position(client: TestClient) -> None:
    r = client.post(
        "/api/compare", content=b'{"scenarios": [', headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    assert r.json()["detail"].startswith("body[15]: JSON decode error")


def test_oversized_body_gets_413_before_it_is_read(client: TestClient) -> None:
    before = client.get("/api/scenarios").json()
    body = b'{"name": "big", "description": "' + b"x" * 5_000 + b'", "edits": []}'
    r = client.post("/api/scenarios", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert (
        r.json()["detail"] == f"request body of {len(body)} bytes exceeds the limit of 2000 bytes"
    )
    assert client.get("/api/scenarios").json() == before


def test_oversized_chunked_body_gets_413_while_streaming(client: TestClient) -> None:
    before = client.get("/api/scenarios").json()
    read: list[int] = []

    def chunks():
        for i in range(100):
            read.append(i)
            yield b"x" * 1_000

    r = client.post(
        "/api/scenarios", content=chunks(), headers={"content-type": "application/json"}
    )
    assert r.status_code == 413
    assert r.json()["detail"] == "request body exceeds the limit of 2000 bytes"
    assert client.get("/api/scenarios").json() == before


def test_unexpected_errors_are_json_500(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app(synthetic_dataset(), tmp_path, library_dir=None)
    monkeypatch.setitem(POLICY, ("GET", "/boom"), PUBLIC)  # a new route needs its policy entry

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    assert r.json() == {"detail": "internal error (RuntimeError); see the server log"}


def test_upload_limit_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGIOKOMPAS_UPLOAD_LIMIT", "1234")
    assert upload_limit_from_env() == 1234
    monkeypatch.delenv("REGIOKOMPAS_UPLOAD_LIMIT")
    assert upload_limit_from_env() == 5 * 1024 * 1024


def test_library_is_seeded_in_a_new_state_dir(tmp_path: Path) -> None:
    client = TestClient(create_app(synthetic_dataset(), tmp_path / "new"))
    ids = {s["id"]: s["source"] for s in client.get("/api/scenarios").json()}
    assert ids["huidig"] == "library" and "swv_binnen_jeugdregio" in ids
    assert (tmp_path / "new" / "scenarios.sqlite3").is_file()


def test_dataset_is_loaded_lazily_from_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded: list[object] = []
    ds = synthetic_dataset()

    def fake_load(data: object = None) -> object:
        loaded.append(data)
        return ds

    monkeypatch.setattr("geo.data.store.load_dataset", fake_load)
    app = create_app(None, tmp_path, data="/some/dir", library_dir=None)
    assert loaded == []
    with TestClient(app) as client:  # the lifespan loads it before the first request
        assert loaded == ["/some/dir"]
        assert client.get("/api/divisions/jeugdregio").json()["name"] == "jeugdregio"
    assert loaded == ["/some/dir"]


class MemoryStore(ScenarioStore):
    """Another backend: dicts. Shows that the API needs nothing beyond ScenarioStore."""

    def __init__(self) -> None:
        self.rows: dict[str, StoredScenario] = {}
        self.revisions = 0
        self.users: dict[str, User] = {}
        self.creds: dict[tuple[str, str], Credential] = {}
        self.log: list[AuditEntry] = []

    def list(self) -> list[StoredScenario]:
        return [self.rows[k] for k in sorted(self.rows)]

    def get(self, scenario_id: str) -> StoredScenario:
        check_scenario_id(scenario_id)
        if scenario_id not in self.rows:
            raise ScenarioNotFound(f"unknown scenario {scenario_id!r}")
        return self.rows[scenario_id]

    def revision(self, scenario_id: str) -> int:
        return self.get(scenario_id).revision

    def save(
        self, scenario_id, document, *, source="user", replace=False, owner=None,
        visibility=None, actor="system", expected_revision=None, checks=None,
    ) -> StoredScenario:  # fmt: skip
        check_scenario_id(scenario_id)
        old = self.rows.get(scenario_id)
        if old is not None and not replace:
            raise ScenarioExists(f"scenario {scenario_id!r} exists already")
        if old is not None and checks is not None and checks.replace is not None:
            checks.replace(scenario_id, old.owner, old.visibility)
        self.revisions += 1
        row = StoredScenario(
            scenario_id, dict(document), 1 if old is None else old.version + 1, self.revisions,
            source, document_sha256(document), "now", "now",
            old.owner if old else owner,
            visibility or (old.visibility if old else "private"),
        )  # fmt: skip
        self.rows[scenario_id] = row
        self.audit(actor, "scenario.save", scenario_id, revision=row.revision)
        return row

    def delete(self, scenario_id: str, *, actor: str = "system", blocks=None) -> StoredScenario:
        row = self.get(scenario_id)
        if any(s.base == scenario_id for s in self.rows.values()):
            raise ScenarioInUse(f"scenario {scenario_id!r} is a base")
        del self.rows[scenario_id]
        self.audit(actor, "scenario.delete", scenario_id)
        return row

    def set_visibility(self, scenario_id, visibility, *, actor="system") -> StoredScenario:
        self.revisions += 1
        row = dataclasses.replace(
            self.get(scenario_id), visibility=visibility, revision=self.revisions
        )
        self.rows[scenario_id] = row
        return row

    def verify(self) -> list[str]:
        return []

    def add_user(self, user, *, replace=False, actor="system") -> None:
        self.users[user.name] = user

    def get_user(self, name):
        return self.users.get(name)

    def list_users(self):
        return [self.users[k] for k in sorted(self.users)]

    def remove_user(self, name, *, actor="system") -> None:
        del self.users[name]

    def add_credential(self, cred, *, actor="system") -> None:
        self.creds[(cred.kind, cred.id)] = cred

    def get_credential(self, kind, cred_id):
        return self.creds.get((kind, cred_id))

    def list_credentials(self, kind, *, user=None, scenario_id=None):
        return [
            c
            for (k, _), c in self.creds.items()
            if k == kind and user in (None, c.user) and scenario_id in (None, c.scenario_id)
        ]

    def remove_credential(self, kind, cred_id, *, actor="system") -> bool:
        return self.creds.pop((kind, cred_id), None) is not None

    def audit(self, actor, action, target, *, revision=None, detail="") -> None:
        entry = AuditEntry(len(self.log) + 1, "now", actor, action, target, revision, detail)
        self.log.append(entry)

    def audit_log(self, limit=100):
        return self.log[::-1][:limit]


def test_another_store_backend_plugs_in(sign_in) -> None:
    store = MemoryStore()
    client = sign_in(TestClient(create_app(synthetic_dataset(), store=store)))
    doc = {
        "name": "plan",
        "description": "merge",
        "edits": [{"op": "merge", "division": "jeugdregio", "regions": ["B0_0", "B0_1"],
                   "into": "B0_0"}],
    }  # fmt: skip
    assert client.post("/api/scenarios", json=doc).status_code == 201
    assert store.get("plan").document == doc
    assert client.get("/api/scenarios/plan").json()["document"] == doc
    score = client.get("/api/scores?scenario=plan&against=jeugdregio").json()
    assert score["summary"]["reverse_regions"] == 11
    assert client.post("/api/scenarios", json=doc).status_code == 409
    assert client.delete("/api/scenarios/plan").status_code == 200 and store.rows == {}


def test_html_pages_are_gzipped_api_json_is_not(client: TestClient) -> None:
    page = client.get(
        "/maps/huidig?division=swv_po&against=jeugdregio&weight=area",
        headers={"accept-encoding": "gzip"},
    )
    assert page.status_code == 200 and page.headers["content-encoding"] == "gzip"
    assert int(page.headers["content-length"]) < len(page.content) / 3
    assert "leaflet" in page.text.lower()
    scores = client.get(
        "/api/scores?division=swv_po&against=jeugdregio&weight=area&scenario=huidig",
        headers={"accept-encoding": "gzip"},
    )
    assert scores.status_code == 200 and "content-encoding" not in scores.headers
