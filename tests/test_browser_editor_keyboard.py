"""The map editor without a mouse, in a real browser (issue 17): keys only (``send_keys``).

A planner signs in with the keyboard, opens the editor of huidig (a library scenario: "save"
is off and the page says why), jumps to the search with the skip link, finds Roermond, moves it
to a neighbouring SWV from the picker, undoes, redoes, and saves as a new scenario through the
dialog (name, description, confirm). The stored scenario holds exactly that move. On the way:
no map shape is a tab stop, every tab stop shows its focus, Escape closes the picker and the
figure panel announces the change (aria-live). Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import json
import urllib.request

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_browser import (  # noqa: F401 - fixtures
    PASSWORD,
    PLANNER,
    TOKEN,
    _screenshot,
    _script_errors,
    browser,
    server,
)
from tests.test_browser_editor import _evaluations, _ready, _region_of, _wait_evaluated

pytestmark = [pytest.mark.browser, pytest.mark.integration]

EDITOR = "/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po"
SAVED = "toetsenbord-roermond"


def keys(d: WebDriver, *sequence: str) -> None:
    """Type into whatever has the focus (no element is looked up or clicked)."""
    ActionChains(d).send_keys(*sequence).perform()


def ctrl(d: WebDriver, key: str) -> None:
    ActionChains(d).key_down(Keys.CONTROL).send_keys(key).key_up(Keys.CONTROL).perform()


def active(d: WebDriver) -> dict:
    """What has the focus: tag, id, text, and whether its focus is visible (an outline)."""
    return d.execute_script(
        "const e = document.activeElement, s = getComputedStyle(e);"
        "return {tag: e.tagName.toLowerCase(), id: e.id, text: (e.textContent || '').trim(),"
        " outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,"
        " ns: e.namespaceURI};"
    )


def tab_to(d: WebDriver, element_id: str, back: bool = False, limit: int = 40) -> None:
    """Press Tab (or Shift+Tab) until ``element_id`` has the focus."""
    for _ in range(limit):
        if active(d)["id"] == element_id:
            return
        if back:
            ActionChains(d).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        else:
            keys(d, Keys.TAB)
    raise AssertionError(f"#{element_id} not reached with the keyboard; at {active(d)}")


def stored(base: str, name: str) -> dict:
    request = urllib.request.Request(f"{base}/api/scenarios/{name}", headers=TOKEN)
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def test_keyboard_only_journey(server: str, browser: WebDriver) -> None:  # noqa: F811
    d = browser
    # sign in with the keyboard: the name field has the focus, Tab, password, Enter
    d.get(f"{server}/login")
    tab_to(d, "login-name")  # it has the focus at once (autofocus)
    keys(d, PLANNER, Keys.TAB, PASSWORD, Keys.ENTER)
    WebDriverWait(d, 30).until(lambda x: x.find_elements("id", "account"))

    d.get(f"{server}{EDITOR}")
    _ready(d)
    # huidig is a library scenario: save is off and the page says why (save as is the way)
    assert d.execute_script("return document.body.dataset.canSave") == "false"
    assert d.find_element("id", "save-why").text.strip()

    # every tab stop shows its focus; no map shape (SVG path) is one
    stops = []
    for _ in range(200):
        keys(d, Keys.TAB)
        now = active(d)
        if stops and now["tag"] == "body":
            continue
        if stops and now == stops[0]:
            break
        stops.append(now)
    assert len(stops) >= 10
    assert [s for s in stops if s["ns"] == "http://www.w3.org/2000/svg"] == []
    invisible = [s for s in stops if not s["outline"]]
    assert invisible == [], f"focus not visible on {invisible}"

    # the skip link leads to the search
    d.get(f"{server}{EDITOR}")
    _ready(d)
    keys(d, Keys.TAB)
    assert active(d)["tag"] == "a" and active(d)["id"] == ""  # the skip link comes first
    keys(d, Keys.ENTER)
    assert active(d)["id"] == "search"
    before = _region_of(d, "GM0957")
    assert before == [["PO3102", 1.0]]

    # find Roermond, open the picker; Escape closes it and gives the focus back
    keys(d, "roermond")
    WebDriverWait(d, 10).until(lambda x: x.find_elements("css selector", "#search-results li"))
    keys(d, Keys.ARROW_DOWN, Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: active(x)["id"].startswith("target-"))
    assert "GM0957" in d.find_element("id", "picker-title").text
    where = d.find_element("id", "picker-where").text
    assert "JZ42" in where and "Midden-Limburg Oost" in where and "Limburg" in where
    keys(d, Keys.ESCAPE)
    assert d.find_element("id", "picker").get_attribute("hidden") is not None
    assert active(d)["id"] == "search"

    # again, and move it to the first neighbouring SWV with Enter
    keys(d, Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: active(x)["id"].startswith("target-"))
    target = active(d)["id"].removeprefix("target-")
    assert target != "PO3102"
    _screenshot(d, "editor_keyboard_picker.png")
    n = _evaluations(d)
    keys(d, Keys.ENTER)
    _wait_evaluated(d, n)
    assert _region_of(d, "GM0957") == [[target, 1.0]]
    assert active(d)["id"] == "search"  # back where the journey started
    announced = d.find_element("id", "announce").get_attribute("textContent")
    assert "Congruentie" in announced and ("beter" in announced or "slechter" in announced)
    changed = d.find_elements("css selector", "#changed tbody tr")
    assert [r.get_attribute("data-code") for r in changed] == ["GM0957"]

    # undo and redo: the buttons, then the shortcuts (focus outside a text field)
    tab_to(d, "undo", back=True)
    n = _evaluations(d)
    keys(d, Keys.ENTER)
    _wait_evaluated(d, n)
    assert _region_of(d, "GM0957") == before
    assert active(d)["id"] == "redo"  # the switched-off undo button handed on its focus
    n = _evaluations(d)
    keys(d, Keys.ENTER)
    _wait_evaluated(d, n)
    assert _region_of(d, "GM0957") == [[target, 1.0]]
    n = _evaluations(d)
    ctrl(d, "z")
    _wait_evaluated(d, n)
    assert _region_of(d, "GM0957") == before
    n = _evaluations(d)
    ctrl(d, "y")
    _wait_evaluated(d, n)
    assert _region_of(d, "GM0957") == [[target, 1.0]]

    # save as: name, description, next, confirm; the page goes on with the new scenario
    tab_to(d, "save-as")
    keys(d, Keys.ENTER)
    assert active(d)["id"] == "save-name"
    keys(d, SAVED, Keys.TAB)
    assert active(d)["id"] == "save-description"
    ctrl(d, "a")  # replace the proposed description
    keys(d, "Roermond met het toetsenbord verhuisd", Keys.TAB)
    assert active(d)["id"] == "save-as-next"
    keys(d, Keys.ENTER)
    assert active(d)["id"] == "save-as-confirm"
    assert SAVED in d.find_element("id", "save-as-summary").text
    _screenshot(d, "editor_keyboard_save_as.png")
    n = _evaluations(d)
    keys(d, Keys.ENTER)
    WebDriverWait(d, 30).until(lambda x: f"/edit/{SAVED}?" in x.current_url)
    _wait_evaluated(d, n)
    doc = stored(server, SAVED)["document"]
    assert doc["base"] == "huidig"
    assert doc["description"] == "Roermond met het toetsenbord verhuisd"
    assert doc["edits"] == [{"op": "move", "division": "swv_po", "unit": "GM0957", "to": target}]
    assert d.execute_script("return document.body.dataset.canSave") == "true"
    assert not d.find_element("id", "save-why").text.strip()
    _screenshot(d, "editor_keyboard_saved.png")
    assert _script_errors(d) == []
