"""The descriptions the tools write, in Chromium against ``regio serve`` on the real data: a
proposal and a kept option made from the Dutch pages are described in Dutch with Dutch number
formats, those made from the English pages in English (exactly the CLI's text), and an English
description shown on a Dutch page is marked ``lang="en"`` (issue 17).

A national proposal (1 solver second per jeugdregio) from the Dutch form, a proposal for the
smallest jeugdregio from the English form, and one options job (K = 2, on the real space built
here in seconds) whose option 1 is kept in Dutch and option 2 in English. Expected texts come
from the jobs' JSON (the report, the options' figures) through the old f-strings and the Dutch
formats written out in ``tests/test_generated_descriptions.py``, never from the page code. A
tool's description read in the other language is shown as written and marked with its ``lang``.
Every resulting page passes the axe harness; screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.test_browser import (  # noqa: F401 - fixtures
    TOKEN,
    _screenshot,
    _script_errors,
    browser,
    running_server,
    seed_account,
    sign_in_browser,
)
from tests.test_browser_a11y import describe, open_page, run_axe
from tests.test_generated_descriptions import (
    assert_dutch_proposal,
    nl_dec,
    nl_int,
    old_option,
    old_regional,
)

pytestmark = [pytest.mark.browser, pytest.mark.integration]


@pytest.fixture(scope="module")
def space_dir(dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real-data space of today's 42 jeugdregio's (default settings, in-process)."""
    from geo.space.build import build_space

    out = tmp_path_factory.mktemp("descriptions-space") / "space"
    build_space(dataset, out, scheduler="synchronous")
    return out


@pytest.fixture(scope="module")
def server(
    space_dir: Path, data_dir: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    state = tmp_path_factory.mktemp("descriptions-state")
    seed_account(state)
    log = tmp_path_factory.mktemp("descriptions-log")
    env = {"REGIOKOMPAS_SPACE": str(space_dir)}
    with running_server(state, data_dir, cache_dir, log, extra_env=env) as base:
        yield base


def api(base: str, path: str) -> dict:
    request = urllib.request.Request(f"{base}{path}", headers=TOKEN)
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.load(answer)


def wait_job(base: str, path: str, timeout: float = 600.0) -> dict:
    """Poll the job's JSON until it has finished; it must be done."""
    end = time.monotonic() + timeout
    while True:
        job = api(base, path)
        if job["status"] not in ("queued", "running"):
            assert job["status"] == "done", job.get("error")
            return job
        assert time.monotonic() < end, f"{path} still {job['status']}"
        time.sleep(1.0)


def job_id(d: WebDriver, kind: str) -> str:
    WebDriverWait(d, 60).until(lambda x: re.search(rf"/{kind}/[0-9a-f]{{16}}$", x.current_url))
    return d.current_url.rsplit("/", 1)[1]


def description(d: WebDriver) -> tuple[str, str | None]:
    """The scenario page's description and its own ``lang`` attribute."""
    el = WebDriverWait(d, 60).until(lambda x: x.find_element(By.ID, "scenario-description"))
    return el.text, el.get_attribute("lang") or None


def accessible(d: WebDriver, what: str) -> None:
    violations = run_axe(d)
    assert not violations, f"{what}:\n{describe(violations)}"


def start_proposal(d: WebDriver, server: str, title: str, regions: str, seconds: str) -> str:
    d.get(f"{server}/proposals/new")
    WebDriverWait(d, 60).until(lambda x: x.find_elements(By.ID, "proposal-form"))
    d.find_element(By.ID, "proposal-title").send_keys(title)
    Select(d.find_element(By.ID, "proposal-base")).select_by_value("")  # today's 42
    d.find_element(By.ID, "proposal-regions").send_keys(regions)
    box = d.find_element(By.ID, "proposal-time")
    box.clear()
    box.send_keys(seconds)
    d.find_element(By.CSS_SELECTOR, "#proposal-form button[type=submit]").click()
    return job_id(d, "proposals")


def test_proposals_and_options_described_in_the_makers_language(
    dataset,
    server: str,
    browser: WebDriver,  # noqa: F811 - the fixture
) -> None:
    d = browser
    d.get(f"{server}/")
    sign_in_browser(d, server)

    # 1. a national proposal from the Dutch form: a Dutch description with Dutch numbers
    open_page(d, server, "/proposals/new", "nl")
    job = start_proposal(d, server, "Voorstel landelijk", "", "1")
    done = wait_job(server, f"/api/proposals/{job}")
    report = done["report"]
    d.get(f"{server}{done['scenario_url'].replace('/api/scenarios/', '/scenarios/')}")
    text, lang = description(d)
    bounds = report["bounds"]
    assert_dutch_proposal(text, report, bounds["min_pupils"], bounds["max_pupils"])
    assert lang is None and d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "nl"
    stored = api(server, f"/api/scenarios/{done['scenario_id']}")
    assert stored["document"]["description"] == text  # stored as shown, not re-rendered
    accessible(d, "Dutch proposal page")
    _screenshot(d, "descriptions_1_proposal_nl.png")
    page = done["scenario_url"].replace("/api/scenarios/", "/scenarios/")
    open_page(d, server, page, "en")  # read in English: as written, marked Dutch
    assert description(d) == (text, "nl")
    assert d.find_element(By.ID, "scenario-title").text == "Voorstel landelijk"

    # 2. the smallest jeugdregio from the English form: the CLI's English text
    jz = dataset.division("jeugdregio").assignment().astype(str)
    smallest = str(min(jz.unique(), key=lambda r: (int((jz == r).sum()), r)))
    open_page(d, server, "/proposals/new", "en")
    job = start_proposal(d, server, "Small proposal", smallest, "2")
    done = wait_job(server, f"/api/proposals/{job}")
    swvs = int(done["report"]["totals"]["swvs"])
    disrupted = float(done["report"]["totals"]["disrupted"])
    english = old_regional(smallest, "jeugdregio", swvs, disrupted)
    page = done["scenario_url"].replace("/api/scenarios/", "/scenarios/")
    d.get(f"{server}{page}")
    assert description(d) == (english, None)
    accessible(d, "English proposal page")
    _screenshot(d, "descriptions_2_proposal_en.png")
    open_page(d, server, page, "nl")  # the same text on the Dutch page: marked English
    assert description(d) == (english, "en")
    accessible(d, "Dutch page with an English description")
    _screenshot(d, "descriptions_3_english_on_dutch_page.png")

    # 3. options (K = 2) from the Dutch form: option 1 kept in Dutch, option 2 in English
    open_page(d, server, "/options/new", "nl")
    title = WebDriverWait(d, 60).until(lambda x: x.find_element(By.ID, "options-title"))
    title.clear()
    title.send_keys("Opties test")
    k = d.find_element(By.ID, "options-k")
    k.clear()
    k.send_keys("2")
    d.find_element(By.CSS_SELECTOR, "#options-form button[type=submit]").click()
    job = job_id(d, "options")
    result = wait_job(server, f"/api/options/{job}")["result"]
    options = result["options"]
    assert len(options) == 2
    d.get(f"{server}/options/{job}")
    WebDriverWait(d, 60).until(lambda x: x.find_elements(By.ID, "keep-1"))
    d.find_element(By.ID, "keep-1").click()
    d.find_element(By.ID, "options-keep").click()
    WebDriverWait(d, 120).until(lambda x: "/scenarios/opties-test-optie-1" in x.current_url)
    first = options[0]
    assert d.find_element(By.ID, "scenario-title").text == "Opties test: optie 1"
    text, lang = description(d)
    assert lang is None
    assert text.startswith(
        f"Optie van regiokompas ('regio options'): {first['swvs']:.0f} samenwerkingsverbanden "
        f"voor po en vo samen, elk binnen één jeugdregio ({result['jeugdregio']}); "
    )
    assert text.endswith(
        f"wisselen: {nl_int(first['disrupted'])}; afstand po+vo, gewogen naar leerlingen: "
        f"{nl_dec(first['travel_km'], 3)} km."
    )
    accessible(d, "Dutch kept option")
    _screenshot(d, "descriptions_4_option_nl.png")

    open_page(d, server, f"/options/{job}", "en")
    WebDriverWait(d, 60).until(lambda x: x.find_elements(By.ID, "keep-2"))
    kept = d.find_element(By.ID, "keep-1")
    assert kept.is_selected()  # kept already: checked; unchecked, only option 2 is sent
    kept.click()
    d.find_element(By.ID, "keep-2").click()
    d.find_element(By.ID, "options-keep").click()
    WebDriverWait(d, 120).until(lambda x: "/scenarios/opties-test-optie-2" in x.current_url)
    assert d.find_element(By.ID, "scenario-title").text == "Opties test: option 2"
    assert description(d) == (old_option(options[1], result["jeugdregio"]), None)
    accessible(d, "English kept option")
    _screenshot(d, "descriptions_5_option_en.png")
    assert not _script_errors(d)
