"""Browser sign-in, session cookies, CSRF and bearer tokens, including the malformed ones.

Every refused request is checked to have stored nothing (scenarios and audit log unchanged).
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.safety.auth.bootstrap import add_user
from api.safety.auth.principal import SESSION_COOKIE
from api.safety.limits import Limits
from fixtures.accounts import bearer
from fixtures.synthetic import synthetic_dataset

ORIGIN = "http://testserver"
PLAN = {
    "name": "plan",
    "description": "merge two",
    "principles": [],
    "edits": [
        {"op": "merge", "division": "jeugdregio", "regions": ["B0_0", "B0_1"], "into": "B0_0"}
    ],
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    unlimited = Limits(rate_writes="100000/minute", rate_reads="100000/minute")  # one client
    app = create_app(
        synthetic_dataset(), tmp_path_factory.mktemp("state"), library_dir=None, limits=unlimited
    )
    add_user(app.state.regio.store, "ann", "ann's long password")
    add_user(app.state.regio.store, "bob", "bob's long password")
    return app


def login(client: TestClient, name: str = "ann", password: str = "ann's long password"):
    """Sign in through the form as a browser does; the response."""
    form = client.get("/login")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    return client.post(
        "/login",
        data={"name": name, "password": password, "csrf_token": token},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )


def csrf(client: TestClient) -> str:
    return client.get("/api/me").json()["csrf_token"]


def state_of(app) -> tuple:
    store = app.state.regio.store
    return [(s.id, s.revision) for s in store.list()], [e.id for e in store.audit_log(1000)]


@pytest.fixture
def browser(app) -> TestClient:
    client = TestClient(app)
    assert login(client).status_code == 303
    return client


def test_login_sets_a_safe_session_cookie(app) -> None:
    client = TestClient(app)
    r = login(client)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert client.get("/api/me").json()["user"] == "ann"


def test_cookie_is_secure_over_https(app) -> None:
    client = TestClient(app, base_url="https://testserver")
    form = client.get("/login")
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"name": "ann", "password": "ann's long password", "csrf_token": token},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


@pytest.mark.parametrize(
    ("name", "password"), [("ann", "wrong password!"), ("nobody", "ann's long password")]
)
def test_wrong_credentials_are_one_answer(app, name: str, password: str) -> None:
    r = login(TestClient(app), name, password)
    assert r.status_code == 401 and "gebruikersnaam of wachtwoord onjuist" in r.text, "in Dutch"
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")


def test_login_form_needs_its_own_token_and_origin(app) -> None:
    client = TestClient(app)
    data = {"name": "ann", "password": "ann's long password", "csrf_token": "forged"}
    stale = client.post("/login", data=data, headers={"Origin": ORIGIN})
    assert stale.status_code == 403 and "CSRF" in stale.text
    login_token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    data["csrf_token"] = login_token
    cross = client.post("/login", data=data, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and "another site" in cross.text


def test_cookie_writes_need_the_csrf_token_and_same_origin(app, browser: TestClient) -> None:
    before = state_of(app)
    token = csrf(browser)
    refused = [
        browser.post("/api/scenarios", json=PLAN, headers={"Origin": ORIGIN}),  # no token
        browser.post(
            "/api/scenarios", json=PLAN, headers={"Origin": ORIGIN, "X-CSRF-Token": "x" * 43}
        ),
        browser.post(
            "/api/scenarios",
            json=PLAN,
            headers={"Origin": "https://evil.example", "X-CSRF-Token": token},
        ),
        browser.post("/api/scenarios", json=PLAN, headers={"X-CSRF-Token": token}),  # no origin
        browser.post(
            "/api/scenarios",
            json=PLAN,
            headers={"Referer": "https://evil.example/x", "X-CSRF-Token": token},
        ),
    ]
    assert [r.status_code for r in refused] == [403] * 5
    assert all("CSRF check failed" in r.json()["detail"] for r in refused)
    assert state_of(app) == before
    ok = browser.post(
        "/api/scenarios", json=PLAN, headers={"Referer": f"{ORIGIN}/", "X-CSRF-Token": token}
    )
    assert ok.status_code == 201
    gone = browser.delete("/api/scenarios/plan", headers={"Origin": ORIGIN, "X-CSRF-Token": token})
    assert gone.status_code == 200


def test_a_csrf_token_of_an_ended_session_is_refused(app) -> None:
    client = TestClient(app)
    login(client)
    old_token, old_cookie = csrf(client), client.cookies[SESSION_COOKIE]
    out = client.post(
        "/logout",
        data={"csrf_token": old_token},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert out.status_code == 303
    assert app.state.regio.store.list_credentials("session", user="ann") == [] or all(
        c.csrf != old_token for c in app.state.regio.store.list_credentials("session")
    )
    replay = TestClient(app)
    replay.cookies.set(SESSION_COOKIE, old_cookie)
    login(client)  # a new session: the old token does not fit it
    other = TestClient(app)
    login(other, "bob", "bob's long password")
    before = state_of(app)
    r = replay.post(
        "/api/scenarios", json=PLAN, headers={"Origin": ORIGIN, "X-CSRF-Token": old_token}
    )
    assert r.status_code == 401  # the session is gone: the cookie counts for nothing
    r = client.post(
        "/api/scenarios", json=PLAN, headers={"Origin": ORIGIN, "X-CSRF-Token": old_token}
    )
    assert r.status_code == 403
    r = client.post(  # bob's token in ann's session
        "/api/scenarios", json=PLAN, headers={"Origin": ORIGIN, "X-CSRF-Token": csrf(other)}
    )
    assert r.status_code == 403
    assert state_of(app) == before


def test_expired_sessions_count_for_nothing(app, browser: TestClient) -> None:
    store = app.state.regio.store
    (cred,) = [
        c for c in store.list_credentials("session", user="ann")
        if browser.cookies[SESSION_COOKIE].startswith(c.id)
    ]  # fmt: skip
    token = csrf(browser)
    store._conn.execute(
        "UPDATE credentials SET expires_at = '2000-01-01T00:00:00+00:00' WHERE id = ?", (cred.id,)
    )
    assert browser.get("/api/me").json() == {
        "user": None, "role": None, "via": "anonymous", "csrf_token": None
    }  # fmt: skip
    r = browser.post("/api/scenarios", json=PLAN, headers={"Origin": ORIGIN, "X-CSRF-Token": token})
    assert r.status_code == 401


@pytest.mark.parametrize(
    "cookie",
    [
        "garbage",
        "",
        "a" * 5000,
        "0123456789ab.short",
        "0123456789ab." + "A" * 43,  # well-formed, unknown
        "'; DROP TABLE users; --",
        "%C3%A9t%C3%A9",
    ],
)
def test_malformed_session_cookies_are_anonymous(app, cookie: str) -> None:
    before = state_of(app)
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, cookie)
    assert client.get("/api/me").json()["via"] == "anonymous"
    assert client.get("/").status_code == 200
    r = client.post("/api/scenarios", json=PLAN, headers={"Origin": ORIGIN, "X-CSRF-Token": "x"})
    assert r.status_code == 401
    assert state_of(app) == before


def test_a_stolen_session_id_with_a_wrong_secret_is_refused(app, browser: TestClient) -> None:
    ident = browser.cookies[SESSION_COOKIE].split(".")[0]
    client = TestClient(app)
    client.cookies.set(SESSION_COOKIE, f"{ident}.{'B' * 43}")
    assert client.get("/api/me").json()["via"] == "anonymous"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer rk_nope",
        "Bearer rk_0123456789ab." + "A" * 43,
        "Basic YW5uOnBhc3N3b3Jk",
        "bearer " + "x" * 500,
        "Token abc",
    ],
)
def test_malformed_bearer_tokens_are_401(app, header: str) -> None:
    before = state_of(app)
    client = TestClient(app)
    for r in (
        client.get("/api/scenarios", headers={"Authorization": header}),
        client.post("/api/scenarios", json=PLAN, headers={"Authorization": header}),
    ):
        assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert state_of(app) == before


def test_bearer_tokens_need_no_csrf_and_die_when_revoked(app) -> None:
    store = app.state.regio.store
    headers = bearer(store, "ann")
    client = TestClient(app)
    assert (
        client.post("/api/scenarios", json={**PLAN, "name": "tok"}, headers=headers).status_code
        == 201
    )
    ident = headers["Authorization"].split()[1].removeprefix("rk_").split(".")[0]
    store.remove_credential("token", ident)
    before = state_of(app)
    r = client.delete("/api/scenarios/tok", headers=headers)
    assert r.status_code == 401 and state_of(app) == before


def test_form_posts_carry_the_token_in_a_hidden_field(app, browser: TestClient) -> None:
    home = browser.get("/")
    token = csrf(browser)
    assert f'name="csrf_token" value="{token}"' in home.text  # upload and sign-out forms
    headers = bearer(app.state.regio.store, "ann")
    browser.post("/api/scenarios", json={**PLAN, "name": "src"}, headers=headers)
    table = browser.get("/api/scenarios/src/assignment.csv?division=jeugdregio").content
    files = {"file": ("plan.csv", table, "text/csv")}
    data = {"name": "uploaded", "division": "jeugdregio"}
    refused = browser.post(
        "/api/scenarios/import", files=files, data=data, headers={"Origin": ORIGIN}
    )
    assert refused.status_code == 403
    stored = browser.post(
        "/api/scenarios/import", files=files, data={**data, "csrf_token": token},
        headers={"Origin": ORIGIN},
    )  # fmt: skip
    assert stored.status_code == 201, stored.text
    owner = app.state.regio.store.get("uploaded").owner
    assert owner == "ann"


def test_logging_in_again_ends_the_old_session(app) -> None:
    client = TestClient(app)
    login(client)
    first = client.cookies[SESSION_COOKIE]
    login(client)
    assert client.cookies[SESSION_COOKIE] != first
    stale = TestClient(app)
    stale.cookies.set(SESSION_COOKIE, first)
    assert stale.get("/api/me").json()["via"] == "anonymous"


def test_next_never_leaves_the_site(app) -> None:
    client = TestClient(app)
    token = client.get("/login?next=//evil.example").text.split('name="csrf_token" value="')[1]
    token = token.split('"')[0]
    r = client.post(
        "/login",
        data={"name": "ann", "password": "ann's long password", "csrf_token": token,
              "next": "//evil.example/x"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/"
