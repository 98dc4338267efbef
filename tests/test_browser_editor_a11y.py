"""The map editor passes axe-core (WCAG 2.1 A/AA) in Chromium, in Dutch and in English: as it
opens, after an edit with the region picker open, with the save-as dialog open, and on a
768-px tablet (where the panel's sections collapse and nothing scrolls sideways). Every time
no control is in the browser's default look (the NL Design System components style them) and
neither the panel nor its region table scrolls sideways (the postcode table of a split
gemeente, with a select and a button per row, fits the 440-px panel). The harness
is ``tests/test_browser_a11y.py`` (axe-core vendored in ``tests/a11y``, never served).
Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_browser import (  # noqa: F401 - fixtures
    _screenshot,
    _script_errors,
    browser,
    chromium,
    server,
    sign_in_browser,
)
from tests.test_browser_a11y import describe, open_page, run_axe, unstyled_controls
from tests.test_browser_editor import _evaluations, _ready, _wait_evaluated

pytestmark = [pytest.mark.browser, pytest.mark.integration]

EDITOR = "/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po"


SIDEWAYS = """
const side = document.getElementById("side");
const wrap = document.querySelector("#regions-panel .table-wrap");
return [side.scrollWidth - side.clientWidth, wrap.scrollWidth - wrap.clientWidth];
"""
"""JavaScript: how far the panel and its region table scroll sideways (0: they fit)."""


def _check(d: WebDriver, what: str) -> None:
    violations = run_axe(d)
    assert not violations, f"editor {what}:\n{describe(violations)}"
    assert unstyled_controls(d) == [], f"editor {what}: controls in the browser's default look"
    assert d.execute_script(SIDEWAYS) == [0, 0], f"editor {what}: the panel scrolls sideways"


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_editor_has_no_wcag_violations(
    server: str,  # noqa: F811
    browser: WebDriver,  # noqa: F811
    locale: str,
) -> None:
    d = browser
    if not d.get_cookie("regio_session"):
        sign_in_browser(d, server)  # a planner: save as is on, save is off (library)
    open_page(d, server, EDITOR, locale)
    _ready(d)
    assert d.execute_script("return document.documentElement.lang") == locale
    _check(d, f"as it opens ({locale})")

    # an edit, then the picker of a split gemeente open (its postcodes too)
    n = _evaluations(d)
    d.execute_script("window.rkEditor.layers['GM0772'].fire('click')")
    d.find_element("id", "target-PO3008").click()
    _wait_evaluated(d, n)
    membership = d.execute_script("return window.rkEditor.figures.membership")
    split = sorted(u for u, rows in membership.items() if len(rows) > 1)[0]
    d.execute_script("window.rkEditor.layers[arguments[0]].fire('click')", split)
    WebDriverWait(d, 10).until(lambda x: x.find_element("id", "picker-postcodes"))
    assert d.find_element("id", "picker-postcodes").get_attribute("open") is not None
    _check(d, f"after an edit, picker open ({locale})")
    if locale == "nl":
        _screenshot(d, "editor_a11y_picker.png")

    # the save-as dialog
    d.find_element("id", "picker-cancel").click()
    d.find_element("id", "save-as").click()
    _check(d, f"save-as dialog open ({locale})")
    if locale == "nl":
        _screenshot(d, "editor_a11y_save_as.png")
    d.find_element("id", "save-as-cancel").click()
    d.execute_script("window.rkEditor.edits.length = 0;")  # leave without the unload question
    assert _script_errors(d) == []


def test_editor_on_a_tablet(server: str, tmp_path: Path) -> None:  # noqa: F811
    with chromium(tmp_path / "tablet", window="768,1024") as d:
        d.get(f"{server}{EDITOR}")
        _ready(d)
        # the map above the panel, the panel's long sections folded, no sideways scrolling
        map_box = d.execute_script("return document.getElementById('map').getBoundingClientRect()")
        side = d.execute_script("return document.getElementById('side').getBoundingClientRect()")
        assert side["top"] >= map_box["bottom"] - 1 and side["width"] >= 700
        folded = d.execute_script(
            "return ['edits-panel', 'changed-panel', 'regions-panel']"
            ".map(id => document.getElementById(id).open)"
        )
        assert folded == [False, False, False]
        wide = d.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert wide <= 0
        _check(d, "on a 768-px tablet")
        _screenshot(d, "editor_tablet_768.png")
