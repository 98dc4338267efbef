"""The shipped library scenarios' descriptions read in the reader's language (home, scenario
page, editor): the nl catalog translates each YAML description (extracted by
maps/i18n/extract.py), the English page shows the YAML text, and a planner's own description is
shown as written."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from api.app import create_app
from geo.config import REPO_ROOT
from maps.i18n.catalog import translations

pytestmark = pytest.mark.integration

LIBRARY = sorted((REPO_ROOT / "scenarios").glob("*.yaml"))


def description(path: Path) -> str:
    return str(yaml.safe_load(path.read_text(encoding="utf-8"))["description"])


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.stem)
def test_every_library_description_has_a_dutch_text(path: Path) -> None:
    english = description(path)
    dutch = translations("nl").gettext(english)
    assert dutch != english, f"{path.name}: no Dutch description in the nl catalog"
    assert "samenwerkingsverband" in dutch or "jeugdregio" in dutch


@pytest.fixture(scope="module")
def client(dataset, tmp_path_factory: pytest.TempPathFactory, sign_in) -> TestClient:
    app = create_app(dataset, tmp_path_factory.mktemp("library-nl"))
    return sign_in(TestClient(app), "bibliotheek")


def test_home_and_scenario_page_show_the_description_in_the_readers_language(
    client: TestClient,
) -> None:
    english = description(REPO_ROOT / "scenarios" / "huidig.yaml")
    dutch = translations("nl").gettext(english)
    editor = "/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po"
    for path in ("/", "/scenarios/huidig", editor):
        nl = html.unescape(client.get(path, headers={"Accept-Language": "nl"}).text)
        en = html.unescape(client.get(path, headers={"Accept-Language": "en"}).text)
        assert dutch in nl and english not in nl, path
        assert english in en and dutch not in en, path


def test_a_planners_own_description_is_shown_as_written(client: TestClient) -> None:
    english = description(REPO_ROOT / "scenarios" / "huidig.yaml")
    doc = {"name": "eigen-tekst", "base": "huidig", "description": english, "edits": []}
    assert client.post("/api/scenarios", json=doc).status_code == 201
    page = html.unescape(client.get("/scenarios/eigen-tekst").text)
    assert english in page
