"""The planner's pages without the API: scenario page, its forms (with the session's CSRF
token, as a browser posts them), history and differences, share page, home groups, compare.

Synthetic data. Expected values come from the API's own JSON or from the edits made here,
never from the page code under test.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from fixtures.workspace import DATASET, workspace_app

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def app(tmp_path):
    with workspace_app(tmp_path / "state") as app:
        yield app


def browser(app, name: str = "ann") -> tuple[TestClient, str]:
    """A client signed in through the form, and its session's CSRF token."""
    client = TestClient(app)
    form = client.get("/login")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"name": name, "password": f"{name}'s long password", "csrf_token": token},
        headers=ORIGIN,
        follow_redirects=False,
    )
    assert r.status_code == 303
    return client, client.get("/api/me").json()["csrf_token"]


def post(client: TestClient, url: str, csrf: str, **data: str):
    return client.post(
        url, data={**data, "csrf_token": csrf}, headers=ORIGIN, follow_redirects=False
    )


def store_state(app) -> tuple:
    store = app.state.regio.store
    return [(s.id, s.revision) for s in store.list()], len(store.audit_log(10_000))


def _move() -> dict:
    division = DATASET.division("swv_po")
    regions = division.assignment().astype(str)
    counts = division.membership["unit"].value_counts()
    unit = str(next(u for u in regions.index if counts[u] == 1))
    other = sorted(set(regions) - {regions[unit]})[0]
    return {"op": "move", "division": "swv_po", "unit": unit, "to": other}


def test_new_scenario_form_and_its_page(app) -> None:
    client, csrf = browser(app)
    r = post(client, "/scenarios/new", csrf, base="huidig", title="Plan Limburg", description="d")
    assert r.status_code == 303 and r.headers["location"] == "/scenarios/plan-limburg"
    page = client.get("/scenarios/plan-limburg").text
    assert "Plan Limburg" in page and 'href="/scenarios/huidig"' in page
    api = client.get("/api/scenarios/plan-limburg/verdict").json()
    for check in api["checks"]:  # every check of the verdict is on the page, with its outcome
        row = page.split(f'id="check-{check["name"]}"')[1].split("</tr>")[0]
        word = {None: "gemeld", True: "voldoet", False: "voldoet niet"}[check["passed"]]
        assert f"{word}</span>" in row
    assert 'id="revision">1<' in page
    stored = client.get("/api/scenarios/plan-limburg").json()
    assert (stored["owner"], stored["visibility"], stored["document"]["base"]) == (
        "ann", "private", "huidig"
    )  # fmt: skip


def test_forms_need_the_csrf_token_and_refusals_change_nothing(app) -> None:
    client, csrf = browser(app)
    post(client, "/scenarios/new", csrf, base="huidig", title="Plan")
    before = store_state(app)
    for url, data in (
        ("/scenarios/plan/visibility", {"visibility": "published"}),
        ("/scenarios/plan/delete", {"confirm": "plan"}),
        ("/scenarios/new", {"base": "huidig", "title": "Ander plan"}),
    ):
        r = client.post(url, data=data, headers=ORIGIN, follow_redirects=False)
        assert r.status_code == 403 and "CSRF" in r.text
        assert store_state(app) == before
    bob, bob_csrf = browser(app, "bob")
    before = store_state(app)  # bob's sign-in is in the audit log
    r = post(bob, "/scenarios/plan/about", bob_csrf, title="Van Bob")
    assert r.status_code == 404  # private: bob does not see it
    assert store_state(app) == before
    wrong = post(client, "/scenarios/plan/delete", csrf, confirm="plan-b")
    assert wrong.status_code == 422 and "nothing was deleted" in wrong.text
    assert store_state(app) == before


def test_publish_share_revoke_and_the_shared_page(app) -> None:
    client, csrf = browser(app)
    post(client, "/scenarios/new", csrf, base="huidig", title="Plan")
    assert (
        post(client, "/scenarios/plan/visibility", csrf, visibility="published").status_code == 303
    )
    assert client.get("/api/scenarios/plan").json()["visibility"] == "published"
    post(client, "/scenarios/plan/visibility", csrf, visibility="private")
    page = post(client, "/scenarios/plan/shares", csrf, label="raad").text
    url = re.search(r'id="new-share-url"[^>]*value="http://testserver(/share/[^"]+)"', page)[1]
    token = url.rsplit("/", 1)[1]
    anonymous = TestClient(app)
    shared = anonymous.get(url)
    assert shared.status_code == 200 and 'id="scorecard"' in shared.text
    links = re.findall(r'href="([^"]+)"', shared.text.replace("&amp;", "&"))
    inside = [
        link for link in links
        if link.startswith(("/maps/", "/edit/", "/api/", "/compare")) and "docs" not in link
    ]  # fmt: skip
    assert inside and all(f"share={token}" in link for link in inside), inside
    for link in inside:  # every link works for the holder of the link, signed out
        assert anonymous.get(link).status_code == 200, link
    shares = client.get("/api/scenarios/plan/shares").json()
    assert [s["label"] for s in shares] == ["raad"]
    r = post(client, f"/scenarios/plan/shares/{shares[0]['id']}/revoke", csrf)
    assert r.status_code == 303
    assert anonymous.get(url).status_code == 404


def test_history_older_revision_and_difference(app) -> None:
    client, csrf = browser(app)
    post(client, "/scenarios/new", csrf, base="huidig", title="Plan")
    move = _move()
    document = client.get("/api/scenarios/plan").json()["document"]
    headers = {"X-CSRF-Token": csrf, **ORIGIN}
    r = client.post(
        "/api/scenarios?replace=true", json={**document, "edits": [move]}, headers=headers
    )
    assert r.status_code == 201, r.text
    page = client.get("/scenarios/plan").text
    assert 'id="revision-2"' in page and 'id="revision-1"' in page
    name = str(DATASET.units.loc[move["unit"], "name"])
    assert f"{name} verhuist naar {move['to']}" in page.split('id="revision-2"')[1]
    old = client.get("/scenarios/plan?version=1").text
    assert 'id="old-version"' in old and "version=1" in old.replace("&amp;", "&")
    diff = client.get("/scenarios/plan?from=1&to=2").text
    section = diff.split('id="verschil"')[1]
    pupils = float(DATASET.weight("pupils_po")[move["unit"]])
    assert "1 gemeente wisselt van regio" in section
    assert f"{pupils:,.0f}".replace(",", ".") in section


def test_delete_is_refused_while_own_scenarios_build_on_it(app) -> None:
    client, csrf = browser(app)
    post(client, "/scenarios/new", csrf, base="huidig", title="Basis")
    post(client, "/scenarios/new", csrf, base="basis", title="Erop")
    page = client.get("/scenarios/basis").text
    assert 'id="delete-blocked"' in page and 'href="/scenarios/erop"' in page
    before = store_state(app)
    r = post(client, "/scenarios/basis/delete", csrf, confirm="basis")
    assert r.status_code == 409 and "erop" in r.text
    assert store_state(app) == before
    assert post(client, "/scenarios/erop/delete", csrf, confirm="erop").status_code == 303
    assert post(client, "/scenarios/basis/delete", csrf, confirm="basis").status_code == 303
    assert client.get("/api/scenarios/basis").status_code == 404


def test_home_groups_and_compare(app) -> None:
    client, csrf = browser(app)
    post(client, "/scenarios/new", csrf, base="huidig", title="Plan")
    home = client.get("/").text
    assert home.index('id="group-library"') < home.index('id="scenario-huidig"')
    assert home.index('id="group-mine"') < home.index('id="scenario-plan"')
    assert 'action="/scenarios/new"' in home and 'id="scenario-search"' in home
    move = _move()
    document = client.get("/api/scenarios/plan").json()["document"]
    client.post(
        "/api/scenarios?replace=true", json={**document, "edits": [move]},
        headers={"X-CSRF-Token": csrf, **ORIGIN},
    )  # fmt: skip
    page = client.get(
        "/compare?left=huidig&left_division=swv_po&right=plan&right_division=swv_po"
    ).text
    assert 'id="compare-scorecard"' in page
    assert "1 gemeente ligt rechts in een andere regio dan links" in page
    table = page.split('id="difference-table"')[1]
    assert move["unit"] in table and move["to"] in table
    difference_map = client.get(
        "/compare/map?left=huidig&left_division=swv_po&right=plan&right_division=swv_po"
    )
    assert difference_map.status_code == 200 and "leerlingen betrokken" in difference_map.text
    assert "pupils concerned" not in difference_map.text  # the legend speaks Dutch too


def test_geopackage_export_has_every_region(app, tmp_path) -> None:
    import geopandas as gpd

    client, csrf = browser(app)
    post(client, "/scenarios/new", csrf, base="huidig", title="Plan")
    page = client.get("/scenarios/plan").text.replace("&amp;", "&")
    assert "/api/divisions/swv_po.gpkg?scenario=plan" in page
    r = client.get("/api/divisions/swv_po.gpkg?scenario=plan")
    assert r.status_code == 200 and r.content.startswith(b"SQLite format 3")
    path = tmp_path / "x.gpkg"
    path.write_bytes(r.content)
    frame = gpd.read_file(path, layer="regions")
    regions = client.get("/api/divisions/swv_po?scenario=plan").json()["regions"]
    assert sorted(frame["code"]) == sorted(x["code"] for x in regions if x["units"])
    assert frame.crs.to_epsg() == 28992


def test_proposal_form_names_each_jeugdregio_division_once(app) -> None:
    """The base select: a scenario's title with its id, or the id alone (not "id (id)")."""
    store = app.state.regio.store
    merge = {"op": "merge", "division": "jeugdregio", "regions": ["B0_0", "B0_1"], "into": "B0_0"}
    store.save("jr", {"name": "jr", "edits": [merge]}, owner="ann", actor="ann")
    store.save(
        "jr2", {"name": "jr2", "title": "Twee samen", "edits": [merge]}, owner="ann", actor="ann"
    )
    client, _ = browser(app)
    page = client.get("/proposals/new")
    assert page.status_code == 200
    select = page.text.split('id="proposal-base"')[1].split("</select>")[0]
    options = [o.split(">", 1)[1] for o in select.split("</option>")[:-1]]
    assert options[1:] == ["jr", "Twee samen (jr2)"], options
