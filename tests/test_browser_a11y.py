"""WCAG 2.1 AA, measured: axe-core in Chromium on every page type, in Dutch and in English.

axe-core (``tests/a11y/axe.min.js``, vendored from npm, MPL-2.0) is injected by the test, never
served by the app. The tags ``wcag2a``, ``wcag2aa``, ``wcag21a`` and ``wcag21aa`` must give 0
violations on every page of :data:`PAGES` in both languages. Screenshots of every page type in
Dutch go to ``artifacts/a11y_<page>.png``.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from geo.config import REPO_ROOT
from tests.test_browser import (  # noqa: F401 - fixtures
    TOKEN,
    _screenshot,
    _script_errors,
    browser,
    server,
    sign_in_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

AXE = REPO_ROOT / "tests" / "a11y" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
MAP = "division=swv_po&against=jeugdregio&weight=inhabitants"

PAGES: dict[str, str] = {
    "home": "/",
    "login": "/login",
    "glossary": "/begrippen",
    "statement": "/toegankelijkheid",
    "map": f"/maps/huidig?{MAP}",
    "map_proposal": f"/maps/po_vo_samen?{MAP.replace('swv_po', 'swv')}",
    "compare": "/maps/compare?left=huidig&right=swv_binnen_jeugdregio&division=swv_po",
    "report": "/api/scenarios/huidig/report",
    "scenario": "/scenarios/jeugdregio_41",
    "proposal_form": "/proposals/new",
    "compare_page": "/compare?left=huidig&right=po_vo_samen&right_division=swv",
    "difference_map": "/compare/map?left=huidig&right=po_vo_samen&right_division=swv",
    "error_404": "/maps/no-such-scenario",
    "error_422": "/maps/huidig?division=no_such_division",
}
"""Page type -> path (the share page is added by :func:`share_path`)."""


def run_axe(driver: WebDriver) -> list[dict]:
    """The axe violations of the page open in ``driver`` for :data:`WCAG_TAGS`."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(120)
    return driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        const options = {runOnly: {type: "tag", values: arguments[0]}, resultTypes: ["violations"]};
        axe.run(document, options)
          .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(
                  n => n.target.join(" ") + " :: " + n.failureSummary)}))))
          .catch(e => done([{id: "axe-error", help: String(e), nodes: []}]));
        """,
        list(WCAG_TAGS),
    )


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v.get('impact')}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )


def open_page(driver: WebDriver, base: str, path: str, locale: str) -> None:
    """Open ``path`` in ``locale`` through the language switch (the remembered choice)."""
    driver.get(f"{base}/taal/{locale}?next={urllib.parse.quote(path, safe='')}")
    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    maps = path.startswith(("/maps/", "/compare/map"))
    if maps and "no-such" not in path and "no_such" not in path:
        WebDriverWait(driver, 60).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")
        )


@pytest.fixture(scope="module")
def share_path(server: str) -> Iterator[str]:  # noqa: F811 - the fixture
    """A share link of a planner's scenario (the share page type)."""
    doc = {"name": "a11y-share", "description": "gedeeld", "principles": [], "edits": []}
    headers = {**TOKEN, "Content-Type": "application/json"}
    request = urllib.request.Request(
        f"{server}/api/scenarios", json.dumps(doc).encode(), headers, method="POST"
    )
    urllib.request.urlopen(request, timeout=60).close()
    request = urllib.request.Request(
        f"{server}/api/scenarios/a11y-share/shares", b"{}", headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        url = json.load(answer)["url"]
    yield urllib.parse.urlsplit(url).path


@pytest.mark.parametrize("locale", ["nl", "en"])
@pytest.mark.parametrize("page", [*PAGES, "share"])
def test_no_wcag_violations(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
    share_path: str,
    page: str,
    locale: str,
) -> None:
    path = share_path if page == "share" else PAGES[page]
    open_page(browser, server, path, locale)
    assert browser.execute_script("return document.documentElement.lang") == locale
    violations = run_axe(browser)
    if locale == "nl":
        _screenshot(browser, f"a11y_{page}.png")
    assert not violations, f"{page} ({locale}) {path}:\n{describe(violations)}"
