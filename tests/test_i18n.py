"""Dutch first, English selectable: locale choice, the language switch, formats, shared pages."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from fixtures.synthetic import synthetic_dataset
from maps.i18n import (
    format_date,
    format_decimal,
    format_metric,
    format_number,
    format_percent,
    format_weight,
    gettext,
    negotiate,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    app = create_app(synthetic_dataset(), tmp_path_factory.mktemp("state"), library_dir=None)
    with TestClient(app) as client:
        yield client


def lang(page: str) -> str:
    found = re.search(r'<html lang="(\w+)"', page)
    assert found, "every page declares its language"
    return found.group(1)


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "nl"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "de-DE,de;q=0.9,en;q=0.5", "en"),
        (None, "fr,de", "nl"),
        (None, "en;q=0,nl;q=0.2", "nl"),
        ("en", "nl", "en"),
        ("nl", "en", "nl"),
        ("xx", "en", "en"),
    ],
)
def test_negotiation_cookie_then_header_then_dutch(
    cookie: str | None, header: str | None, expected: str
) -> None:
    assert negotiate(cookie, header) == expected


def test_pages_are_dutch_by_default_and_english_on_request(client: TestClient) -> None:
    for path in ("/", "/login", "/begrippen", "/toegankelijkheid"):
        dutch = client.get(path)
        assert dutch.status_code == 200, path
        assert lang(dutch.text) == "nl" and "Naar de inhoud" in dutch.text, path
        english = client.get(path, headers={"Accept-Language": "en-GB,en;q=0.8"})
        assert lang(english.text) == "en" and "Skip to content" in english.text, path
        assert "Naar de inhoud" not in english.text


def test_language_switch_is_remembered_both_ways(client: TestClient) -> None:
    r = client.get("/taal/en?next=/begrippen", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/begrippen"
    assert (
        "regio_taal=en" in r.headers["set-cookie"] and "Max-Age=31536000" in r.headers["set-cookie"]
    )
    page = client.get("/begrippen", headers={"Accept-Language": "nl"})
    assert lang(page.text) == "en" and ">Glossary</h1>" in page.text, "the cookie beats the header"
    r = client.get("/taal/nl?next=%2Fbegrippen", follow_redirects=False)
    assert r.headers["location"] == "/begrippen"
    page = client.get("/begrippen", headers={"Accept-Language": "en"})
    assert lang(page.text) == "nl" and ">Begrippen</h1>" in page.text
    client.cookies.clear()


def test_language_switch_refuses_other_sites_and_unknown_languages(client: TestClient) -> None:
    r = client.get("/taal/en?next=//evil.example/x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/taal/fr", follow_redirects=False).status_code == 404
    client.cookies.clear()


def test_switch_links_come_back_to_the_same_page(client: TestClient) -> None:
    page = client.get("/?weight=area").text
    assert 'href="/taal/en?next=%2F%3Fweight%3Darea"' in page
    assert 'lang="en" hreflang="en">English</a>' in page
    assert 'aria-current="true">Nederlands</a>' in page


def test_glossary_defines_congruence_as_metrics_md_does(client: TestClient) -> None:
    page = client.get("/begrippen").text
    assert 'id="congruentie"' in page and 'id="meer-maten"' in page
    for anchor in ("ari", "nmi", "vi"):
        after = page.index('id="meer-maten"')
        assert page.index(f'id="{anchor}"') > after, "ARI/NMI/VI sit under meer maten"
    # docs/metrics.md: congruence = ½ (purity + inverse purity), 1 only when they coincide
    text = " ".join(page.split())
    assert "het gemiddelde van twee aandelen" in text
    assert "alleen 1 als de twee indelingen samenvallen" in text


def test_statement_date_in_the_readers_language(client: TestClient) -> None:
    assert "opgesteld op 6 december 2026" in client.get("/toegankelijkheid").text
    english = client.get("/toegankelijkheid", headers={"Accept-Language": "en"}).text
    assert "drawn up on December 6, 2026" in english


def test_shared_static_files(client: TestClient) -> None:
    css = client.get("/static/regiokompas.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert client.get("/static/i18n.js").status_code == 200
    assert client.get("/static/..%2Fapp.py").status_code == 404
    assert client.get("/static/editor").status_code == 404


def test_new_pages_stay_out_of_the_api_contract(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/begrippen", "/toegankelijkheid", "/taal/{locale}", "/static/{name}"} & set(paths)


@pytest.mark.parametrize(
    ("value", "nl", "en"),
    [(156388, "156.388", "156,388"), (17942942.0, "17.942.942", "17,942,942"), (None, "–", "–")],
)
def test_whole_numbers(value: object, nl: str, en: str) -> None:
    assert format_number(value, "nl") == nl and format_number(value, "en") == en


def test_decimals_metrics_percent_weights_and_dates() -> None:
    assert format_decimal(0.8, "nl", digits=2) == "0,80"
    assert format_decimal(5157.0, "nl", digits=1) == "5.157,0"
    assert format_metric(0.8336, "nl") == "0,834" and format_metric(0.8336, "en") == "0.834"
    assert format_metric(float("nan"), "nl") == "–" and format_metric(False, "en") == "no"
    assert format_percent(0.391, "nl") == "39,1%" and format_percent(0.5, "en", digits=0) == "50%"
    assert format_weight(45534.0, "nl") == "45.534" and format_weight(198.367, "en") == "198.4"
    assert format_date(datetime.date(2026, 12, 6), "nl") == "6 december 2026"


def test_js_strings_come_from_the_catalog(tmp_path: Path) -> None:
    from maps.i18n import js_catalog

    script = tmp_path / "page.js"
    script.write_text('x.textContent = _("Uploading…"); y = ngettext("a", "b", n);\n')
    strings = js_catalog("nl", [script])
    assert strings["Uploading…"] == gettext("nl")("Uploading…") == "Bezig met uploaden…"
    assert strings["a"] == ["a", "b"], "an unknown plural falls back to the msgids"


def test_home_page_embeds_its_script_strings(client: TestClient) -> None:
    page = client.get("/").text
    blob = re.search(r'<script[^>]*type="application/json" id="rk-i18n">(.*?)</script>', page)
    assert blob and '"Uploading…": "Bezig met uploaden…"' in blob.group(1)
    assert page.index('id="rk-i18n"') < page.index('src="/static/i18n.js"')
