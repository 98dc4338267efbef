"""The planner's journey in a real Chromium, mouse and keyboard only (issue 18, must hold):

sign in; a new scenario from jeugdregio_41; its page with the verdict; the editor: focus on
Limburg, move a gemeente, lock a region, save as; the regional report as a PDF the browser
downloads; a new scenario from it (save as); share it and open the link signed out (verdict,
report, compare with today, every link keeping the token); in the shared editor try an edit,
sign in from there and keep it as your own scenario; compare with huidig (scorecard side by
side, difference map); a proposal for Limburg: its progress per jeugdregio, then the result on
its own page; an import on a base, then a broken one. Also: the
home page fits a 768-px tablet without sideways scrolling, and /docs renders offline with an
Authorize button. Screenshots in artifacts/ (workspace_*.png).

The expected figures come from the JSON API (a separate request), not from the pages.
"""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from maps.pdf import pdf_page_count
from tests.test_browser import (  # noqa: F401 - fixtures
    ARTIFACTS,
    PASSWORD,
    PLANNER,
    TOKEN,
    _screenshot,
    _script_errors,
    browser,
    server,
)
from tests.test_browser_a11y import describe, run_axe
from tests.test_browser_editor import _ready, _wait_evaluated
from tests.test_browser_workspace_data import upload

pytestmark = [pytest.mark.browser, pytest.mark.integration]

TITLE = "Limburg 41 regio's"
SCENARIO = "limburg-41-regios"


def _api(base: str, path: str) -> dict:
    request = urllib.request.Request(base + path, headers=TOKEN)
    with urllib.request.urlopen(request, timeout=60) as r:
        return json.load(r)


def _wait_for(d: WebDriver, css: str, timeout: float = 120.0):
    WebDriverWait(d, timeout).until(lambda x: x.find_elements(By.CSS_SELECTOR, css))
    return d.find_element(By.CSS_SELECTOR, css)


def _click(d: WebDriver, css: str, timeout: float = 60.0) -> None:
    _wait_for(d, css, timeout).click()


def _sign_in(d: WebDriver) -> None:
    _click(d, "a[href^='/login']")
    _wait_for(d, "#login-name").send_keys(PLANNER)
    d.find_element(By.ID, "login-password").send_keys(PASSWORD + Keys.ENTER)
    _wait_for(d, "form[action='/logout']")


def _move_by_keyboard(d: WebDriver, gemeente: str) -> str:
    """In the editor: search ``gemeente``, open its picker (arrow down, Enter) and move it to
    the first region offered (Enter); the region it went to."""
    search = d.find_element(By.ID, "search")
    search.clear()
    search.send_keys(gemeente)
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, "#search-results li"))
    search.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    try:
        WebDriverWait(d, 20).until(
            lambda x: x.switch_to.active_element.get_attribute("id").startswith("target-")
        )
    except Exception:
        _screenshot(d, f"workspace_failed_move_{gemeente}.png")
        raise
    target = d.switch_to.active_element.get_attribute("id").removeprefix("target-")
    n = d.execute_script("return window.rkEditor.evalCount")
    d.switch_to.active_element.send_keys(Keys.ENTER)
    _wait_evaluated(d, n)
    return target


def _save_as_in_editor(d: WebDriver, name: str) -> None:
    """The editor's save as dialog: name, next, confirm; waits for the new scenario's editor."""
    d.find_element(By.ID, "save-as").click()
    _wait_for(d, "#save-name").send_keys(name)
    d.find_element(By.ID, "save-as-next").click()
    _click(d, "#save-as-confirm")
    WebDriverWait(d, 60).until(lambda x: f"/edit/{name}?" in x.current_url)


def _same_origin_links(d: WebDriver, base: str) -> list[str]:
    hrefs = [a.get_attribute("href") or "" for a in d.find_elements(By.CSS_SELECTOR, "main a")]
    return [h for h in hrefs if h.startswith(base)]


def test_docs_render_offline_with_authorize(
    server: str,  # noqa: F811
    browser: WebDriver,  # noqa: F811
) -> None:
    d = browser
    d.get(f"{server}/docs")
    _wait_for(d, ".opblock", 60)
    assert d.find_elements(By.CSS_SELECTOR, "button.authorize")
    assert "Unable to render" not in d.page_source
    _screenshot(d, "workspace_docs.png")


def test_planner_journey(
    server: str,  # noqa: F811
    browser: WebDriver,  # noqa: F811
) -> None:
    d = browser
    d.set_window_size(1300, 1000)
    d.get(f"{server}/")
    _click(d, "a[hreflang='nl']")  # Dutch (the default without a browser preference)
    _wait_for(d, "html[lang='nl']")

    # 1. sign in
    _sign_in(d)
    # the home page fits a tablet: no sideways scrolling at 768 px
    d.set_window_size(768, 1024)
    _wait_for(d, "#group-library")
    width = d.execute_script("return document.documentElement.scrollWidth")
    inner = d.execute_script("return document.documentElement.clientWidth")
    assert width <= inner, f"home page is {width}px wide at a {inner}px viewport"
    search = d.find_element(By.ID, "scenario-search")
    search.send_keys("41")
    assert not d.find_element(By.ID, "scenario-jeugdregio_41").get_attribute("hidden")
    assert d.find_element(By.ID, "scenario-huidig").get_attribute("hidden") is not None
    _screenshot(d, "workspace_1_home_768.png")
    search.clear()
    search.send_keys(Keys.BACKSPACE)
    d.set_window_size(1300, 1000)

    # 2. a new scenario from jeugdregio_41
    Select(d.find_element(By.ID, "new-base")).select_by_value("jeugdregio_41")
    d.find_element(By.ID, "new-title").send_keys(TITLE)
    d.find_element(By.ID, "new-description").send_keys("SWV's van Limburg binnen 41 regio's")
    d.find_element(By.CSS_SELECTOR, "#new-scenario button[type=submit]").click()
    _wait_for(d, "#scorecard")
    assert urlsplit(d.current_url).path == f"/scenarios/{SCENARIO}"
    assert d.find_element(By.ID, "scenario-title").text == TITLE

    # 3. the verdict on its page, check by check as the API judges it
    verdict = _api(server, f"/api/scenarios/{SCENARIO}/verdict")
    assert verdict["jeugdregio"]["regions"] == 41
    for check in verdict["checks"]:
        result = d.find_element(By.CSS_SELECTOR, f"#check-{check['name']} td.rk-result").text
        word = {None: "gemeld", True: "voldoet", False: "voldoet niet"}[check["passed"]]
        assert result.endswith(word), (check["name"], result)
    assert d.find_element(By.ID, "revision").text == "1"
    _screenshot(d, "workspace_2_scenario.png")
    # in the editor: focus on Limburg, move a gemeente, lock a region, save as
    d.find_element(By.CSS_SELECTOR, "#map-links a.edit[href*='division=swv_po']").click()
    _ready(d, 120)
    search = d.find_element(By.ID, "search")
    search.send_keys("limburg")
    _click(d, "#search-results li[data-kind='provincie']")
    WebDriverWait(d, 10).until(
        lambda x: Select(x.find_element(By.ID, "focus")).first_selected_option.text == "Limburg"
    )
    moved = _move_by_keyboard(d, "Roermond")
    d.find_element(By.ID, "lock-PO3103").click()
    assert "PO3103" in d.find_element(By.ID, "status").text
    _screenshot(d, "workspace_2_editor_limburg.png")
    _save_as_in_editor(d, "limburg-bewerkt")
    saved = _api(server, "/api/scenarios/limburg-bewerkt")["document"]
    assert saved["base"] == SCENARIO
    assert saved["edits"] == [{"op": "move", "division": "swv_po", "unit": "GM0957", "to": moved}]
    d.get(f"{server}/scenarios/{SCENARIO}")
    _wait_for(d, "#scorecard")
    # the regional report as PDF: the scenario page's form, the browser downloads it
    downloads = ARTIFACTS / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    for old in downloads.iterdir():
        old.unlink()
    d.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    d.find_element(By.ID, "report-region").send_keys("Limburg")
    d.find_element(By.CSS_SELECTOR, "#regional-report button[formaction$='report.pdf']").click()
    WebDriverWait(d, 240).until(
        lambda _: (
            [p for p in downloads.iterdir() if p.suffix == ".pdf"]
            and not [p for p in downloads.iterdir() if p.suffix == ".crdownload"]
        )
    )
    pdf = next(p for p in downloads.iterdir() if p.suffix == ".pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and 1 <= pdf_page_count(pdf) <= 4
    # save as: a new scenario from this one
    d.find_element(By.ID, "copy-title").send_keys("Limburg variant")
    d.find_element(By.CSS_SELECTOR, "#copy-form button[type=submit]").click()
    WebDriverWait(d, 60).until(
        lambda x: urlsplit(x.current_url).path == "/scenarios/limburg-variant"
    )
    _wait_for(d, "#scorecard")
    d.find_element(By.CSS_SELECTOR, "#facts a[href='/scenarios/limburg-41-regios']").click()
    _wait_for(d, "#delete-blocked")  # the variant builds on it: delete explains why not

    # 4. share it; open the link signed out
    d.find_element(By.ID, "share-label").send_keys("gemeenteraad Venlo" + Keys.ENTER)
    link = _wait_for(d, "#new-share-url").get_attribute("value")
    token = link.rsplit("/", 1)[1]
    assert d.find_elements(By.CSS_SELECTOR, "#shares tbody tr")
    _screenshot(d, "workspace_3_shared.png")
    d.find_element(By.CSS_SELECTOR, "a.rk-brand").click()
    _click(d, "form[action='/logout'] button")
    _wait_for(d, "#account a[href^='/login']")
    d.get(link)  # pasted into the address bar
    _wait_for(d, "#shared-note")
    assert d.find_element(By.ID, "scenario-title").text == TITLE
    assert d.find_elements(By.CSS_SELECTOR, "#scorecard tbody tr")
    links = _same_origin_links(d, server)
    to_app = [
        h for h in links if urlsplit(h).path.startswith(("/maps/", "/edit/", "/api/", "/compare"))
    ]
    assert to_app and all(parse_qs(urlsplit(h).query).get("share") == [token] for h in to_app)
    assert not d.find_elements(By.ID, "delete-form")  # read-only
    _screenshot(d, "workspace_4_share_signed_out.png")
    # the read-only editor keeps the token too: it opens and evaluates, signed out
    d.find_element(By.CSS_SELECTOR, "#map-links a.edit[href*='division=swv_po']").click()
    WebDriverWait(d, 120).until(
        lambda x: x.execute_script("return document.body.dataset.ready") == "true"
    )
    assert parse_qs(urlsplit(d.current_url).query)["share"] == [token]
    # the colleague tries an edit without saving, then signs in to keep it: the sign-in comes
    # back to this editor, with the link and the edit, and save as makes it theirs
    assert d.find_element(By.ID, "save-as").get_attribute("disabled") is not None
    tried = _move_by_keyboard(d, "Roermond")
    _screenshot(d, "workspace_4_share_editor.png")
    d.find_element(By.ID, "sign-in-to-save").click()
    _wait_for(d, "#login-name").send_keys(PLANNER)
    d.find_element(By.ID, "login-password").send_keys(PASSWORD + Keys.ENTER)
    WebDriverWait(d, 60).until(lambda x: urlsplit(x.current_url).path == f"/edit/{SCENARIO}")
    assert parse_qs(urlsplit(d.current_url).query)["share"] == [token]
    _ready(d, 120)
    tried_edit = {"op": "move", "division": "swv_po", "unit": "GM0957", "to": tried}
    assert d.execute_script("return window.rkEditor.edits") == [tried_edit]
    assert "terug" in d.find_element(By.ID, "status").text
    _screenshot(d, "workspace_4_share_editor_signed_in.png")
    _save_as_in_editor(d, "van-de-collega")
    copy = _api(server, "/api/scenarios/van-de-collega")
    assert copy["owner"] == PLANNER and copy["visibility"] == "private"
    assert copy["document"]["edits"] == [tried_edit]
    d.get(f"{server}/")
    _click(d, "form[action='/logout'] button")
    _wait_for(d, "#account a[href^='/login']")
    d.get(link)
    _wait_for(d, "#shared-note")
    d.find_element(By.ID, "report-link").click()
    WebDriverWait(d, 120).until(
        lambda x: "report" in x.title.lower() or x.find_elements(By.TAG_NAME, "h1")
    )
    d.back()

    # 5. compare with huidig (from the shared page: the link keeps the token)
    _click(d, "#map-links a.compare")
    _wait_for(d, "#compare-scorecard")
    assert parse_qs(urlsplit(d.current_url).query)["share"] == [token]
    assert "voldoet" in d.find_element(By.ID, "compare-scorecard").text
    summary = d.find_element(By.ID, "difference-summary").text
    assert "leerlingen betrokken" in summary
    _screenshot(d, "workspace_5_compare.png")
    d.find_element(By.ID, "difference-map-link").click()
    WebDriverWait(d, 180).until(
        lambda x: x.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")
    )
    _screenshot(d, "workspace_5_difference_map.png")

    # 6. a proposal for Limburg: progress, then the result on its page
    d.get(f"{server}/")
    _sign_in(d)
    d.find_element(By.CSS_SELECTOR, "a[href='/proposals/new']").click()
    _wait_for(d, "#proposal-form")
    d.find_element(By.ID, "proposal-title").send_keys("Voorstel Limburg")
    Select(d.find_element(By.ID, "proposal-base")).select_by_value("jeugdregio_41")
    d.find_element(By.ID, "province-PV31").click()
    time_limit = d.find_element(By.ID, "proposal-time")
    time_limit.clear()
    time_limit.send_keys("3")
    d.find_element(By.CSS_SELECTOR, "#proposal-form button[type=submit]").click()
    _wait_for(d, "#proposal-regions tbody tr")
    codes = [
        r.get_attribute("data-code")
        for r in d.find_elements(By.CSS_SELECTOR, "#proposal-regions tbody tr")
    ]
    assert codes == ["JZ37", "JZ41", "JZ42"]  # Limburg's jeugdregio's in jeugdregio_41
    _screenshot(d, "workspace_6_proposal_progress.png")
    result = _wait_for(d, "#proposal-result:not([hidden]) #result-link", 300)
    assert d.find_element(By.ID, "proposal-bar").get_attribute("value") == "3"
    statuses = {r.text for r in d.find_elements(By.CSS_SELECTOR, "#proposal-regions td.status")}
    assert statuses == {"klaar"}
    status = d.find_element(By.ID, "proposal-status")  # the shared job box (job_progress.html)
    assert status.text == "Klaar." and status.get_attribute("aria-live") == "polite"
    assert d.switch_to.active_element.get_attribute("id") == "result-link"
    assert not d.find_elements(By.ID, "cancel-form")
    violations = run_axe(d)
    assert not violations, describe(violations)
    _screenshot(d, "workspace_6_proposal_done.png")
    result.send_keys(Keys.ENTER)  # focused when done: Enter opens it
    _wait_for(d, "#scorecard")
    proposal = urlsplit(d.current_url).path.rsplit("/", 1)[1]
    stored = _api(server, f"/api/scenarios/{proposal}")
    assert stored["owner"] == PLANNER and stored["visibility"] == "private"
    assert stored["document"]["base"] == "jeugdregio_41"
    assert d.find_element(By.ID, "visibility").text == "privé"
    _screenshot(d, "workspace_7_proposal_result.png")
    # the proposal beside today: Limburg's gemeenten whose PO SWV changes, and their pupils
    d.find_element(By.CSS_SELECTOR, "#map-links a.compare[href*='right_division=swv_po']").click()
    _wait_for(d, "#difference-table")
    diff = _api(server, f"/api/scenarios/{proposal}/diff?from=1")  # nothing between versions
    assert diff["divisions"] == []
    rows = d.find_elements(By.CSS_SELECTOR, "#difference-table tbody tr")
    assert rows and all("PO" in r.text for r in rows)
    d.find_element(By.ID, "difference-map-link").click()
    WebDriverWait(d, 180).until(
        lambda x: x.find_elements(By.CSS_SELECTOR, "path.leaflet-interactive")
    )
    _screenshot(d, "workspace_8_proposal_difference_map.png")
    assert _script_errors(d) == []

    # 10. import a CSV on a base (the home page's form), then a broken CSV
    d.get(f"{server}/")
    good = ARTIFACTS / "downloads" / "roermond.csv"
    good.write_text("gemeente;swv\nRoermond;PO3101\n", encoding="utf-8")
    answer = upload(d, good, "limburg-import", SCENARIO)
    assert "limburg-import" in answer and SCENARIO in answer and "341" in answer, answer
    WebDriverWait(d, 30).until(lambda x: x.current_url.endswith("/scenarios/limburg-import"))
    imported = _api(server, "/api/scenarios/limburg-import")["document"]
    assert imported["base"] == SCENARIO
    _screenshot(d, "workspace_9_import_with_base.png")
    d.get(f"{server}/")
    broken = ARTIFACTS / "downloads" / "typo.csv"
    broken.write_text("gemeente,swv\nGM0946,PO31O1\n", encoding="utf-8")
    answer = upload(d, broken, "typo", SCENARIO)
    assert "PO31O1" in answer and "Bedoelt u PO3101" in answer and "regel 2" in answer, answer
    _screenshot(d, "workspace_9_import_broken.png")
    assert d.find_elements(By.ID, "scenario-typo") == []  # nothing stored
    errors = _script_errors(d)  # only the refused upload's answer (422) is in the console
    assert all("/api/scenarios/import" in e and "422" in e for e in errors), errors
