"""The placement among the valid divisions on the scenario page and in the editor, in a real
browser against ``regio serve`` with a space built on the real data (``REGIOKOMPAS_SPACE``).

The space of today's 42 jeugdregio's is built here (default settings, in-process: seconds).
Option 1 of ``regio options`` (the least disruption on the Pareto front) is stored through the
API; expected values come from the stored Parquet files read directly, not from the page code:

* option 1 takes a least-disrupting valid division in every jeugdregio, so every jeugdregio
  row says "0 van de N" with N the number of stored plans of that jeugdregio, and the page
  says it lies in the space in 42 of 42 jeugdregio's;
* huidig's swv_po crosses jeugdregio borders, so it lies in no jeugdregio's space and the page
  says so, with its disruption at percentile 0 (no valid division disrupts fewer than it:
  every valid division starts from a complete re-division);
* the editor's panel (opened by keyboard) places the option, then follows an edit that moves
  a gemeente into a neighbouring jeugdregio's SWV: the division then lies in no space.

Screenshots go to ``artifacts/``. (Without a space: tests/test_space_pages.py.)
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from geo.scenarios.descriptions import OPTION_NOTE
from maps.i18n import gettext
from tests.test_browser import (  # noqa: F401 - fixtures
    TOKEN,
    _screenshot,
    _script_errors,
    browser,
    running_server,
    seed_account,
    sign_in_browser,
)
from tests.test_browser_a11y import VISIBLE_TEXT, describe, english_msgids, run_axe
from tests.test_browser_editor import _evaluations, _pick, _ready

pytestmark = [pytest.mark.browser, pytest.mark.integration]

OPTION = "optie-1"


@pytest.fixture(scope="module")
def space(dataset, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The real-data space, option 1 as a scenario document, and the stored plans."""
    from geo.space.build import build_space
    from geo.space.report import write_options

    root = tmp_path_factory.mktemp("space-pages")
    out = root / "space"
    build_space(dataset, out, scheduler="synchronous")
    options = write_options(dataset, out, root / "options", k=1, proposal=False)
    doc = yaml.safe_load(Path(options["options"][0]["file"]).read_text())
    doc["name"] = OPTION
    doc["title"] = "Optie 1 uit de ruimte"
    plans = pd.concat(
        [
            pd.read_parquet(f).assign(jeugdregio=f.parent.name.split("=")[1])
            for f in sorted((out / "plans").glob("jeugdregio=*/part-*.parquet"))
        ],
        ignore_index=True,
    )
    return {"dir": out, "doc": doc, "plans": plans}


@pytest.fixture(scope="module")
def space_server(
    space: dict, data_dir: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    state = tmp_path_factory.mktemp("space-state")
    seed_account(state)
    log = tmp_path_factory.mktemp("space-log")
    env = {"REGIOKOMPAS_SPACE": str(space["dir"])}
    with running_server(state, data_dir, cache_dir, log, extra_env=env) as base:
        body = json.dumps(space["doc"]).encode()
        request = urllib.request.Request(
            f"{base}/api/scenarios",
            data=body,
            headers={**TOKEN, "content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=300) as r:
            assert r.status == 201, r.read()
        yield base


def _wait(d: WebDriver, css: str, timeout: float = 180.0):
    WebDriverWait(d, timeout).until(lambda x: x.find_elements(By.CSS_SELECTOR, css))
    return d.find_element(By.CSS_SELECTOR, css)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _accessible_and_dutch(d: WebDriver, what: str) -> None:
    """No axe violation (WCAG 2.1 A/AA, the harness of test_browser_a11y) and no English
    msgid among the visible texts of the Dutch page."""
    violations = run_axe(d)
    assert not violations, f"{what}:\n{describe(violations)}"
    english = english_msgids()
    left = sorted({t for t in d.execute_script(VISIBLE_TEXT) if t in english})
    assert not left, f"{what}: English on the Dutch page: {left}"


def test_scenario_page_shows_the_placement(
    space: dict,
    space_server: str,
    browser: WebDriver,  # noqa: F811
) -> None:
    d = browser
    plans = space["plans"]
    counts = plans.groupby("jeugdregio").size()
    assert len(counts) == 42

    sign_in_browser(d, space_server)  # the option is the planner's private scenario
    d.get(f"{space_server}/scenarios/{OPTION}")
    section = _wait(d, "#ruimte")
    assert d.find_element(By.ID, "ruimte-title").text == "Plaats tussen de geldige indelingen"
    assert "42 van de 42" in d.find_element(By.ID, "space-in").text
    assert not d.find_elements(By.ID, "space-outside")
    charts = d.find_elements(By.CSS_SELECTOR, "#space-charts figure")
    assert len(charts) >= 4
    for chart in charts:
        svg = chart.find_element(By.CSS_SELECTOR, "svg[role=img]")
        label = svg.get_attribute("aria-labelledby")
        caption = d.find_element(By.ID, label).text
        assert "percentiel" in caption and "geldige indelingen" in caption
        assert svg.find_elements(By.CSS_SELECTOR, "rect")  # the distribution
        assert "dit scenario" in svg.get_attribute("textContent")  # marked in words too
    disrupted = d.find_element(By.ID, "space-disrupted-text").text
    # the least disruption of all: no valid division is lower, so percentile 0
    assert disrupted.startswith("leerlingen die wisselen:") and "percentiel 0 " in disrupted
    total = int(plans.groupby("jeugdregio")["disrupted"].min().sum())
    assert f"{total:,}".replace(",", ".") in disrupted

    # the per-jeugdregio table, opened by keyboard
    summary = d.find_element(By.CSS_SELECTOR, "#space-jeugdregios summary")
    summary.send_keys(Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: x.find_element(By.ID, "space-table").is_displayed())
    rows = d.find_elements(By.CSS_SELECTOR, "#space-table tbody tr")
    assert len(rows) == 42
    for row in rows:
        code = row.get_attribute("id").removeprefix("space-")
        cells = row.find_elements(By.TAG_NAME, "td")
        assert int(cells[0].text.replace(".", "")) == counts[code]
        assert cells[1].text == "ja"
        assert f"in {code} verhuizen bij 0 van de {counts[code]} geldige indelingen" in (
            _plain(cells[2].text)
        )
    d.execute_script("arguments[0].scrollIntoView()", section)
    _screenshot(d, "space_scenario_page.png")
    assert not _script_errors(d)
    _accessible_and_dutch(d, "scenario page with the placement")

    # huidig: outside the space, said in words
    d.get(f"{space_server}/scenarios/huidig")
    _wait(d, "#ruimte")
    assert "0 van de 42" in d.find_element(By.ID, "space-in").text
    assert "buiten de ruimte" in d.find_element(By.ID, "space-outside").text
    d.execute_script("arguments[0].scrollIntoView()", d.find_element(By.ID, "ruimte"))
    _screenshot(d, "space_scenario_page_huidig.png")


def test_editor_panel_places_the_edited_division(
    space: dict,
    space_server: str,
    browser: WebDriver,  # noqa: F811
) -> None:
    d = browser  # signed in by the test above (same browser)
    d.get(f"{space_server}/edit/{OPTION}?division=swv&against=jeugdregio&weight=pupils")
    _ready(d)
    WebDriverWait(d, 60).until(lambda x: _evaluations(x) >= 1)
    # the option's saved edit is listed with the tool's note in Dutch (stored in English)
    edits = WebDriverWait(d, 30).until(
        lambda x: x.find_element(By.ID, "saved-edits").get_attribute("textContent")
    )
    assert gettext("nl")(OPTION_NOTE) in edits and OPTION_NOTE not in edits, edits
    summary = d.find_element(By.CSS_SELECTOR, "#space-panel summary")
    summary.send_keys(Keys.ENTER)  # keyboard: the summary is focusable, Enter opens it
    placed = _wait(d, "#space-in[data-in-space]")
    assert placed.get_attribute("data-in-space") == "42"
    charts = d.find_elements(By.CSS_SELECTOR, "#space-body figure.space-chart svg[role=img]")
    assert len(charts) == 3
    assert d.find_element(By.ID, "editor-space-chart-disrupted").get_attribute(
        "data-percentile"
    ) in ("0", "0.0")
    d.execute_script("arguments[0].scrollIntoView()", d.find_element(By.ID, "space-panel"))
    _screenshot(d, "space_editor_panel.png")
    d.find_element(By.CSS_SELECTOR, "#space-per-jeugdregio summary").send_keys(Keys.ENTER)
    _accessible_and_dutch(d, "editor with the placement panel open")

    # a gemeente moves into a neighbouring jeugdregio's SWV: no longer in any space
    unit, target, name = d.execute_script(
        """
        const s = window.rkEditor;
        for (const [u, ns] of Object.entries(s.neighbours)) {
          const jz = s.context.unit_jeugdregio[u];
          for (const n of ns) {
            if (s.context.unit_jeugdregio[n] && s.context.unit_jeugdregio[n] !== jz) {
              const to = s.figures.membership[n][0][0];
              if (to !== s.figures.membership[u][0][0]) return [u, to, s.names[u]];
            }
          }
        }
        return null;
        """
    )
    _pick(d, name, unit, target)
    WebDriverWait(d, 180).until(
        lambda x: x.find_elements(By.CSS_SELECTOR, "#space-in[data-in-space='0']")
    )
    assert "buiten de ruimte" in d.find_element(By.ID, "space-in").text
    d.execute_script("arguments[0].scrollIntoView()", d.find_element(By.ID, "space-panel"))
    _screenshot(d, "space_editor_panel_after_edit.png")
    assert not _script_errors(d)


def _signed_in(d: WebDriver, server: str) -> None:
    d.get(f"{server}/")
    if not d.find_elements(By.CSS_SELECTOR, "form[action='/logout']"):
        sign_in_browser(d, server)
        d.get(f"{server}/")


def test_options_job_progress_and_cancel_by_keyboard(
    space: dict,
    space_server: str,
    browser: WebDriver,  # noqa: F811
) -> None:
    """An options job's page while it runs (the shared job box of templates/job_progress.html
    and static/job.js): Dutch, no axe violation, the status line is a polite live region; the
    cancel button, pressed by keyboard, stops the job: the page then says so (in the live
    region, after its reload) with no chart, no cancel button and nothing stored. Runs before
    the other options test, so the proposal's mark is not cached yet and the job runs long
    enough to be cancelled."""
    d = browser
    _signed_in(d, space_server)
    d.get(f"{space_server}/options/new")
    _wait(d, "#options-form")
    title = d.find_element(By.ID, "options-title")
    title.clear()
    title.send_keys("Afgebroken opties", Keys.ENTER)
    box = _wait(d, "#options-job")
    job = re.search(r"/options/([0-9a-f]{16})$", d.current_url)
    assert job, d.current_url
    assert box.get_attribute("data-job-api") == f"/api/options/{job.group(1)}"
    status = d.find_element(By.ID, "options-status")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"
    assert box.get_attribute("data-status") in ("queued", "running"), status.text
    assert _plain(status.text) in (
        "Wachten op een vrije plek…",
        "Bezig: eerst de opties, dan het voorstel voor de grafiek…",
    )
    _accessible_and_dutch(d, "options job page while it runs")
    _screenshot(d, "options_job_running.png")
    d.find_element(By.CSS_SELECTOR, "#cancel-form button").send_keys(Keys.ENTER)
    WebDriverWait(d, 300).until(
        lambda x: x.find_elements(By.CSS_SELECTOR, "#options-job[data-status='cancelled']")
    )
    assert _plain(d.find_element(By.ID, "options-status").text) == (
        "Afgebroken; er is niets opgeslagen."
    )
    assert not d.find_elements(By.ID, "cancel-form")
    assert not d.find_elements(By.ID, "tradeoff")
    _accessible_and_dutch(d, "options job page after the cancel")
    _screenshot(d, "options_job_cancelled.png")
    with urllib.request.urlopen(
        urllib.request.Request(f"{space_server}/api/scenarios", headers=TOKEN), timeout=60
    ) as r:
        listed = json.load(r)
    names = [s["id"] for s in listed]
    assert not [n for n in names if n.startswith("afgebroken-opties")]
    assert not _script_errors(d)


def test_options_by_mouse_and_keyboard(
    space: dict,
    space_server: str,
    browser: WebDriver,  # noqa: F811
) -> None:
    """From the home page to the options form (mouse), filled in and sent by keyboard with one
    jeugdregio's number of SWVs fixed; the job page shows the trade-off chart; two options are
    kept (one by keyboard, one by mouse) and the first opens as a scenario in the space."""
    d = browser
    plans = space["plans"]
    _signed_in(d, space_server)
    d.find_element(By.ID, "options-link").click()
    form = _wait(d, "#options-form")
    assert d.find_element(By.CSS_SELECTOR, "h1").text == "Opties in plaats van één antwoord"
    # a jeugdregio with more than one possible number of SWVs, fixed to its largest
    per = plans.groupby("jeugdregio")["swvs"].unique()
    code = next(c for c in sorted(per.index) if len(per[c]) > 1)
    n = int(max(per[code]))
    _accessible_and_dutch(d, "options form")
    _screenshot(d, "options_form.png")
    title = d.find_element(By.ID, "options-title")
    title.clear()
    title.send_keys("Reisopties", Keys.TAB)  # keyboard from here on
    active = d.switch_to.active_element
    assert active.get_attribute("id") == "options-k"
    active.send_keys(Keys.CONTROL, "a")
    active.send_keys("3", Keys.TAB, Keys.TAB)  # k, then past the division select
    active = d.switch_to.active_element
    assert active.get_attribute("id") == "options-swvs"
    active.send_keys(f"{code}={n}", Keys.ENTER)
    del form
    _wait(d, "#options-job")
    assert re.search(r"/options/[0-9a-f]{16}$", d.current_url)
    _wait(d, "#tradeoff svg[role=img]", timeout=600)  # the page reloads when the job is done
    chart = d.find_element(By.CSS_SELECTOR, "#tradeoff svg")
    rows = d.find_elements(By.CSS_SELECTOR, "#options-table tbody tr[id^=option-]")
    assert 1 <= len(rows) <= 3
    assert len(chart.find_elements(By.CSS_SELECTOR, "circle[r='9']")) == len(rows)
    words = chart.get_attribute("textContent")
    assert "vandaag" in words and "voorstel" in words
    # option 1: the least disruption with the fixed number, from the stored plans
    mins = plans.groupby("jeugdregio")["disrupted"].min()
    mins[code] = plans[(plans["jeugdregio"] == code) & (plans["swvs"] == n)]["disrupted"].min()
    first = float(rows[0].get_attribute("data-disrupted"))
    assert first == pytest.approx(float(mins.sum()))
    shown = rows[0].find_elements(By.TAG_NAME, "td")[2].text
    assert int(shown.replace(".", "")) == round(first)
    d.execute_script("arguments[0].scrollIntoView()", chart)
    _screenshot(d, "options_tradeoff.png")
    _accessible_and_dutch(d, "options page with the chart")

    # keep option 1 by keyboard (space on its checkbox), the last by mouse, send by keyboard
    box = d.find_element(By.ID, "keep-1")
    box.send_keys(Keys.SPACE)
    assert box.is_selected()
    kept = ["1"]
    if len(rows) > 1:
        last = d.find_element(By.ID, f"keep-{len(rows)}")
        last.click()
        kept.append(str(len(rows)))
    d.find_element(By.ID, "options-keep").send_keys(Keys.ENTER)
    WebDriverWait(d, 120).until(lambda x: "/scenarios/reisopties-optie-1" in x.current_url)
    assert d.find_element(By.ID, "scenario-title").text == "Reisopties: optie 1"
    _wait(d, "#ruimte")
    assert "42 van de 42" in d.find_element(By.ID, "space-in").text
    _screenshot(d, "options_kept_scenario.png")
    for i in kept:  # every kept option is a private scenario of the planner
        with urllib.request.urlopen(
            urllib.request.Request(
                f"{space_server}/api/scenarios/reisopties-optie-{i}", headers=TOKEN
            ),
            timeout=60,
        ) as r:
            doc = json.load(r)
        assert doc["owner"] == "planner" and doc["visibility"] == "private"
    assert not _script_errors(d)
