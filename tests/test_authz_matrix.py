"""The authorization matrix: every route x {anonymous, other planner, owner, admin, share link},
generated from the policy table, with the status each must get, over real HTTP requests.

The expected answer of a cell is written here from the issue's rules, per access level of the
route's entry in :data:`api.safety.auth.policy.POLICY` (not computed by the policy code): anonymous
callers get 401 where a user is needed, wrong users 403, and a private scenario is a 404 for
everyone who may not see it. Each cell uses a fresh target scenario owned by the owner (private,
and where it matters published too) with its own share link. A route without an entry fails
:func:`test_every_route_has_a_policy_entry`; a route without an example here is still run with a
request built from its path (then only the refusals are checked).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.safety.auth.credentials import new_credential
from api.safety.auth.policy import NEEDS_USER, POLICY, PUBLIC, Rule, app_routes, check_routes
from api.safety.limits import Limits
from fixtures.accounts import bearer
from fixtures.synthetic import synthetic_dataset

PRINCIPALS = ("anonymous", "other", "owner", "admin", "share")
UNLIMITED = Limits(
    rate_writes="100000/minute",
    rate_reads="100000/minute",
    scenarios_per_user=1_000_000,
    bytes_per_user=10**12,
)
"""All cells come from one test client and one owner: rate limits and per-user quotas are not
under test here (tests/attacks/test_limits.py tests them)."""
OWNER, OTHER, ADMIN = "ann", "bob", "root"


def merge_doc(name: str, block: str = "B0") -> dict:
    regions = [f"{block}_0", f"{block}_1"]
    return {
        "name": name,
        "description": "matrix target",
        "principles": [],
        "edits": [
            {"op": "merge", "division": "jeugdregio", "regions": regions, "into": regions[0]}
        ],
    }


MOVE = {"op": "move", "division": "jeugdregio", "unit": "GM0000", "to": "B1_1"}
"""An editor edit valid on every target (moves one gemeente to another jeugdregio)."""

ASSIGNMENT_CSV = (
    (synthetic_dataset().division("jeugdregio").membership[["unit", "region", "share"]])
    .to_csv(index=False)
    .encode()
)
"""A complete assignment of the synthetic gemeenten (what an import needs)."""


@dataclass
class Case:
    """One cell: the target scenario, its share link and a fresh id for new scenarios."""

    target: str
    share_id: str
    share_token: str
    fresh: str
    job_id: str
    revision: int


Request = tuple[str, str, dict[str, Any]]
OK = frozenset({200, 201, 202, 303})

EXAMPLES: dict[tuple[str, str], Callable[[Case], Request]] = {
    ("GET", "/"): lambda c: ("GET", "/", {}),
    ("GET", "/openapi.json"): lambda c: ("GET", "/openapi.json", {}),
    ("GET", "/docs"): lambda c: ("GET", "/docs", {}),
    ("GET", "/docs/oauth2-redirect"): lambda c: ("GET", "/docs/oauth2-redirect", {}),
    ("GET", "/redoc"): lambda c: ("GET", "/redoc", {}),
    ("GET", "/login"): lambda c: ("GET", "/login", {}),
    ("GET", "/api/me"): lambda c: ("GET", "/api/me", {}),
    ("GET", "/share/{token}"): lambda c: ("GET", f"/share/{c.share_token}", {}),
    ("GET", "/api/divisions"): lambda c: ("GET", f"/api/divisions?scenario={c.target}", {}),
    ("GET", "/api/divisions/{name}.geojson"): lambda c: (
        "GET", f"/api/divisions/jeugdregio.geojson?scenario={c.target}", {}
    ),
    ("GET", "/api/divisions/{name}.gpkg"): lambda c: (
        "GET", f"/api/divisions/jeugdregio.gpkg?scenario={c.target}", {}
    ),
    ("GET", "/api/divisions/{name}"): lambda c: (
        "GET", f"/api/divisions/jeugdregio?scenario={c.target}", {}
    ),
    ("GET", "/api/units"): lambda c: ("GET", f"/api/units?scenario={c.target}", {}),
    ("GET", "/api/units/{code}"): lambda c: ("GET", f"/api/units/GM0000?scenario={c.target}", {}),
    ("GET", "/api/scores"): lambda c: (
        "GET", f"/api/scores?scenario={c.target}&division=swv_po&against=jeugdregio", {}
    ),
    ("POST", "/api/compare"): lambda c: (
        "POST", "/api/compare",
        {"json": {"scenarios": [c.target], "division": "swv_po", "against": "jeugdregio"}},
    ),
    ("GET", "/api/scenarios"): lambda c: ("GET", "/api/scenarios", {}),
    ("POST", "/login"): lambda c: (
        "POST", "/login", {"data": {"name": OWNER, "password": "x" * 12}}
    ),
    ("POST", "/api/scenarios"): lambda c: (
        "POST", "/api/scenarios", {"json": {**merge_doc(c.fresh, "B1"), "base": c.target}}
    ),
    ("POST", "/api/scenarios/import"): lambda c: (
        "POST", "/api/scenarios/import",
        {"files": {"file": ("a.csv", ASSIGNMENT_CSV, "text/csv")},
         "data": {"name": c.fresh, "division": "jeugdregio"}},
    ),
    ("GET", "/api/scenarios/{scenario_id}"): lambda c: ("GET", f"/api/scenarios/{c.target}", {}),
    ("DELETE", "/api/scenarios/{scenario_id}"): lambda c: (
        "DELETE", f"/api/scenarios/{c.target}", {}
    ),
    ("GET", "/api/scenarios/{scenario_id}/assignment.csv"): lambda c: (
        "GET", f"/api/scenarios/{c.target}/assignment.csv?division=jeugdregio", {}
    ),
    ("PATCH", "/api/scenarios/{scenario_id}"): lambda c: (
        "PATCH", f"/api/scenarios/{c.target}", {"json": {"title": "Nieuwe titel"}}
    ),
    ("GET", "/api/scenarios/{scenario_id}/history"): lambda c: (
        "GET", f"/api/scenarios/{c.target}/history", {}
    ),
    ("GET", "/api/scenarios/{scenario_id}/versions/{version}"): lambda c: (
        "GET", f"/api/scenarios/{c.target}/versions/1", {}
    ),
    ("GET", "/api/scenarios/{scenario_id}/diff"): lambda c: (
        "GET", f"/api/scenarios/{c.target}/diff?from=1", {}
    ),
    ("PUT", "/api/scenarios/{scenario_id}/visibility"): lambda c: (
        "PUT", f"/api/scenarios/{c.target}/visibility", {"json": {"visibility": "published"}}
    ),
    ("GET", "/api/scenarios/{scenario_id}/shares"): lambda c: (
        "GET", f"/api/scenarios/{c.target}/shares", {}
    ),
    ("POST", "/api/scenarios/{scenario_id}/shares"): lambda c: (
        "POST", f"/api/scenarios/{c.target}/shares", {"json": {"label": "matrix"}}
    ),
    ("DELETE", "/api/scenarios/{scenario_id}/shares/{share_id}"): lambda c: (
        "DELETE", f"/api/scenarios/{c.target}/shares/{c.share_id}", {}
    ),
    ("GET", "/scenarios/{scenario_id}"): lambda c: ("GET", f"/scenarios/{c.target}", {}),
    ("POST", "/scenarios/new"): lambda c: (
        "POST", "/scenarios/new", {"data": {"base": c.target, "title": "x", "name": c.fresh}}
    ),
    ("POST", "/scenarios/{scenario_id}/about"): lambda c: (
        "POST", f"/scenarios/{c.target}/about", {"data": {"title": "Nieuw"}}
    ),
    ("POST", "/scenarios/{scenario_id}/visibility"): lambda c: (
        "POST", f"/scenarios/{c.target}/visibility", {"data": {"visibility": "published"}}
    ),
    ("POST", "/scenarios/{scenario_id}/shares"): lambda c: (
        "POST", f"/scenarios/{c.target}/shares", {"data": {"label": "matrix"}}
    ),
    ("POST", "/scenarios/{scenario_id}/shares/{share_id}/revoke"): lambda c: (
        "POST", f"/scenarios/{c.target}/shares/{c.share_id}/revoke", {"data": {}}
    ),
    ("POST", "/scenarios/{scenario_id}/delete"): lambda c: (
        "POST", f"/scenarios/{c.target}/delete", {"data": {"confirm": c.target}}
    ),
    ("GET", "/proposals/new"): lambda c: ("GET", "/proposals/new", {}),
    ("POST", "/proposals"): lambda c: (
        "POST", "/proposals", {"data": {"title": c.fresh, "base": c.target, "time_limit": "1"}}
    ),
    ("GET", "/proposals/{job_id}"): lambda c: ("GET", f"/proposals/{c.job_id}", {}),
    ("POST", "/proposals/{job_id}/cancel"): lambda c: (
        "POST", f"/proposals/{c.job_id}/cancel", {"data": {}}
    ),
    ("GET", "/compare"): lambda c: ("GET", f"/compare?left=huidig&right={c.target}", {}),
    ("GET", "/compare/map"): lambda c: ("GET", f"/compare/map?left=huidig&right={c.target}", {}),
    ("POST", "/api/proposals"): lambda c: (
        "POST", "/api/proposals", {"json": {"name": c.fresh, "base": c.target, "time_limit": 1}}
    ),
    ("GET", "/api/proposals/{job_id}"): lambda c: ("GET", f"/api/proposals/{c.job_id}", {}),
    ("GET", "/maps/static/vendor/{asset:path}"): lambda c: (
        "GET", "/maps/static/vendor/leaflet/leaflet.js", {}
    ),
    ("GET", "/maps/compare"): lambda c: (
        "GET", f"/maps/compare?left=huidig&right={c.target}&division=swv_po", {}
    ),
    ("GET", "/maps/{scenario}"): lambda c: ("GET", f"/maps/{c.target}?division=swv_po", {}),
    ("GET", "/api/audit"): lambda c: ("GET", "/api/audit", {}),
    ("GET", "/docs/static/{name}"): lambda c: ("GET", "/docs/static/swagger-ui.css", {}),
    ("GET", "/edit/static/{name}"): lambda c: ("GET", "/edit/static/editor.js", {}),
    ("GET", "/edit/{scenario}"): lambda c: ("GET", f"/edit/{c.target}?division=swv_po", {}),
    ("GET", "/api/editor/gemeenten.geojson"): lambda c: (
        "GET", "/api/editor/gemeenten.geojson", {}
    ),
    ("GET", "/api/editor/borders.geojson"): lambda c: ("GET", "/api/editor/borders.geojson", {}),
    ("GET", "/api/scenarios/{scenario}/editor-context"): lambda c: (
        "GET", f"/api/scenarios/{c.target}/editor-context?division=swv_po", {}
    ),
    ("POST", "/api/scenarios/{scenario}/evaluate"): lambda c: (
        "POST", f"/api/scenarios/{c.target}/evaluate",
        {"json": {"division": "swv_po", "against": "jeugdregio", "weight": "area",
                  "edits": [MOVE]}},
    ),
    ("GET", "/api/scenarios/{scenario}/placement"): lambda c: (
        "GET", f"/api/scenarios/{c.target}/placement?division=swv_po", {}
    ),
    ("POST", "/api/scenarios/{scenario}/placement"): lambda c: (
        "POST", f"/api/scenarios/{c.target}/placement",
        {"json": {"division": "swv_po", "edits": [MOVE]}},
    ),
    ("POST", "/api/scenarios/{scenario}/edits"): lambda c: (
        "POST", f"/api/scenarios/{c.target}/edits", {"json": {"base_revision": c.revision,
                                                              "edits": [MOVE]}},
    ),
    ("POST", "/api/scenarios/{scenario}/save-as"): lambda c: (
        "POST", f"/api/scenarios/{c.target}/save-as",
        {"json": {"name": c.fresh, "base_revision": c.revision, "edits": [MOVE]}},
    ),
    ("POST", "/api/shared/save-as"): lambda c: (
        "POST", "/api/shared/save-as",
        {"json": {"share": c.share_token, "name": c.fresh, "base_revision": c.revision,
                  "edits": [MOVE]}},
    ),
    ("GET", "/api/scenarios/{scenario_id}/report"): lambda c: (
        "GET", f"/api/scenarios/{c.target}/report?region=B0_0", {}
    ),
    ("GET", "/uitleg/{doc}"): lambda c: ("GET", "/uitleg/verdict", {}),
}  # fmt: skip
"""A valid request per route (for the cells where the caller is allowed). The PDF report has
no example: its allowed cells print nothing (:func:`no_pdf_printing`), only the refusals count."""


@pytest.fixture(autouse=True)
def no_pdf_printing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matrix is about who may ask, not about printing: the PDF route answers 503 fast."""
    monkeypatch.setenv("REGIOKOMPAS_CHROMIUM", "/nonexistent/chromium")


FIXED: dict[tuple[str, str], int] = {
    ("POST", "/login"): 403,  # a form post without the sign-in form's own token
    ("GET", "/login/once"): 404,  # no one-time token
    ("POST", "/logout"): 303,
}
"""Public routes whose example answers the same non-2xx status to everyone."""


def expected(rule: Rule, who: str, visibility: str) -> int | None:
    """The status a caller must get (``None``: allowed, any of :data:`OK`), from the rules:
    reading is free for published scenarios; private ones only for their owner, admins and a
    share link where the route is open to links; writes need a user (401), the owner or an
    admin (403 for another user who can see it, 404 when they cannot)."""
    user = who in ("other", "owner", "admin")
    sees = visibility == "published" or who in ("owner", "admin") or (who == "share" and rule.share)
    if rule.access in ("user", "owner", "admin") and not user:
        return 401
    if rule.access == "admin":
        return None if who == "admin" else 403
    if rule.access == "owner":
        if not sees:
            return 404
        return None if who in ("owner", "admin") else 403
    if rule.job is not None and who == "other":
        return 404  # someone else's job is not shown
    if rule.reads and not sees:  # a document's field (its base) is a 422 naming the field
        return 422 if all(spec.startswith("field:") for spec in rule.reads) else 404
    return None


@pytest.fixture(scope="module")
def app() -> FastAPI:
    import tempfile

    app = create_app(synthetic_dataset(), tempfile.mkdtemp(), library_dir=None, limits=UNLIMITED)
    store = app.state.regio.store
    store.save("huidig", merge_doc("huidig"), source="library", visibility="published")
    return app


@pytest.fixture(scope="module")
def headers(app: FastAPI) -> dict[str, dict[str, str]]:
    store = app.state.regio.store
    return {
        "anonymous": {},
        "share": {},
        "other": bearer(store, OTHER),
        "owner": bearer(store, OWNER),
        "admin": bearer(store, ADMIN, admin=True),
    }


_counter = itertools.count()


def new_case(app: FastAPI, client: TestClient, owner_headers: dict, visibility: str) -> Case:
    """A fresh target scenario of the owner with a share link, and a proposal job of theirs."""
    store = app.state.regio.store
    n = next(_counter)
    target = f"t{n}"
    saved = store.save(target, merge_doc(target), owner=OWNER, visibility=visibility, actor=OWNER)
    cred, token = new_credential("share", scenario_id=target)
    store.add_credential(cred, actor=OWNER)
    job = owner_job(app, client, owner_headers)
    return Case(target, cred.id, token, f"fresh{n}", job, store.revision(target) or saved.revision)


_jobs: dict[int, str] = {}


def owner_job(app: FastAPI, client: TestClient, owner_headers: dict) -> str:
    """One proposal job started by the owner (once per app)."""
    if id(app) not in _jobs:
        r = client.post(
            "/api/proposals", json={"name": "owner-job", "time_limit": 1}, headers=owner_headers
        )
        assert r.status_code == 202, r.text
        _jobs[id(app)] = r.json()["job_id"]
        app.state.regio.jobs.wait(_jobs[id(app)], timeout=120)
    return _jobs[id(app)]


def fallback(method: str, path: str) -> Callable[[Case], Request]:
    """A request for a route without an example: its path with the target filled in."""

    def build(c: Case) -> Request:
        url = path.replace("{scenario_id}", c.target).replace("{scenario}", c.target)
        url = url.replace("{share_id}", c.share_id).replace("{job_id}", c.job_id)
        while "{" in url:
            start = url.index("{")
            url = url[:start] + "x" + url[url.index("}", start) + 1 :]
        return method, url, {"json": {}} if method in ("POST", "PUT", "PATCH") else {}

    return build


def matrix() -> list[tuple[str, str, str, str]]:
    cells = []
    for (method, path), rule in POLICY.items():
        visibilities = ("private", "published") if (rule.reads or rule.target) else ("private",)
        for who in PRINCIPALS:
            for visibility in visibilities:
                cells.append((method, path, who, visibility))
    return cells


@pytest.mark.parametrize(("method", "path", "who", "visibility"), matrix())
def test_authorization_matrix(
    app: FastAPI, headers: dict, method: str, path: str, who: str, visibility: str
) -> None:
    client = TestClient(app)
    rule = POLICY[(method, path)]
    case = new_case(app, client, headers["owner"], visibility)
    verb, url, kwargs = EXAMPLES.get((method, path), fallback(method, path))(case)
    if who == "share":
        url += ("&" if "?" in url else "?") + f"share={case.share_token}"
    store = app.state.regio.store
    before = ([(s.id, s.revision) for s in store.list()], len(store.audit_log(100_000)))
    r = client.request(verb, url, headers=headers[who], follow_redirects=False, **kwargs)
    want = expected(rule, who, visibility)
    if (method, path) in FIXED:
        want = FIXED[(method, path)]
    cell = f"{method} {path} as {who} on a {visibility} scenario: {r.status_code} {r.text[:200]}"
    if want is None and (method, path) in EXAMPLES:
        assert r.status_code in OK, cell
    elif want is None:  # no example: at least it was not refused by the policy
        assert r.status_code not in (401, 403), cell
        assert f"unknown scenario '{case.target}'" not in r.text, cell
    else:
        assert r.status_code == want, cell
        if want == 404 and rule.reads and not rule.job:
            assert case.target not in r.text.replace(f"unknown scenario '{case.target}'", ""), cell
        if want in (401, 403, 404, 422):  # a refused request stores nothing and logs nothing
            after = ([(s.id, s.revision) for s in store.list()], len(store.audit_log(100_000)))
            assert after == before, cell
    if r.status_code == 202 and "job_id" in r.text:
        app.state.regio.jobs.wait(r.json()["job_id"], timeout=120)
    started = r.headers.get("location", "") if r.status_code == 303 else ""
    if started.startswith("/proposals/"):  # the proposal form answers with the job's page
        app.state.regio.jobs.wait(started.rsplit("/", 1)[1], timeout=120)


def test_hidden_and_unknown_scenarios_are_the_same_404(app: FastAPI, headers: dict) -> None:
    client = TestClient(app)
    case = new_case(app, client, headers["owner"], "private")
    for url in (f"/api/scenarios/{case.target}", f"/maps/{case.target}?division=swv_po"):
        hidden = client.get(url, headers=headers["other"])
        unknown = client.get(url.replace(case.target, "no-such-one"), headers=headers["other"])
        assert hidden.status_code == unknown.status_code == 404
        assert hidden.text.replace(case.target, "X") == unknown.text.replace("no-such-one", "X")


def test_every_route_has_a_policy_entry(app: FastAPI) -> None:
    routes = set(app_routes(app))
    missing = [r for r in routes if r not in POLICY]
    assert missing == [], f"add these routes to api.safety.auth.policy.POLICY: {missing}"
    stale = [r for r in POLICY if r not in routes]
    assert stale == [], f"POLICY names routes the app does not have: {stale}"


def test_a_route_without_an_entry_stops_the_app(app: FastAPI) -> None:
    @app.get("/no-entry")
    def no_entry() -> dict:
        return {}

    try:
        with pytest.raises(RuntimeError, match="GET /no-entry"):
            check_routes(app)
        r = TestClient(app).get("/no-entry")
        assert r.status_code == 403  # and at run time it fails closed
    finally:
        app.router.routes[:] = [
            r for r in app.router.routes if getattr(r, "path", "") != "/no-entry"
        ]


def test_share_links_open_only_their_scenario_and_only_reading(app: FastAPI, headers: dict) -> None:
    client = TestClient(app)
    mine = new_case(app, client, headers["owner"], "private")
    other = new_case(app, client, headers["owner"], "private")
    share = f"share={mine.share_token}"
    assert client.get(f"/api/scenarios/{mine.target}?{share}").status_code == 200
    assert client.get(f"/api/scenarios/{other.target}?{share}").status_code == 404
    assert client.get(f"/api/scores?scenario={mine.target}&{share}").status_code == 404
    assert client.delete(f"/api/scenarios/{mine.target}?{share}").status_code == 401
    page = client.get(f"/share/{mine.share_token}")
    assert page.status_code == 200 and f"/maps/{mine.target}?" in page.text
    assert f"share={mine.share_token}" in page.text.replace("&amp;", "&")
    revoke = client.delete(
        f"/api/scenarios/{mine.target}/shares/{mine.share_id}", headers=headers["owner"]
    )
    assert revoke.status_code == 200
    assert client.get(f"/share/{mine.share_token}").status_code == 404
    assert client.get(f"/api/scenarios/{mine.target}?{share}").status_code == 404
    assert client.get(f"/maps/{mine.target}?division=swv_po&{share}").status_code == 404


def test_the_audit_log_names_who_wrote_what_and_its_revision(app: FastAPI, headers: dict) -> None:
    client = TestClient(app)
    r = client.post("/api/scenarios", json=merge_doc("audited"), headers=headers["owner"])
    assert r.status_code == 201
    revision = r.json()["revision"]
    client.put(
        "/api/scenarios/audited/visibility", json={"visibility": "published"},
        headers=headers["owner"],
    )  # fmt: skip
    client.delete("/api/scenarios/audited", headers=headers["admin"])
    log = client.get("/api/audit?limit=1000", headers=headers["admin"]).json()
    mine = [(e["actor"], e["action"]) for e in reversed(log) if e["target"] == "audited"]
    assert mine == [
        (OWNER, "scenario.create"), (OWNER, "scenario.published"), (ADMIN, "scenario.delete")
    ]  # fmt: skip
    created = next(e for e in log if e["target"] == "audited" and e["action"] == "scenario.create")
    assert created["revision"] == revision and created["at"]


def test_library_is_read_only_for_planners(app: FastAPI, headers: dict) -> None:
    client = TestClient(app)
    doc = merge_doc("huidig")
    for who in ("owner", "other"):
        r = client.post("/api/scenarios?replace=true", json=doc, headers=headers[who])
        assert r.status_code == 403 and "library" in r.json()["detail"]
        assert client.delete("/api/scenarios/huidig", headers=headers[who]).status_code == 403
    assert app.state.regio.store.get("huidig").source == "library"


def test_public_rule_is_the_default_nowhere() -> None:
    """Every write route needs a user: no unsafe method is public except signing in and out."""
    public_writes = {
        k for k, rule in POLICY.items() if k[0] != "GET" and rule.access not in NEEDS_USER
    }
    reads = {
        ("POST", "/api/compare"),
        ("POST", "/api/scenarios/{scenario}/evaluate"),
        ("POST", "/api/scenarios/{scenario}/placement"),
    }
    assert public_writes == {("POST", "/login"), ("POST", "/logout")} | reads
    assert all(POLICY[k].reads for k in reads)  # they only read, checked per scenario
    assert POLICY[("GET", "/")] is PUBLIC


def test_changing_a_stored_scenario_needs_its_owner_in_the_table() -> None:
    """The matrix checks the routes against the table; this pins the table to the issue: every
    route that changes or removes a stored scenario (or its share links) is ``owner`` (the
    owner or an admin), never just any user."""
    changing = {
        (m, p)
        for (m, p) in POLICY
        if ("{scenario_id}" in p or "{scenario}" in p)
        and (m in ("PUT", "DELETE") or p.endswith(("/edits", "/shares")) and m == "POST")
    }
    assert ("DELETE", "/api/scenarios/{scenario_id}") in changing and len(changing) >= 5
    assert {k: POLICY[k].access for k in changing} == {k: "owner" for k in changing}
