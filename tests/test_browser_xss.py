"""Stored XSS in a real browser: region and scenario names carrying script payloads.

A scenario renames jeugdregio's and SWVs to payloads that would set ``window.__xss`` and the
page title if they ever ran. Headless Chromium (as in ``tests/test_browser.py``) opens the
national map, the compare view and the home page, then opens *every* tooltip and popup of
every map through Leaflet (``openTooltip``/``openPopup`` on each layer, which fills the
tooltip's ``innerHTML``) and checks: the payload text is shown as text, no ``<img>``/``<svg>``
or script element came out of it, nothing ran, and the page logged no CSP violation (the maps
still work under the Content-Security-Policy).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from fixtures.hostile import renamed_to
from tests.test_browser import (
    _script_errors,
    _wait_for_shapes,
    running_server,
)
from tests.test_browser import browser as _chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium, as in ``tests/test_browser.py``."""
    yield from _chromium.__wrapped__(tmp_path_factory)


pytestmark = [pytest.mark.browser, pytest.mark.integration]

MARK = "window.__xss=(window.__xss||[]).concat"
PAYLOADS = (
    f"<img src=x onerror=\"{MARK}('img');document.title='pwned'\">",
    f"<svg onload=\"{MARK}('svg')\"></svg>",
    f"<script>{MARK}('script')</script>",
    f"</script><script>{MARK}('break')</script>",
    f"<a href=\"javascript:{MARK}('href')\" id=xss-link>click</a>",
)

OPEN_EVERYTHING = """
const opened = {tooltips: 0, popups: 0, texts: []};
const maps = Object.keys(window).filter(k => /^map_[0-9a-f]+$/.test(k)).map(k => window[k]);
function show(owner, sub, kind) {
    // what a visitor's hover (tooltip) or click (popup) does: the event bubbles from the
    // feature to the layer holding the tooltip/popup, which renders it for that feature
    const at = sub.getBounds ? sub.getBounds().getCenter() : sub.getLatLng();
    const event = kind === "tooltip" ? "mouseover" : "click";
    sub.fire(event, {latlng: at, layer: sub}, true);
    const box = kind === "tooltip" ? owner.getTooltip() : owner.getPopup();
    const el = box && box.getElement();
    if (el && owner._map && el.isConnected) { opened.texts.push(el.textContent); }
    opened[kind + "s"] += 1;
    if (kind === "tooltip") { sub.fire("mouseout", {latlng: at, layer: sub}, true); }
    else { owner.closePopup(); }
}
for (const m of maps) {
    m.eachLayer(owner => {
        for (const kind of ["tooltip", "popup"]) {
            const has = kind === "tooltip" ? owner.getTooltip && owner.getTooltip()
                                           : owner.getPopup && owner.getPopup();
            if (!has) { continue; }
            if (owner.eachLayer) { owner.eachLayer(sub => show(owner, sub, kind)); }
            else { show(owner, owner, kind); }
        }
    });
}
opened.maps = maps.length;
return opened;
"""
"""JavaScript: open (and close) every tooltip and popup of every map; return what was shown."""


def xss_document(dataset) -> dict:
    return renamed_to(dataset, PAYLOADS, description=" ".join(PAYLOADS))


@pytest.fixture(scope="module")
def xss_server(
    dataset, data_dir: Path, cache_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``regio serve`` over a state dir that already holds the payload scenario."""
    from api.storage.store import open_store
    from geo.config import SCENARIO_LIBRARY

    state = tmp_path_factory.mktemp("xss-state")
    store = open_store(state, library_dir=SCENARIO_LIBRARY)
    try:
        # published: the (anonymous) browser reads it like any visitor
        store.save("xss", xss_document(dataset), source="user", visibility="published")
    finally:
        store.close()
    log_dir = tmp_path_factory.mktemp("xss-log")
    with running_server(state, data_dir, cache_dir, log_dir, ready="/api/scenarios/xss") as base:
        yield base


def assert_nothing_ran(driver: WebDriver, title: str) -> None:
    assert driver.execute_script("return window.__xss === undefined")
    assert driver.title == title
    injected = driver.execute_script(
        "return document.querySelectorAll("
        "'.leaflet-tooltip img, .leaflet-tooltip svg, .leaflet-tooltip script, "
        ".leaflet-popup img, .leaflet-popup script, #xss-link').length"
    )
    assert injected == 0
    errors = _script_errors(driver)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/maps/xss?division=swv_po&against=jeugdregio&weight=inhabitants",
        "/maps/xss?division=jeugdregio&against=swv_po&weight=pupils",
        "/maps/compare?left=huidig&right=xss&division=swv_po",
    ],
)
def test_every_tooltip_of_a_map_with_payload_names(
    xss_server: str, browser: WebDriver, path: str
) -> None:
    browser.get(xss_server + path)
    _wait_for_shapes(browser, 300)
    title = browser.title
    assert "pwned" not in title
    opened = browser.execute_script(OPEN_EVERYTHING)
    assert opened["maps"] >= 1
    assert opened["tooltips"] >= 342  # every gemeente of (each) map has a tooltip
    shown = " ".join(opened["texts"])
    assert "<img src=x onerror=" in shown or "<svg onload=" in shown  # shown as text
    assert_nothing_ran(browser, title)


def test_home_page_with_payload_descriptions(xss_server: str, browser: WebDriver) -> None:
    browser.get(xss_server + "/")
    title = browser.title
    assert "<img src=x onerror=" in browser.find_element("css selector", "#scenario-xss").text
    assert_nothing_ran(browser, title)
