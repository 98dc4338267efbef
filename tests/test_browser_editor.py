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
import warnings
from pathlib import Path

import pytest
import yaml
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from fixtures.server import regio_command
from tests.test_browser import (  # noqa: F401 - fixtures
    TOKEN,
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
        [*regio_command(), "score", str(path), "-d", "swv_po", "-a", "jeugdregio"]
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
    assert "swv_po" in link.get_attribute("textContent")
    d.get(link.get_attribute("href"))  # the home page may show the row folded away
    _ready(d)
    assert d.current_url.startswith(f"{server}/edit/huidig?division=swv_po")
    _wait_for_shapes(d, 342)
    before = _congruence(d)
    # the figures are "tegen" the compared division by its name (as in its select), not its id
    against = d.find_element(By.ID, "against")
    name = d.execute_script("return arguments[0].selectedOptions[0].textContent.trim()", against)
    value = against.get_attribute("value")
    head = d.find_element(By.CSS_SELECTOR, "#headline th").text
    assert name != value and head == f"tegen {name}", (head, name, value)
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
    assert d.find_element(By.ID, "disrupted").get_attribute("data-value")
    assert " km " in d.find_element(By.ID, "travel-po").text
    model = d.find_element(By.ID, "travel-model").text  # the panel names the travel model
    assert "hemelsbreed over land, via vaste oeververbindingen" in model
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

    # save as a new scenario: a dialog asks name and description, then confirms; the page
    # goes on editing the new scenario (same view); reload: the edit is still there
    d.find_element(By.ID, "save-as").click()
    d.find_element(By.ID, "save-name").send_keys(SAVED)
    d.find_element(By.ID, "save-description").clear()
    d.find_element(By.ID, "save-description").send_keys("Eindhoven in PO3008")
    d.find_element(By.ID, "save-as-next").click()
    assert SAVED in d.find_element(By.ID, "save-as-summary").text
    n = _evaluations(d)
    d.find_element(By.ID, "save-as-confirm").click()
    WebDriverWait(d, 30).until(lambda x: f"/edit/{SAVED}?" in x.current_url)
    _wait_evaluated(d, n)
    assert _region_of(d, "GM0772") == [["PO3008", 1.0]] and _edit_texts(d) == []
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
    WebDriverWait(d, 10).until(lambda x: x.find_element(By.ID, "error").text or None)
    assert d.find_element(By.ID, "rebase").is_displayed()
    assert len(_edit_texts(d)) == 1 and "GM0753" in _edit_texts(d)[0]
    assert _region_of(d, "GM0753") == [["PO3008", 1.0]]
    _screenshot(d, "editor_conflict.png")
    # instead of stopping: put the edit on top of the newer revision, then save
    n = _evaluations(d)
    d.find_element(By.ID, "rebase").click()
    _wait_evaluated(d, n)
    assert int(d.execute_script("return document.body.dataset.revision")) == revision + 1
    assert d.find_element(By.ID, "version").text == "2"  # the scenario's own count
    assert _region_of(d, "GM0848") == [["PO3008", 1.0]]  # the other save's edit, now stored
    assert _region_of(d, "GM0753") == [["PO3008", 1.0]]  # and this page's edit on top
    assert len(_edit_texts(d, "saved-edits")) == 2 and len(_edit_texts(d)) == 1
    n = _evaluations(d)
    d.find_element(By.ID, "save").click()
    _wait_evaluated(d, n)
    assert int(d.execute_script("return document.body.dataset.revision")) == revision + 2
    assert d.find_element(By.ID, "version").text == "3" and _edit_texts(d) == []
    stored = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(f"{server}/api/scenarios/{SAVED}", headers=TOKEN), timeout=30
        ).read()
    )
    assert [e["unit"] for e in stored["document"]["edits"]] == ["GM0772", "GM0848", "GM0753"]


# ---------------------------------------------------------------------- region borders
BORDERS_JS = """
const out = {};
for (const [id, line] of Object.entries(window.rkEditor.borders)) {
  out[id] = line._path ? line._path.getAttribute('stroke-opacity') : null;
}
return out;
"""


def _borders_shown(d: WebDriver) -> dict[str, bool]:
    """``{"a|b": shown}`` read from the SVG paths Leaflet drew for the border lines."""
    raw = d.execute_script(BORDERS_JS)
    assert None not in raw.values()
    return {key: float(value) > 0 for key, value in raw.items()}


def _main_regions(dataset, edits: list[dict]) -> dict[str, str]:
    """Each gemeente's largest-share region of swv_po after ``edits`` on huidig, from a full
    application of the scenario ('no region' only for gemeenten with no region share)."""
    from geo.scenarios import apply_scenario, parse_scenario

    doc = parse_scenario({"name": "x", "description": "edits", "edits": edits})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        division = apply_scenario(doc, dataset)["swv_po"]
    real = division.shares[:, : division.n_regions].toarray()
    best = [str(division.regions[i]) for i in real.argmax(axis=1)]
    return {
        str(u): (b if real[k].max() > 0 else "GEEN")
        for k, (u, b) in enumerate(zip(division.units, best, strict=True))
    }


def _check_borders(d: WebDriver, pairs: set[tuple[str, str]], region: dict[str, str]) -> dict:
    """Every drawn line is a queen pair; it is shown iff its gemeenten's regions differ."""
    shown = _borders_shown(d)
    lines = {tuple(key.split("|")) for key in shown}
    assert lines <= pairs
    assert len(lines) >= 0.95 * len(pairs)  # the rest touch in a corner only
    wrong = [k for k, on in shown.items() if on != (region[k[:6]] != region[k[7:]])]
    assert wrong == []
    return shown


def test_editor_region_borders_and_new_region(
    server: str,  # noqa: F811
    browser: WebDriver,  # noqa: F811
    dataset,
) -> None:
    from geo.adjacency import queen_adjacency

    d = browser
    _script_errors(d)  # read (and drop) the log so far: the test before provokes a 409
    d.get(f"{server}/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po")
    _ready(d)
    adjacency, _ = queen_adjacency(dataset.units, link_islands=False)
    pairs = {(a, b) for a, ns in adjacency.items() for b in ns if a < b}
    region = _main_regions(dataset, [])
    before = _check_borders(d, pairs, region)

    # moving Eindhoven shows its border with the old region, hides the one with the new
    _pick(d, "eindhoven", "GM0772", "PO3008")
    after_region = _main_regions(dataset, [EINDHOVEN])
    after = _check_borders(d, pairs, after_region)
    eindhoven = {k: v for k, v in after.items() if "GM0772" in k.split("|")}
    other = {k: (set(k.split("|")) - {"GM0772"}).pop() for k in eindhoven}
    to_old = [k for k, n in other.items() if after_region[n] == "PO3007"]
    to_new = [k for k, n in other.items() if after_region[n] == "PO3008"]
    assert to_old and to_new
    assert all(after[k] and not before[k] for k in to_old)
    assert all(not after[k] and before[k] for k in to_new)
    assert {k for k in after if after[k] != before[k]} <= set(eindhoven)

    # a new region: one move with a name; the panel lists it, the borders follow
    search = d.find_element(By.ID, "search")
    search.clear()
    search.send_keys("best")
    WebDriverWait(d, 10).until(
        lambda x: x.find_element(By.CSS_SELECTOR, "#search-results li[data-code='GM0753']")
    ).click()
    n = _evaluations(d)
    WebDriverWait(d, 10).until(lambda x: x.find_element(By.ID, "target-new")).click()
    _wait_evaluated(d, n)
    edits = d.execute_script("return window.rkEditor.edits")
    fresh = {"op": "move", "division": "swv_po", "unit": "GM0753", "to": "NIEUW1"}
    assert edits[-1] == {**fresh, "name": ""}  # named by the rule from its gemeenten
    assert _region_of(d, "GM0753") == [["NIEUW1", 1.0]]
    assert "NIEUW1 Best" in d.find_element(By.ID, "region-NIEUW1").text
    assert "NIEUW1" in _edit_texts(d)[-1]
    _check_borders(d, pairs, _main_regions(dataset, edits))

    # one share of a split gemeente into a new region: the share moves as it was
    membership = d.execute_script("return window.rkEditor.figures.membership")
    split = sorted(
        u for u, rows in membership.items() if len([r for r, _ in rows if r != "GEEN"]) == 2
    )
    assert split
    unit = split[0]
    share_region, share = [row for row in membership[unit] if row[0] != "GEEN"][1]
    d.execute_script("window.rkEditor.layers[arguments[0]].fire('click')", unit)
    WebDriverWait(d, 10).until(
        lambda x: x.find_element(By.CSS_SELECTOR, f"#picker-share input[value='{share_region}']")
    ).click()
    n = _evaluations(d)
    d.find_element(By.ID, "target-new").click()
    _wait_evaluated(d, n)
    edits = d.execute_script("return window.rkEditor.edits")
    assert edits[-1] == {
        "op": "move", "division": "swv_po", "unit": unit, "to": "NIEUW2",
        "name": "", "from": share_region,
    }  # fmt: skip
    rows = dict(map(tuple, _region_of(d, unit)))
    assert share_region not in rows and rows["NIEUW2"] == pytest.approx(share, abs=1e-12)
    _check_borders(d, pairs, _main_regions(dataset, edits))

    # region names are user input: a hostile name is shown as text, never run
    payload = '<img src=x onerror="window.__xss=1">nieuw'
    d.execute_script("document.getElementById('rename-region').value = 'NIEUW1'")
    d.find_element(By.ID, "rename-name").send_keys(payload)
    n = _evaluations(d)
    d.find_element(By.ID, "rename").click()
    _wait_evaluated(d, n)
    assert payload in d.find_element(By.ID, "region-NIEUW1").text
    tooltip = d.execute_script(
        "const l = window.rkEditor.layers['GM0753']; l.openTooltip();"
        "return l.getTooltip().getElement().textContent;"
    )
    assert payload in tooltip
    assert d.execute_script("return window.__xss") is None
    assert d.find_elements(By.CSS_SELECTOR, ".leaflet-tooltip img, #side img") == []
    _screenshot(d, "editor_new_region_borders.png")
    assert _script_errors(d) == []
    d.execute_script("window.rkEditor.edits.length = 0;")
