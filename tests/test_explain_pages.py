"""The explanation pages (``/uitleg/...``) speak Dutch by default, English on request.

Every page of :data:`api.routers.explain.DOCS` has a Dutch explanation in ``docs/uitleg/``; a
Dutch reader gets it (its own title, none of the English document's headings), an English
reader the project's English documentation; every link in a Dutch explanation leads to a page
the app serves.
"""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from api import create_app
from api.routers.explain import DOCS, DUTCH_DIR
from fixtures.synthetic import synthetic_dataset
from geo.config import REPO_ROOT


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    state = tmp_path_factory.mktemp("explain")
    return TestClient(create_app(synthetic_dataset(4, 4), state, library_dir=None))


def headings(markdown: str) -> list[str]:
    return [line.lstrip("#").strip() for line in markdown.splitlines() if line.startswith("#")]


@pytest.mark.parametrize("name", list(DOCS))
def test_dutch_by_default_english_on_request(client: TestClient, name: str) -> None:
    dutch = (DUTCH_DIR / f"{name}.md").read_text(encoding="utf-8")
    english = (REPO_ROOT / "docs" / DOCS[name]).read_text(encoding="utf-8")
    page = client.get(f"/uitleg/{name}")
    assert page.status_code == 200
    assert '<html lang="nl"' in page.text
    h1 = re.sub(r"<[^>]+>", "", re.findall(r"<h1>(.*?)</h1>", page.text, re.S)[-1])
    assert html.unescape(h1) == headings(dutch)[0].replace("`", "")
    for heading in headings(english):
        assert f">{heading}</h" not in page.text, f"English heading on the Dutch page: {heading}"
    assert "Uitleg voor planners" in page.text and 'class="rk-doc" lang="en"' not in page.text
    page = client.get(f"/uitleg/{name}", headers={"Accept-Language": "en"})
    assert '<html lang="en"' in page.text
    h1 = re.sub(r"<[^>]+>", "", re.findall(r"<h1>(.*?)</h1>", page.text, re.S)[-1])
    assert html.unescape(h1) == headings(english)[0].replace("`", "")
    page = client.get(f"/uitleg/{name}", cookies={"regio_taal": "en"})
    assert '<html lang="en"' in page.text, "the remembered switch chooses English"


@pytest.mark.parametrize("name", list(DOCS))
def test_links_of_the_dutch_explanations_are_served(client: TestClient, name: str) -> None:
    page = client.get(f"/uitleg/{name}").text
    article = page.split('<article class="rk-doc">')[1].split("</article>")[0]
    links = [href for href in re.findall(r'href="([^"]+)"', article) if href.startswith("/")]
    for link in links:
        assert client.get(link).status_code == 200, (name, link)


def test_every_page_has_a_dutch_explanation() -> None:
    assert sorted(p.stem for p in DUTCH_DIR.glob("*.md")) == sorted(DOCS)
