"""Attacks on the browser: stored XSS through names, framing, sniffing, foreign Host names,
cross-origin reads, spreadsheet formulas in exports. (The same payloads run in a real
Chromium in ``tests/test_browser_xss.py``.)"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from fixtures.hostile import renamed_to
from maps.page import page_layers
from tests.attacks.conftest import make_app, state_of

pytestmark = pytest.mark.integration

PAYLOADS = (
    "<img src=x onerror=\"document.title='xss-img'\">",
    "<script>document.title='xss-script'</script>",
    "</script><script>document.title='xss-break'</script>",
    "<svg onload=\"document.title='xss-svg'\">",
    "\" onmouseover=\"document.title='xss-attr'",
)


def named_payloads(dataset) -> dict:
    """A scenario whose jeugdregio's and SWVs are renamed to the payloads."""
    return renamed_to(dataset, PAYLOADS, description=PAYLOADS[0] + PAYLOADS[2])


@pytest.fixture
def xss_client(app, client, dataset) -> TestClient:
    response = client.post("/api/scenarios", json=named_payloads(dataset))
    assert response.status_code == 201, response.text
    return client


def scripts_and_handlers(page: str) -> tuple[list[str], list[str]]:
    """The opening ``<script ...>`` tags and inline ``on...=`` attributes of HTML tags."""
    tags = re.findall(r"<script\b[^>]*>", page, flags=re.I)
    handlers = re.findall(r"<[a-z][^>]*\son[a-z]+\s*=", page, flags=re.I)
    return tags, handlers


def test_map_tooltips_carry_the_names_escaped(xss_client) -> None:
    page = xss_client.get("/maps/xss?division=swv_po&against=jeugdregio").text
    layer = next(v for k, v in page_layers(page).items() if k.startswith("gemeenten"))
    texts = json.dumps(layer.features)
    assert "&lt;img src=x onerror=" in texts and "&lt;svg onload" in texts
    assert "<img" not in texts and "<svg" not in texts and "<script" not in texts
    tags, handlers = scripts_and_handlers(page)
    assert handlers == []
    assert all('nonce="' in tag for tag in tags)


def test_compare_page_escapes_the_names_too(xss_client) -> None:
    page = xss_client.get("/maps/compare?left=huidig&right=xss").text
    assert 'onerror=\\"document' not in page and "<img src=x" not in page
    tags, handlers = scripts_and_handlers(page)
    assert handlers == [] and all('nonce="' in tag for tag in tags)


def test_home_page_escapes_descriptions(xss_client) -> None:
    page = xss_client.get("/").text
    assert "&lt;img src=x onerror=" in page
    assert "<img src=x" not in page
    tags, handlers = scripts_and_handlers(page)
    assert handlers == [] and tags and all('nonce="' in tag for tag in tags)


def test_error_answers_do_not_echo_markup_as_html(client) -> None:
    response = client.get("/maps/huidig?division=a<b>", headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/json")
    page = client.get("/maps/zz-nope", headers={"Accept": "text/html"})
    # The id is echoed inside escaped quotes (Jinja writes &#39;, html.escape &#x27;).
    assert page.status_code == 404 and re.search(r"&#(x27|39);zz-nope&#(x27|39);", page.text)
    hostile = client.get("/maps/%3Cimg%20src=x%3E", headers={"Accept": "text/html"})
    assert hostile.status_code in (404, 422) and "<img src=x>" not in hostile.text


@pytest.mark.parametrize("path", ["/", "/maps/huidig", "/maps/compare", "/docs"])
def test_every_page_has_a_nonce_policy(client, path: str) -> None:
    first, second = client.get(path), client.get(path)
    policy = first.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "frame-ancestors 'none'" in policy and "script-src-attr 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert f'nonce="{nonce}"' in first.text
    assert nonce not in second.headers["content-security-policy"]  # fresh per response
    assert first.headers["x-content-type-options"] == "nosniff"
    assert first.headers["referrer-policy"] == "same-origin"
    assert first.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(
    "path", ["/api/divisions", "/api/scenarios/huidig", "/openapi.json", "/nope"]
)
def test_other_responses_cannot_run_or_be_framed(client, path: str) -> None:
    response = client.get(path)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "sandbox" in response.headers["content-security-policy"]


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.nip.io", "localhost.evil.example"])
def test_foreign_host_names_are_refused(app, client, host: str) -> None:
    """DNS rebinding: a page on evil.example resolving to 127.0.0.1 reaches the server with
    its own Host name, and gets 400."""
    before = state_of(app)
    assert client.get("/api/scenarios", headers={"Host": host}).status_code == 400
    response = client.post("/api/scenarios", json={"name": "r", "description": "d"},
                           headers={"Host": host})  # fmt: skip
    assert response.status_code == 400
    assert state_of(app) == before


def test_configured_host_names_are_accepted(dataset, tmp_path) -> None:
    app = make_app(dataset, tmp_path / "s", hosts=["regio.example.nl"])
    client = TestClient(app, base_url="http://regio.example.nl")
    assert client.get("/api/divisions").status_code == 200
    assert client.get("/api/divisions", headers={"Host": "localhost"}).status_code == 400


def test_cors_is_off_without_an_allow_list(client) -> None:
    headers = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    preflight = client.options("/api/scenarios", headers=headers)
    assert "access-control-allow-origin" not in preflight.headers
    read = client.get("/api/scenarios", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in read.headers


def test_cors_allow_list(dataset, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REGIOKOMPAS_CORS_ORIGINS", "https://kaart.example.nl")
    client = TestClient(make_app(dataset, tmp_path / "s"))
    ok = client.get("/api/divisions", headers={"Origin": "https://kaart.example.nl"})
    assert ok.headers["access-control-allow-origin"] == "https://kaart.example.nl"
    other = client.get("/api/divisions", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_exports_neutralise_spreadsheet_formulas(app, client, dataset) -> None:
    """A region code ``=HYPERLINK(...)`` is exported as ``'=HYPERLINK(...)``."""
    units = [str(u) for u in dataset.divisions["swv_po"].units]
    codes = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)"]
    assignment = {u: codes[i % len(codes)] for i, u in enumerate(units)}
    edit = {"op": "assign", "division": "swv_po", "assignment": assignment}
    response = client.post("/api/scenarios", json={"name": "formulas", "description": "d",
                                                   "edits": [edit]})  # fmt: skip
    assert response.status_code == 201, response.text
    text = client.get("/api/scenarios/formulas/assignment.csv?division=swv_po").text
    cells = [line.split(",")[1] for line in text.splitlines()[1:] if line]
    assert cells and all(cell.startswith(("'", "\"'")) for cell in cells)
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
