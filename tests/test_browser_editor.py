"""The map editor in a real browser: ``regio serve`` on loopback, headless Chromium.

From the home page to the editor of huidig; Eindhoven moved to PO3008 through the search box
and the region picker; the panel's congruence equals ``regio score`` of the same edit list;
undo/redo with the keyboard; save as, reload, the edit is still there; the compare view of
the saved scenario beside huidig; a conflicting save shows the 409 message and keeps the
edits. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.test_browser import (  # noqa: F401 - fixtures
    TOKEN,
    _regio_command,
    _screenshot,
    _script_errors,
    _wait_for_shapes,
    browser,
    server,
    sign_in_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]

EINDHOVEN = {"op": "move", "division": "swv_po", "unit": "GM0772", "to": "PO3008"}
SAVED = "browser-eindhoven"


def _ready(d: WebDriver, timeout: float = 60.0) -> None:
    WebDriverWait(d, timeout).until(
        lambda x: x.execute_script("return document.body.dataset.ready") == "true"
    )


def _evaluations(d: WebDriver) -> int:
    return int(d.execute_script("return window.rkEditor.evalCount"))


def _wait_evaluated(d: WebDriver, after: int, timeout: float = 30.0) -> None:
    WebDriverWait(d, timeout).until(lambda x: _evaluations(x) > after)


def _region_of(d: WebDriver, code: str) -> list:
    return d.execute_script("return window.rkEditor.figures.membership[arguments[0]]", code)


def _edit_texts(d: WebDriver, list_id: str = "edits") -> list[str]:
    return [li.text for li in d.find_elements(By.CSS_SELECTOR, f"#{list_id} li")]


def _congruence(d: WebDriver) -> float:
    return float(d.find_element(By.ID, "after-congruence").get_attribute("data-value"))


def _pick(d: WebDriver, query: str, code: str, target: str) -> None:
    """Find a gemeente with the search box, click it, pick the target region."""
    search = d.find_element(By.ID, "search")
    search.clear()
    search.send_keys(query)
    hit = WebDriverWait(d, 10).until(
        lambda x: x.find_element(By.CSS_SELECTOR, f"#search-results li[data-code='{code}']")
    )
    hit.click()
    button = WebDriverWait(d, 10).until(lambda x: x.find_element(By.ID, f"target-{target}"))
    before = _evaluations(d)
    button.click()
    _wait_evaluated(d, before)


def _regio_score(edits: list[dict], tmp: Path, data_env: dict) -> float:
    path = tmp / "edits.yaml"
    path.write_text(
        yaml.safe_dump({"name": "edits", "description": "browser edits", "edits": edits})
    )
    out = subprocess.run(
        [*_regio_command(), "score", str(path), "-d", "swv_po", "-a", "jeugdregio"]
        + ["-w", "pupils_po", "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=data_env,
        timeout=300,
    )
    return float(json.loads(out.stdout)["summary"]["congruence"])


def test_editor_move_undo_save_reload_compare_conflict(
    server: str,  # noqa: F811
    browser: WebDriver,  # noqa: F811
    data_dir: Path,
    cache_dir: Path,
    tmp_path: Path,
) -> None:
    import os

    d = browser
    sign_in_browser(d, server)  # saving needs a user (the planner); trying edits does not
    d.get(f"{server}/")
    link = d.find_element(By.CSS_SELECTOR, "#scenario-huidig a.edit")
    assert link.text == "edit swv_po"
    link.click()
    _ready(d)
    assert d.current_url.startswith(f"{server}/edit/huidig?division=swv_po")
    _wait_for_shapes(d, 342)
    before = _congruence(d)
    assert _region_of(d, "GM0772") == [["PO3007", 1.0]]
    # neighbouring regions never share a colour
    clash = d.execute_script(
        "const s = window.rkEditor; return s.figures.adjacency.filter("
        "([a, b]) => s.colours[a] === s.colours[b]).length;"
    )
    assert clash == 0
    # search normalises: "sudwest" finds Súdwest-Fryslân, "den bosch" 's-Hertogenbosch
    for query, code in (("sudwest", "GM1900"), ("den bosch", "GM0796")):
        search = d.find_element(By.ID, "search")
        search.clear()
        search.send_keys(query)
        WebDriverWait(d, 10).until(
            lambda x, c=code: x.find_elements(
                By.CSS_SELECTOR, f"#search-results li[data-code='{c}']"
            )
        )

    # move Eindhoven to PO3008 through the UI
    _pick(d, "eindhoven", "GM0772", "PO3008")
    assert _region_of(d, "GM0772") == [["PO3008", 1.0]]
    assert len(_edit_texts(d)) == 1 and "GM0772" in _edit_texts(d)[0]
    env = {**os.environ, "REGIOKOMPAS_DATA": str(data_dir), "REGIOKOMPAS_CACHE": str(cache_dir)}
    expected = _regio_score([EINDHOVEN], tmp_path, env)
    after = _congruence(d)
    assert after == pytest.approx(expected, abs=1e-9)
    assert after > before
    touched = d.find_element(By.ID, "touched-list").text
    assert "PO3007" in touched and "PO3008" in touched and "→" in touched
    assert "pupils whose SWV changes" in d.find_element(By.ID, "disruption").text
    assert "distance to special education" in d.find_element(By.ID, "travel-po").text
    checks = {
        li.get_attribute("id"): li.get_attribute("data-passed")
        for li in d.find_elements(By.CSS_SELECTOR, "#checks li")
    }
    assert set(checks) == {f"check-{n}" for n in ("P1", "P2", "P3", "size", "contiguity")}
    _screenshot(d, "editor_moved.png")

    # undo and redo with the keyboard
    d.find_element(By.TAG_NAME, "body").click()
    n = _evaluations(d)
    ActionChains(d).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
    _wait_evaluated(d, n)
    assert _edit_texts(d) == [] and _region_of(d, "GM0772") == [["PO3007", 1.0]]
    assert _congruence(d) == pytest.approx(before, abs=1e-12)
    n = _evaluations(d)
    ActionChains(d).key_down(Keys.CONTROL).send_keys("y").key_up(Keys.CONTROL).perform()
    _wait_evaluated(d, n)
    assert _region_of(d, "GM0772") == [["PO3008", 1.0]]
    assert _congruence(d) == pytest.approx(expected, abs=1e-9)

    # leaving with unsaved edits asks first (the page cancels beforeunload)
    warned = d.execute_script(
        "const e = new Event('beforeunload', {cancelable: true});"
        "window.dispatchEvent(e); return e.defaultPrevented;"
    )
    assert warned is True

    # save as a new scenario: the page moves to its editor; reload: the edit is still there
    d.find_element(By.ID, "save-name").send_keys(SAVED)
    d.find_element(By.ID, "save-as").click()
    WebDriverWait(d, 30).until(lambda x: f"/edit/{SAVED}?" in x.current_url)
    _ready(d)
    d.refresh()
    _ready(d)
    assert _region_of(d, "GM0772") == [["PO3008", 1.0]]
    saved = _edit_texts(d, "saved-edits")
    assert len(saved) == 1 and "GM0772" in saved[0] and "PO3008" in saved[0]
    assert _congruence(d) == pytest.approx(expected, abs=1e-9)
    _screenshot(d, "editor_saved_reloaded.png")

    # the compare view of the saved scenario beside huidig
    d.find_element(By.ID, "compare-link").click()
    _wait_for_shapes(d, 2 * 342)
    boxes = d.find_elements(By.CSS_SELECTOR, ".rk-metrics")
    assert "scenario huidig" in boxes[0].text and f"scenario {SAVED}" in boxes[1].text
    _screenshot(d, "editor_compare.png")
    assert _script_errors(d) == []

    # a conflicting save: someone else saves while this page has an unsaved edit
    d.get(f"{server}/edit/{SAVED}?division=swv_po&against=jeugdregio&weight=pupils_po")
    _ready(d)
    revision = int(d.execute_script("return Number(document.body.dataset.revision)"))
    _pick(d, "best", "GM0753", "PO3008")
    other = {"op": "move", "division": "swv_po", "unit": "GM0848", "to": "PO3008"}
    request = urllib.request.Request(
        f"{server}/api/scenarios/{SAVED}/edits",
        data=json.dumps({"base_revision": revision, "edits": [other]}).encode(),
        headers={"content-type": "application/json", **TOKEN},  # the same planner, by script
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        assert r.status == 200
    d.find_element(By.ID, "save").click()
    error = WebDriverWait(d, 10).until(lambda x: x.find_element(By.ID, "error").text or None)
    assert "conflict" in error and "saved by someone else" in error
    assert len(_edit_texts(d)) == 1 and "GM0753" in _edit_texts(d)[0]
    assert _region_of(d, "GM0753") == [["PO3008", 1.0]]
    _screenshot(d, "editor_conflict.png")
    d.execute_script("window.rkEditor.edits.length = 0;")  # let the next test leave the page
