"""Keeping edits tried through a share link as your own scenario (``POST /api/shared/save-as``),
as the browser does it (session cookie, CSRF header, same origin), with every refusal checked to
change nothing. Synthetic data; the expected divisions come from the owner's own save as of the
same edits (the existing route), never from the code under test."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from api.safety.auth.credentials import new_credential
from fixtures.workspace import DATASET, workspace_app
from tests.test_pages_workspace import ORIGIN, _move, browser, store_state

NOTE = "geheime notitie van ann"


@pytest.fixture
def app(tmp_path):
    with workspace_app(tmp_path / "state") as app:
        yield app


def _second_move() -> dict:
    division = DATASET.division("swv_po")
    regions = division.assignment().astype(str)
    counts = division.membership["unit"].value_counts()
    first = _move()["unit"]
    unit = str(next(u for u in regions.index if counts[u] == 1 and u != first))
    other = sorted(set(regions) - {regions[unit]})[-1]
    return {"op": "move", "division": "swv_po", "unit": unit, "to": other}


def _shared(app, visibility: str = "private") -> tuple[str, int]:
    """ann's scenario ``plan`` on her private base ``b1`` (whose edit has a note), shared by a
    link: its token and ``plan``'s revision."""
    store = app.state.regio.store
    b1 = {**_move(), "note": NOTE}
    store.save(
        "b1", {"name": "b1", "description": "ann's base", "base": "huidig", "edits": [b1]},
        owner="ann", actor="ann",
    )  # fmt: skip
    saved = store.save(
        "plan",
        {"name": "plan", "title": "Plan van Ann", "description": "d", "base": "b1",
         "edits": [_second_move()]},
        owner="ann", actor="ann", visibility=visibility,
    )  # fmt: skip
    cred, token = new_credential("share", scenario_id="plan", label="voor bob")
    store.add_credential(cred, actor="ann")
    return token, saved.revision


def _save_as(client: TestClient, csrf: str | None, **body) -> object:
    headers = {**ORIGIN, **({"X-CSRF-Token": csrf} if csrf else {})}
    return client.post("/api/shared/save-as", json=body, headers=headers)


def _rows(client: TestClient, scenario: str) -> list[tuple[str, str, str]]:
    text = client.get(f"/api/scenarios/{scenario}/assignment.csv?division=swv_po").text
    return sorted((r["unit"], r["region"], r["share"]) for r in csv.DictReader(io.StringIO(text)))


TRY = {"op": "move", "division": "swv_po"}


def _tried() -> dict:
    """The edit tried in the shared editor: the first move undone elsewhere (a third region)."""
    move = _move()
    regions = DATASET.division("swv_po").assignment().astype(str)
    third = sorted(set(regions) - {regions[move["unit"]], move["to"]})[0]
    return {**TRY, "unit": move["unit"], "to": third}


def test_a_private_shared_scenario_is_copied_as_the_link_shows_it(app) -> None:
    token, revision = _shared(app)
    bob, csrf = browser(app, "bob")
    r = _save_as(bob, csrf, share=token, name="van-bob", base_revision=revision, edits=[_tried()])
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "van-bob" and r.json()["editor_url"].startswith("/edit/van-bob?")
    stored = bob.get("/api/scenarios/van-bob").json()
    assert stored["owner"] == "bob" and stored["visibility"] == "private"
    document = stored["document"]
    # bob may not read ann's private scenarios: the copy stands on the library's huidig, with
    # ann's edits (her base's note left out) and then bob's
    assert document["base"] == "huidig"
    assert document["edits"] == [_move(), _second_move(), _tried()]
    assert NOTE not in str(stored)
    assert bob.get("/api/scenarios/plan").status_code == 404  # still hidden from bob
    # the same divisions as ann's own save as of plan + the tried edit
    ann, ann_csrf = browser(app, "ann")
    own = ann.post(
        "/api/scenarios/plan/save-as",
        json={"name": "ann-check", "base_revision": revision, "edits": [_tried()]},
        headers={**ORIGIN, "X-CSRF-Token": ann_csrf},
    )
    assert own.status_code == 201, own.text
    assert _rows(bob, "van-bob") == _rows(ann, "ann-check")
    assert bob.get("/api/scenarios/van-bob/verdict").status_code == 200


def test_a_published_shared_scenario_stays_the_base(app) -> None:
    store = app.state.regio.store
    token, revision = _shared(app, visibility="published")
    store.set_visibility("b1", "published", actor="ann")
    bob, csrf = browser(app, "bob")
    r = _save_as(bob, csrf, share=token, name="van-bob", base_revision=revision, edits=[_tried()])
    assert r.status_code == 201, r.text
    document = bob.get("/api/scenarios/van-bob").json()["document"]
    assert document["base"] == "plan" and document["edits"] == [_tried()]


def test_a_published_scenario_on_a_private_base_of_its_owner_stays_the_base(app) -> None:
    """Publishing shares the owner's own bases with it (issue 16, F8): bob reads plan's whole
    chain as himself, so the copy builds on plan."""
    token, revision = _shared(app, visibility="published")  # b1 stays private
    bob, csrf = browser(app, "bob")
    r = _save_as(bob, csrf, share=token, name="van-bob", base_revision=revision, edits=[_tried()])
    assert r.status_code == 201, r.text
    document = bob.get("/api/scenarios/van-bob").json()["document"]
    assert document["base"] == "plan" and document["edits"] == [_tried()]
    assert bob.get("/api/scenarios/b1").status_code == 404  # b1 itself stays hidden


def test_refusals_change_nothing(app) -> None:
    token, revision = _shared(app)
    bob, csrf = browser(app, "bob")
    good = {"share": token, "name": "van-bob", "base_revision": revision, "edits": [_tried()]}
    before = store_state(app)
    cases = [
        ("anonymous", TestClient(app), None, good, 401),
        ("no CSRF token", bob, None, good, 403),
        ("wrong CSRF token", bob, "x" * 20, good, 403),
        ("mistyped link", bob, csrf, {**good, "share": token[:-2] + "xx"}, 404),
        ("not a link", bob, csrf, {**good, "share": "nonsense"}, 404),
        ("changed since", bob, csrf, {**good, "base_revision": revision - 1}, 409),
        ("name taken", bob, csrf, {**good, "name": "b1"}, 409),
        ("bad edit", bob, csrf, {**good, "edits": [{**TRY, "unit": "GM9999", "to": "x"}]}, 422),
        ("no edits", bob, csrf, {**good, "edits": []}, 422),
    ]
    for what, client, token_, body, status in cases:
        r = _save_as(client, token_, **body)
        assert r.status_code == status, (what, r.status_code, r.text)
        assert store_state(app) == before, what
    # without the link, ann's private scenario is not there for bob (the save as of the editor)
    r = bob.post(
        "/api/scenarios/plan/save-as",
        json={"name": "van-bob", "base_revision": revision, "edits": [_tried()]},
        headers={**ORIGIN, "X-CSRF-Token": csrf},
    )
    assert r.status_code == 404 and store_state(app) == before
    # another site's page cannot post it with bob's cookie
    r = bob.post(
        "/api/shared/save-as", json=good,
        headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf},
    )  # fmt: skip
    assert r.status_code == 403 and store_state(app) == before
    # the link alone (no user) may read, never store
    r = TestClient(app).post(f"/api/shared/save-as?share={token}", json=good, headers=ORIGIN)
    assert r.status_code == 401 and store_state(app) == before
    # a revoked link stores nothing
    store = app.state.regio.store
    share_id = token.split(".")[0]
    assert store.remove_credential("share", share_id, actor="ann")
    before = store_state(app)
    r = _save_as(bob, csrf, **good)
    assert r.status_code == 404 and "not valid" in r.json()["detail"]
    assert store_state(app) == before


@pytest.mark.parametrize("who", ["bob", "ann"])
def test_the_editor_of_a_share_link_offers_save_as_to_a_signed_in_user(app, who: str) -> None:
    token, _ = _shared(app)
    client, csrf = browser(app, who)
    page = client.get(f"/edit/plan?division=swv_po&share={token}")
    assert page.status_code == 200
    assert 'data-can-save-as="true"' in page.text and f'content="{csrf}"' in page.text
    assert 'data-can-save="false"' in page.text  # the link never changes ann's scenario
    anonymous = TestClient(app).get(f"/edit/plan?division=swv_po&share={token}")
    assert 'data-can-save-as="false"' in anonymous.text
    assert "/login?next=" in anonymous.text  # sign in, and come back to this editor


# ------------------------------------------------------------------ shared with me
def _open(client: TestClient, token: str) -> None:
    assert client.get(f"/share/{token}").status_code == 200


def _listed(client: TestClient) -> list[str]:
    return [e["scenario_id"] for e in client.get("/api/shared").json()]


def test_shared_with_me_is_kept_by_the_server(app) -> None:
    store = app.state.regio.store
    token, _ = _shared(app)
    bob, csrf = browser(app, "bob")
    assert _listed(bob) == []
    _open(TestClient(app), token)  # signed out: nothing is kept on the server
    assert store.shared_with("bob") == []
    _open(bob, token)
    _open(bob, token)  # once per link
    entries = bob.get("/api/shared").json()
    assert [(e["scenario_id"], e["title"], e["label"]) for e in entries] == [
        ("plan", "Plan van Ann", "voor bob")
    ]
    assert entries[0]["url"] == f"/share/{token}"
    home = bob.get("/").text
    section = home[
        home.index('id="group-shared"') : home.index("</section>", home.index('id="group-shared"'))
    ]
    assert "Plan van Ann" in section and f'href="/share/{token}"' in section
    assert " hidden" not in section.split(">", 1)[0]
    # the owner opening her own link does not list it; another user's list stays apart
    ann, _ = browser(app, "ann")
    _open(ann, token)
    assert _listed(ann) == [] and _listed(bob) == ["plan"]
    # a revoked link disappears from every list
    share_id = entries[0]["share_id"]
    assert store.remove_credential("share", share_id, actor="ann")
    assert _listed(bob) == []
    assert "Plan van Ann" not in bob.get("/").text


def test_removing_an_entry_from_the_list(app) -> None:
    token, _ = _shared(app)
    bob, csrf = browser(app, "bob")
    _open(bob, token)
    share_id = token.split(".")[0]
    before = store_state(app)
    refused = [
        (TestClient(app).post(f"/shared/{share_id}/remove", data={"csrf_token": csrf},
                              headers=ORIGIN, follow_redirects=False), 401),
        (bob.post(f"/shared/{share_id}/remove", headers=ORIGIN, follow_redirects=False), 403),
        (bob.post("/shared/0123456789ab/remove", data={"csrf_token": csrf}, headers=ORIGIN,
                  follow_redirects=False), 404),
        (bob.delete(f"/api/shared/{share_id}", headers=ORIGIN), 403),  # no CSRF header
    ]  # fmt: skip
    for r, status in refused:
        assert r.status_code == status, r.text
        assert store_state(app) == before and _listed(bob) == ["plan"]
    ann, ann_csrf = browser(app, "ann")  # ann cannot remove bob's entry
    r = ann.delete(f"/api/shared/{share_id}", headers={**ORIGIN, "X-CSRF-Token": ann_csrf})
    assert r.status_code == 404 and _listed(bob) == ["plan"]
    r = bob.post(
        f"/shared/{share_id}/remove", data={"csrf_token": csrf}, headers=ORIGIN,
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/#group-shared"
    assert _listed(bob) == []
    assert bob.get(f"/share/{token}").status_code == 200  # the link itself still works
    assert _listed(bob) == ["plan"]  # and opening it again brings it back
    r = bob.delete(f"/api/shared/{share_id}", headers={**ORIGIN, "X-CSRF-Token": csrf})
    assert r.status_code == 204 and _listed(bob) == []


def test_deleting_the_scenario_or_the_user_drops_the_entries(app) -> None:
    store = app.state.regio.store
    token, _ = _shared(app)
    bob, _ = browser(app, "bob")
    _open(bob, token)
    assert len(store.shared_with("bob")) == 1
    store.delete("plan", actor="ann")
    assert store.shared_with("bob") == []
    rows = store._reader().execute("SELECT COUNT(*) FROM shared_with").fetchone()[0]
    assert rows == 0
    token2, _ = _shared_again(app)
    _open(bob, token2)
    store.remove_user("bob", actor="root")
    assert store._reader().execute("SELECT COUNT(*) FROM shared_with").fetchone()[0] == 0


def _shared_again(app) -> tuple[str, int]:
    store = app.state.regio.store
    saved = store.save(
        "plan2", {"name": "plan2", "description": "d", "base": "huidig", "edits": []},
        owner="ann", actor="ann",
    )  # fmt: skip
    cred, token = new_credential("share", scenario_id="plan2")
    store.add_credential(cred, actor="ann")
    return token, saved.revision
