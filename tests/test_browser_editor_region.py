"""The editor for a regional task (issue 18 item 6) in a real browser, with the mouse.

On ``jeugdregio_41`` (the decree's 41 regions: Midden-Limburg is one region there): the tooltip
names the gemeente's jeugdregio of *that* scenario; the search finds a province, a jeugdregio,
an SWV by code and a postcode; "focus on" Limburg zooms in and filters the region table to the
regions with a gemeente in Limburg (counted independently from the membership tables); a
locked region is left alone by painting (click and drag); weight and ``against`` change in the
page and keep the edits; a postcode of a split gemeente moves (``move_postcode``, checked
against the scenario code applied from scratch); save is off on a library scenario and says
why; save as keeps the view. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import warnings

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.test_browser import (  # noqa: F401 - fixtures
    _screenshot,
    _script_errors,
    browser,
    server,
    sign_in_browser,
)
from tests.test_browser_editor import _evaluations, _ready, _region_of, _wait_evaluated

pytestmark = [pytest.mark.browser, pytest.mark.integration]

EDITOR = "/edit/jeugdregio_41?division=swv_po&against=jeugdregio&weight=pupils_po"
SAVED = "limburg-regionaal"
ZOOM = "return window.rkEditor.mapZoom()"

POINT_IN = """
const path = window.rkEditor.layers[arguments[0]].getElement();
const box = path.getBoundingClientRect();
for (let i = 1; i < 12; i++) for (let j = 1; j < 12; j++) {
  const x = box.left + (box.width * ((i * 7) % 12)) / 12;
  const y = box.top + (box.height * ((j * 5) % 12)) / 12;
  if (document.elementFromPoint(x, y) === path) return [x, y];
}
return null;
"""
"""JavaScript: a viewport point where the gemeente's own path is the topmost element."""


def _point(d: WebDriver, code: str) -> tuple[float, float]:
    point = d.execute_script(POINT_IN, code)
    assert point, f"{code} is not visible on the map"
    return point


def _at(d: WebDriver, code: str) -> ActionChains:
    """An action chain with the mouse on gemeente ``code`` (a point inside its shape)."""
    x, y = _point(d, code)
    body = d.find_element(By.TAG_NAME, "body")
    size = body.size
    return ActionChains(d).move_to_element_with_offset(
        body, int(x - size["width"] / 2), int(y - size["height"] / 2)
    )


def _search(d: WebDriver, query: str) -> list[dict]:
    box = d.find_element(By.ID, "search")
    box.clear()
    box.send_keys(query)
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, "#search-results li"))
    return [
        {
            "kind": li.get_attribute("data-kind"),
            "code": li.get_attribute("data-code") or li.get_attribute("data-region"),
            "pc4": li.get_attribute("data-pc4"),
            "element": li,
        }
        for li in d.find_elements(By.CSS_SELECTOR, "#search-results li")
    ]


def _units_of(dataset, division: str, region: str) -> set[str]:
    m = dataset.division(division).membership
    return set(m.loc[(m["region"] == region) & (m["share"] > 0), "unit"].astype(str))


def test_regional_editor_with_the_mouse(
    server: str,  # noqa: F811
    browser: WebDriver,  # noqa: F811
    dataset,
) -> None:
    d = browser
    sign_in_browser(d, server)
    d.get(f"{server}{EDITOR}")
    _ready(d)

    # a library scenario: save is off and says why; save as is the way
    assert d.find_element(By.ID, "save").get_attribute("disabled") is not None
    why = d.find_element(By.ID, "save-why").text
    assert "bibliotheek" in why and "opslaan als" in why.lower()

    # the tooltip names the jeugdregio of this scenario (the decree merged JZ42 and JZ43)
    roerdalen = d.execute_script(
        "const l = window.rkEditor.layers['GM1669']; l.openTooltip();"
        "return l.getTooltip().getElement().textContent;"
    )
    assert "Roerdalen (GM1669)" in roerdalen and "PO3102" in roerdalen
    assert "JZ42 Midden-Limburg" in roerdalen and "Oost" not in roerdalen
    d.execute_script("window.rkEditor.layers['GM1669'].closeTooltip()")

    # the search: province, jeugdregio, SWV code, postcode
    kinds = {r["kind"] for r in _search(d, "limburg")}
    assert {"provincie", "jeugdregio"} <= kinds
    assert {r["kind"] for r in _search(d, "Midden-Limburg")} >= {"jeugdregio"}
    assert [r["code"] for r in _search(d, "PO3102") if r["kind"] == "region"] == ["PO3102"]
    hits = _search(d, "6041")
    assert [(r["kind"], r["code"], r["pc4"]) for r in hits] == [("postcode", "GM0957", "6041")]

    # focus on the province Limburg: zoom in, and the region table shows its regions only
    zoom = d.execute_script(ZOOM)
    limburg = next(r for r in _search(d, "limburg") if r["kind"] == "provincie")
    limburg["element"].click()
    WebDriverWait(d, 10).until(lambda x: x.execute_script(ZOOM) > zoom)
    assert Select(d.find_element(By.ID, "focus")).first_selected_option.text == "Limburg"
    in_limburg = _units_of(dataset, "provincie", limburg["code"])
    m = dataset.division("swv_po").membership
    expected = set(m.loc[m["unit"].isin(in_limburg) & (m["share"] > 0), "region"]) - {"GEEN"}
    table = d.find_elements(By.CSS_SELECTOR, "#regions tbody tr")
    rows = {tr.get_attribute("id").removeprefix("region-") for tr in table}
    assert rows == expected and len(rows) < 20
    # the results now list Limburg's gemeenten (the keyboard goes on from there)
    results = d.find_elements(By.CSS_SELECTOR, "#search-results li")
    listed = {li.get_attribute("data-code") for li in results}
    assert listed == in_limburg
    _screenshot(d, "editor_focus_limburg.png")

    # lock PO3103 (Weert, Nederweert), then paint PO3102 over it and over PO3101's Peel en Maas
    d.find_element(By.ID, "lock-PO3103").click()
    assert "PO3103" in d.find_element(By.ID, "status").text
    d.find_element(By.ID, "mode-paint").click()
    Select(d.find_element(By.ID, "paint-region")).select_by_value("PO3102")
    weert = sorted(
        u for u in _units_of(dataset, "swv_po", "PO3103") if _region_of(d, u)[0][0] == "PO3103"
    )  # the gemeenten whose largest share lies in the locked region
    n = _evaluations(d)
    _at(d, weert[0]).click().perform()
    assert d.execute_script("return window.rkEditor.edits.length") == 0
    assert "vergrendeld" in d.find_element(By.ID, "status").text
    # a drag from a PO3101 gemeente across the locked region: only the unlocked one moves
    _at(d, "GM1894").click_and_hold().perform()
    _at(d, weert[0]).perform()
    _at(d, weert[-1]).release().perform()
    _wait_evaluated(d, n)
    edits = d.execute_script("return window.rkEditor.edits")
    assert edits and {e["unit"] for e in edits} == {"GM1894"}
    assert _region_of(d, "GM1894")[0][0] == "PO3102"
    base = d.execute_script("return window.rkEditor.base.membership")
    assert all(_region_of(d, u) == base[u] for u in weert)  # the locked region kept them
    _screenshot(d, "editor_locked_paint.png")

    # weight and 'against' change in the page; the edits stay
    n = _evaluations(d)
    Select(d.find_element(By.ID, "weight")).select_by_value("inhabitants")
    _wait_evaluated(d, n)
    assert "weight=inhabitants" in d.current_url
    assert d.execute_script("return window.rkEditor.figures.weight") == "inhabitants"
    before = float(d.find_element(By.ID, "after-congruence").get_attribute("data-value"))
    n = _evaluations(d)
    Select(d.find_element(By.ID, "against")).select_by_value("provincie")
    _wait_evaluated(d, n)
    assert "against=provincie" in d.current_url
    assert d.execute_script("return window.rkEditor.figures.against") == "provincie"
    assert float(d.find_element(By.ID, "after-congruence").get_attribute("data-value")) != before
    assert d.find_element(By.ID, "legend-against").text == "provincies"
    assert len(d.execute_script("return window.rkEditor.edits")) == len(edits)
    n = _evaluations(d)
    Select(d.find_element(By.ID, "against")).select_by_value("jeugdregio")
    _wait_evaluated(d, n)

    # per postcode: a postcode of a split gemeente moves to a neighbouring SWV
    d.find_element(By.ID, "mode-select").click()
    membership = d.execute_script("return window.rkEditor.figures.membership")
    split = sorted(u for u, rows_ in membership.items() if len(rows_) > 1 and u in in_limburg)
    unit = split[0] if split else "GM0957"
    d.execute_script(
        "window.rkEditor.layers[arguments[0]].fire('click')", unit
    )  # the shape may lie outside the view; the click is the map's own event
    rows = WebDriverWait(d, 10).until(
        lambda x: x.find_elements(By.CSS_SELECTOR, "#picker-postcodes tbody tr")
    )
    pc4 = rows[0].get_attribute("id")[4:]
    menu = Select(d.find_element(By.ID, f"pc4-{pc4}-to"))
    target = menu.options[1].get_attribute("value")
    menu.select_by_value(target)
    n = _evaluations(d)
    d.find_element(By.ID, f"pc4-{pc4}-move").click()
    _wait_evaluated(d, n)
    edit = d.execute_script("return window.rkEditor.edits.at(-1)")
    assert edit["op"] == "move_postcode" and edit["pc4"] == pc4 and edit["to"] == target
    # the page's membership equals the scenario code applied from scratch
    from geo.scenarios import apply_scenario, parse_scenario

    all_edits = d.execute_script("return window.rkEditor.edits")
    doc = parse_scenario(
        {"name": "x", "description": "check", "base": "jeugdregio_41", "edits": all_edits}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        division = apply_scenario(doc, dataset)["swv_po"]
    want = {r: s for r, s in division.unit_regions(unit).items() if s > 0}
    got = dict(map(tuple, _region_of(d, unit)))
    assert got.keys() == want.keys() and target in got
    assert all(got[r] == pytest.approx(want[r], abs=1e-9) for r in want)
    _screenshot(d, "editor_postcode.png")

    # save as keeps the view (same centre and zoom), then saving is on
    view = d.execute_script("return window.rkEditor.mapView()")
    d.find_element(By.ID, "save-as").click()
    d.find_element(By.ID, "save-name").send_keys(SAVED)
    d.find_element(By.ID, "save-as-next").click()
    n = _evaluations(d)
    d.find_element(By.ID, "save-as-confirm").click()
    WebDriverWait(d, 30).until(lambda x: f"/edit/{SAVED}?" in x.current_url)
    _wait_evaluated(d, n)
    assert d.execute_script("return window.rkEditor.mapView()") == view
    assert d.find_element(By.ID, "save").get_attribute("disabled") is not None  # no new edits
    assert d.find_element(By.ID, "save-why").text == ""
    assert len(d.find_elements(By.CSS_SELECTOR, "#saved-edits li")) == len(all_edits)
    _screenshot(d, "editor_regional_saved.png")
    assert _script_errors(d) == []
