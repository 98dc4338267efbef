"""WCAG 2.1 AA and Dutch first, measured in Chromium on every page type, in Dutch and English.

- axe-core (``tests/a11y/axe.min.js``, vendored from npm, MPL-2.0) is injected by the test,
  never served by the app. The tags ``wcag2a``, ``wcag2aa``, ``wcag21a`` and ``wcag21aa`` must
  give 0 violations on every page of :data:`PAGES` in both languages, on the signed-in pages,
  and in the map editor after an edit with the region picker open.
- No visible text of a Dutch page is an English msgid left untranslated.
- The language switch works and is remembered, both ways.
- Numbers on the pages are Dutch (0,804; 156.388) and equal the API's figures.
- The home page does not scroll sideways at 768 px nor at 640 px (200% zoom of 1280 px);
  the map panels are collapsed there. No other page type scrolls sideways there either.
- No button, select, text field or text area is left in the browser's default look.

Screenshots of every page type in Dutch go to ``artifacts/a11y_<page>.png``.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest
from babel.messages.pofile import read_po
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from geo.config import REPO_ROOT
from maps.i18n.catalog import po_path
from tests.test_browser import (  # noqa: F401 - fixtures
    ARTIFACTS,
    TOKEN,
    _screenshot,
    _script_errors,
    browser,
    chromium,
    server,
    sign_in_browser,
)
from tests.test_browser_editor import _evaluations, _ready, _wait_evaluated
from tests.test_browser_editor_keyboard import active, keys

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
    "options_form": "/options/new",
    "compare_page": "/compare?left=huidig&right=po_vo_samen&right_division=swv",
    "difference_map": "/compare/map?left=huidig&right=po_vo_samen&right_division=swv",
    "explanation": "/uitleg/verdict",
    "editor": "/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po",
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


UNSTYLED_CONTROLS = """
const host = document.createElement("div");
document.body.append(host);
const root = host.attachShadow({mode: "open"});
const PROPS = ["backgroundColor", "borderTopStyle", "borderTopColor", "borderTopWidth",
               "borderTopLeftRadius", "paddingTop", "paddingLeft", "fontSize", "fontFamily"];
const signature = (e) => {
  const s = getComputedStyle(e);
  return PROPS.map((p) => s[p]).join("|");
};
const kinds = {button: "button", select: "select", textarea: "textarea", input: "input"};
const defaults = {};
for (const tag of Object.keys(kinds)) {
  const e = document.createElement(tag); root.append(e); defaults[tag] = signature(e);
}
const out = [];
const TEXTY = /^(|text|search|email|url|password|number|tel|date)$/;
for (const e of document.querySelectorAll("button, select, textarea, input")) {
  const tag = e.tagName.toLowerCase();
  if (tag === "input" && !TEXTY.test((e.getAttribute("type") || "").toLowerCase())) continue;
  const box = e.getBoundingClientRect();
  if (!box.width || !box.height) continue;
  if (signature(e) !== defaults[tag]) continue;
  const text = (e.textContent || e.name || "").trim().slice(0, 30);
  out.push(tag + (e.id ? "#" + e.id : "") + " " + text);
}
host.remove();
return out;
"""
"""JavaScript: the visible buttons, selects, text fields and text areas that look exactly like
the browser's own (the same computed background, border, radius, padding and font as the
element in a shadow root, where no page style reaches); ``tag#id text`` each."""


def unstyled_controls(driver: WebDriver) -> list[str]:
    """The controls of the open page left in the browser's default look (issue 17: no unstyled
    default buttons; the NL Design System components style them all)."""
    return list(driver.execute_script(UNSTYLED_CONTROLS))


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
    if path.startswith("/edit/"):
        _ready(driver)


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
    assert unstyled_controls(browser) == [], f"{page}: controls in the browser's default look"


EDITOR = PAGES["editor"]


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_editor_after_an_edit_with_the_picker_open(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
    locale: str,
) -> None:
    d = browser
    open_page(d, server, EDITOR, locale)
    d.find_element(By.ID, "search").click()
    keys(d, "roermond")
    WebDriverWait(d, 10).until(lambda x: x.find_elements(By.CSS_SELECTOR, "#search-results li"))
    keys(d, Keys.ARROW_DOWN, Keys.ENTER)
    WebDriverWait(d, 10).until(lambda x: active(x)["id"].startswith("target-"))
    n = _evaluations(d)
    keys(d, Keys.ENTER)  # move Roermond to the first neighbouring SWV: an edit
    _wait_evaluated(d, n)
    keys(d, Keys.ENTER)  # the search still holds Roermond: the picker opens again
    WebDriverWait(d, 10).until(lambda x: active(x)["id"].startswith("target-"))
    assert d.find_element(By.ID, "picker").get_attribute("hidden") is None
    violations = run_axe(d)
    if locale == "nl":
        _screenshot(d, "a11y_editor_after_edit_picker.png")
    assert not violations, f"editor after an edit, picker open ({locale}):\n{describe(violations)}"


def english_msgids() -> set[str]:
    """English msgids whose Dutch text differs, that are no Dutch text themselves, with a
    letter pair: shown on a Dutch page they are a string the catalog did not translate."""
    with po_path("nl").open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    pairs = [(m.id, m.string) for m in catalog if m.id and isinstance(m.id, str)]
    dutch = {text.strip() for _, text in pairs}
    return {
        msgid.strip()
        for msgid, text in pairs
        if text and text != msgid and msgid.strip() not in dutch and len(msgid.strip()) > 3
    }


PLACEHOLDER = re.compile(r"%\((\w+)\)s")
MIN_LETTERS = 12
"""A msgid with placeholders becomes a pattern when its literal text has this many letters."""


def english_patterns() -> list[re.Pattern[str]]:
    """Patterns of the English msgids with placeholders (``%(n)s of %(total)s SWVs
    connected`` -> ``(.+?) of (.+?) SWVs connected``) whose Dutch text differs: a sentence made
    from such a msgid without translating it (a check summary built in ``geo``, an offender's
    problem) matches one, whatever its values. The sentence fills a line of the text, or ends
    it after a label (``P3 ...: <summary>``, ``PO3102 name: <problem>``)."""
    with po_path("nl").open("rb") as handle:
        catalog = read_po(handle, locale="nl")
    out = []
    for m in catalog:
        if not (m.id and isinstance(m.id, str) and m.string and m.string != m.id):
            continue
        pieces = PLACEHOLDER.split(m.id)[::2]  # the literal text between the placeholders
        if len(pieces) < 2 or sum(c.isalpha() for c in "".join(pieces)) < MIN_LETTERS:
            continue
        sentence = "(.+?)".join(re.escape(p) for p in pieces)
        out.append(re.compile(rf"(?:^|: ){sentence}$", re.M))
    return out


def untranslated(texts: list[str], english: set[str], patterns: list[re.Pattern[str]]) -> list[str]:
    """The texts that are an English msgid or contain a sentence of an English msgid pattern."""
    return sorted({t for t in texts if t in english or any(p.search(t) for p in patterns)})


VISIBLE_TEXT = """
const out = [];
const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walk.nextNode()) {
  const node = walk.currentNode, el = node.parentElement;
  if (!el || el.closest("script, style, noscript, [hidden], [aria-hidden=true]")) continue;
  const text = node.textContent.trim();
  if (!text) continue;
  const box = el.getBoundingClientRect(), style = getComputedStyle(el);
  if (style.display === "none" || style.visibility === "hidden") continue;
  out.push(text);
}
for (const el of document.querySelectorAll("[title], [aria-label], [placeholder], [alt]")) {
  for (const name of ["title", "aria-label", "placeholder", "alt"]) {
    const value = el.getAttribute(name);
    if (value) out.push(value.trim());
  }
}
return out;
"""


UNTRANSLATED_OK: frozenset[str] = frozenset()
"""Pages allowed to show English (none: ``/uitleg/...`` has Dutch explanations)."""


@pytest.mark.parametrize(
    "page", [p for p in PAGES if not p.startswith("error") and p not in UNTRANSLATED_OK]
)
def test_dutch_pages_show_no_untranslated_string(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
    page: str,
) -> None:
    english, patterns = english_msgids(), english_patterns()
    assert len(english) > 200 and len(patterns) > 50
    open_page(browser, server, PAGES[page], "nl")
    texts = browser.execute_script(VISIBLE_TEXT)
    assert len(texts) > 5
    left = untranslated(texts, english, patterns)
    assert not left, f"{page}: English strings on the Dutch page (not in the catalog): {left}"


def page_lang(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.documentElement.lang"))


def test_language_switch_both_ways(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
) -> None:
    d = browser
    d.get(f"{server}/taal/nl?next=%2Fbegrippen")
    assert d.execute_script("return document.documentElement.lang") == "nl"
    assert d.find_element(By.TAG_NAME, "h1").text == "Begrippen"
    d.find_element(By.CSS_SELECTOR, '.rk-lang a[lang="en"]').click()
    WebDriverWait(d, 10).until(
        lambda x: x.execute_script("return document.documentElement.lang") == "en"
    )
    assert d.current_url.endswith("/begrippen"), "back on the same page"
    assert d.find_element(By.TAG_NAME, "h1").text == "Glossary"
    d.get(f"{server}/")  # remembered on the next page, although the browser asks for Dutch
    assert d.execute_script("return document.documentElement.lang") == "en"
    assert d.find_element(By.TAG_NAME, "h1").text == "Scenarios"
    d.find_element(By.CSS_SELECTOR, '.rk-lang a[lang="nl"]').click()
    WebDriverWait(d, 10).until(
        lambda x: x.execute_script("return document.documentElement.lang") == "nl"
    )
    assert d.find_element(By.TAG_NAME, "h1").text == "Scenario’s"
    d.get(f"{server}/begrippen")
    assert d.find_element(By.TAG_NAME, "h1").text == "Begrippen", "remembered both ways"


def api_json(base: str, path: str) -> dict:
    with urllib.request.urlopen(f"{base}{path}", timeout=60) as answer:
        return json.load(answer)


def test_numbers_are_dutch_on_the_page_and_equal_the_api(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
) -> None:
    score = api_json(server, "/api/scores?division=swv_po&against=jeugdregio&weight=inhabitants")
    summary = score["summary"]
    # formatted here, independently of the app: comma decimals, dot thousands
    congruence = f"{summary['congruence']:.3f}".replace(".", ",")
    biggest = max(score["regions"], key=lambda r: r["total"])
    total = float(biggest["total"])
    english = f"{total:,.0f}" if total.is_integer() else f"{total:,.1f}"  # whole, else 1 decimal
    weight = english.translate(str.maketrans(",.", ".,"))
    assert weight.count(".") >= 1, "a region of more than 1,000 inhabitants: 942.957,4"
    open_page(browser, server, PAGES["map"], "nl")
    box = browser.find_element(By.CSS_SELECTOR, ".rk-metrics").text
    assert congruence in box
    sentence = f"{summary['nested_regions']} van de {summary['regions']} samenwerkingsverbanden po"
    assert sentence in browser.find_element(By.TAG_NAME, "main").text
    cells = [
        [c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")]
        for row in browser.find_elements(By.CSS_SELECTOR, "#regio-tabel tbody tr")
    ]
    assert len(cells) == summary["regions"]
    row = next(r for r in cells if r[0].endswith(f"({biggest['region']})"))
    assert row[1] == weight and row[2] == f"{biggest['containment']:.3f}".replace(".", ",")
    scale = browser.find_element(By.CSS_SELECTOR, ".leaflet-control-scale").text
    assert "km" in scale and "mi" not in scale.split()
    open_page(browser, server, PAGES["map"], "en")
    box = browser.find_element(By.CSS_SELECTOR, ".rk-metrics").text
    assert f"{summary['congruence']:.3f}" in box
    open_page(browser, server, "/", "nl")
    home = browser.find_element(By.ID, "scenario-huidig").text
    assert congruence in home


NO_SIDEWAYS = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth];"


@pytest.mark.parametrize("width", [768, 640])
def test_narrow_screens_and_zoom_need_no_sideways_scrolling(
    server: str,  # noqa: F811 - the fixture
    tmp_path_factory: pytest.TempPathFactory,
    width: int,
) -> None:
    """768 px (a tablet) and 640 px (1280 px at 200% zoom): the home page fits, map panels are
    collapsed and the layer list is closed."""
    with chromium(tmp_path_factory.mktemp("narrow"), window=f"{width},900") as d:
        d.get(f"{server}/")
        inner = d.execute_script("return window.innerWidth")
        scroll, client = d.execute_script(NO_SIDEWAYS)
        assert scroll <= client, f"home at {inner} px scrolls sideways ({scroll} > {client})"
        if width >= 768:  # a tablet: the scenario table fits too (no scrolling inside its box)
            table, box = d.execute_script(
                "const w = document.querySelector('.rk-table-wrap');"
                "return [w.scrollWidth, w.clientWidth];"
            )
            assert table <= box, f"the scenario table is {table} px in a box of {box} px"
        _screenshot(d, f"a11y_home_{width}.png")
        open_page(d, server, PAGES["map"], "nl")
        scroll, client = d.execute_script(NO_SIDEWAYS)
        assert scroll <= client
        panels = d.find_elements(By.CSS_SELECTOR, ".rk-map details.rk-panel")
        assert panels and not any(p.get_attribute("open") for p in panels), "panels collapsed"
        layers = d.find_element(By.CSS_SELECTOR, ".leaflet-control-layers")
        assert "leaflet-control-layers-expanded" not in layers.get_attribute("class")
        _screenshot(d, f"a11y_map_{width}.png")


FOCUS = """
const e = document.activeElement, s = getComputedStyle(e);
if (e === document.body) return null;
const seen = s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2;
if (seen || s.boxShadow !== "none") return "";
return `${e.tagName.toLowerCase()}#${e.id} ${e.textContent.trim().slice(0, 40)}`;
"""
"""JavaScript: "" when the focused element shows its focus (an outline of 2 px or more, or a
ring), else what it is; null when nothing has the focus."""


PANELS_OVERLAP = """
const hit = (a, b) => a.right > b.left && b.right > a.left && a.bottom > b.top && b.bottom > a.top;
const out = [];
for (const map of document.querySelectorAll(".leaflet-container")) {
  const open = map.querySelectorAll(".leaflet-control-layers-expanded, .rk-box.leaflet-control");
  const boxes = [...open].map((e) => [e.className, e.getBoundingClientRect()])
    .filter(([, r]) => r.width && r.height);
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++)
    if (hit(boxes[i][1], boxes[j][1])) out.push(`${boxes[i][0]} / ${boxes[j][0]}`);
}
return out;
"""
"""JavaScript: the pairs of open map panels (layer list, legend, figures) that overlap."""


@pytest.mark.parametrize("page", ["map", "map_proposal", "compare", "difference_map"])
def test_open_map_panels_never_cover_each_other(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
    page: str,
) -> None:
    """On a desktop screen, with the panels as the page opens them and the layer lists open,
    no panel lies over another (the legend used to hide half the layer list of the proposal
    map; on the compare page the layer list now leaves room for the figures)."""
    open_page(browser, server, PAGES[page], "nl")
    browser.execute_script(  # the layer lists open too (the compare page opens them folded)
        "for (const c of document.querySelectorAll('.leaflet-control-layers'))"
        " c.classList.add('leaflet-control-layers-expanded');"
    )
    assert browser.execute_script(PANELS_OVERLAP) == [], page


def test_focus_is_always_visible(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
    share_path: str,
) -> None:
    """Every page type, in Dutch, by keyboard: each of the first 30 tab stops shows that it has
    the focus (WCAG 2.4.7), the report's links and scrolling tables too."""
    hidden = []
    for path in [*PAGES.values(), share_path]:
        open_page(browser, server, path, "nl")
        stops = 0
        for _ in range(30):
            keys(browser, Keys.TAB)
            what = browser.execute_script(FOCUS)
            stops += what is not None
            if what:
                hidden.append(f"{path}: {what}")
        assert stops >= 5, f"{path}: only {stops} tab stops"
    assert not hidden, f"focus not visible: {hidden}"


SCALE_COVERED = """
const hit = (a, b) => a.right > b.left && b.right > a.left && a.bottom > b.top && b.bottom > a.top;
let n = 0;
for (const map of document.querySelectorAll(".leaflet-container")) {
  const scale = map.querySelector(".leaflet-control-scale");
  const credit = map.querySelector(".leaflet-control-attribution");
  if (scale && credit && hit(scale.getBoundingClientRect(), credit.getBoundingClientRect())) n++;
}
return n;
"""
"""JavaScript: how many maps of the page have their km scale bar under the credit line."""


@pytest.mark.parametrize("width", [768, 640])
def test_no_page_scrolls_sideways(
    server: str,  # noqa: F811 - the fixture
    share_path: str,
    tmp_path_factory: pytest.TempPathFactory,
    width: int,
) -> None:
    """Every page type (and every explanation page) at 768 px and at 640 px (1280 px at 200%
    zoom), in Dutch: the page itself never scrolls sideways; a wide table scrolls in its own
    box (the report's SWV table, the explanations' tables, the compare form's selects). No
    map's credit line covers its km scale bar (two maps side by side)."""
    from api.routers.explain import DOCS

    paths = [*PAGES.values(), share_path, *(f"/uitleg/{name}" for name in DOCS)]
    wide, covered = [], []
    with chromium(tmp_path_factory.mktemp("sideways"), window=f"{width},900") as d:
        for path in paths:
            open_page(d, server, path, "nl")
            scroll, client = d.execute_script(NO_SIDEWAYS)
            if scroll > client:
                wide.append(f"{path}: {scroll} > {client}")
            if d.execute_script(SCALE_COVERED):
                covered.append(path)
    assert not wide, f"pages scrolling sideways at {width} px: {wide}"
    assert not covered, f"the map's credit covers its km scale at {width} px: {covered}"


def test_signed_in_pages(
    server: str,  # noqa: F811 - the fixture
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The pages a planner sees signed in (upload and new-scenario forms, the proposal form)."""
    with chromium(tmp_path_factory.mktemp("signed-in")) as d:
        sign_in_browser(d, server)
        for locale in ("nl", "en"):
            for name, path in (("home_signed_in", "/"), ("proposal_signed_in", "/proposals/new")):
                open_page(d, server, path, locale)
                violations = run_axe(d)
                if locale == "nl":
                    _screenshot(d, f"a11y_{name}.png")
                assert not violations, f"{name} ({locale}):\n{describe(violations)}"
                assert unstyled_controls(d) == [], name


def dutch_whole(value: float) -> str:
    """A whole number as Dutch pages write it, formatted here (thousands with a point)."""
    return f"{value:,.0f}".replace(",", ".")


def check_sentences(verdict: dict) -> dict[str, str]:
    """The Dutch P3 and size sentences of a verdict, built here from its figures."""
    checks = {c["name"]: c for c in verdict["checks"]}
    p3, size = checks["P3"]["figures"], checks["size"]["figures"]
    total = sum(d["swvs"] for d in p3["divisions"].values())
    tolerance = f"{p3['tolerance']}".replace(".", ",")
    n = sum(d["swvs"] for d in size["divisions"].values())
    within = n - len(checks["size"]["offenders"])
    return {
        "P3": f"{total - p3['not_nested']} van de {total} samenwerkingsverbanden binnen één van "
        f"de {p3['jeugdregios']} jeugdregio's ({p3['jeugdregio']}), tolerantie {tolerance}",
        "size": f"{within} van de {n} samenwerkingsverbanden tussen "
        f"{dutch_whole(size['min_pupils'])} en {dutch_whole(size['max_pupils'])} leerlingen po+vo",
    }


def test_check_summaries_are_dutch_on_every_page_that_shows_them(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
) -> None:
    """The checks' summaries (made in ``geo.checks`` as msgids with values) read in Dutch with
    Dutch numbers on the scenario page, the compare page, the editor's panel and the report;
    the sentences expected are built here from the API's verdict figures."""
    d = browser
    ARTIFACTS.mkdir(exist_ok=True)
    expected = check_sentences(api_json(server, "/api/scenarios/jeugdregio_41/verdict"))
    open_page(d, server, PAGES["scenario"], "nl")
    for name in ("P3", "size"):
        cell = d.find_element(By.CSS_SELECTOR, f"#check-{name} .rk-check-summary")
        assert cell.text == expected[name]
    d.find_element(By.ID, "scorecard").screenshot(str(ARTIFACTS / "nl_scorecard_scenario.png"))
    today = check_sentences(api_json(server, "/api/scenarios/huidig/verdict"))
    open_page(d, server, PAGES["compare_page"], "nl")
    table = d.find_element(By.ID, "compare-scorecard")
    assert today["P3"] in table.text and today["size"] in table.text
    table.screenshot(str(ARTIFACTS / "nl_scorecard_compare.png"))
    open_page(d, server, PAGES["report"], "nl")
    report = d.find_element(By.TAG_NAME, "body").text
    assert today["P3"] in report and today["size"] in report
    d.find_element(By.ID, "scorecard").screenshot(str(ARTIFACTS / "nl_scorecard_report.png"))
    open_page(d, server, EDITOR, "nl")
    WebDriverWait(d, 30).until(lambda x: x.find_elements(By.CSS_SELECTOR, "#checks li"))
    panel = d.find_element(By.ID, "checks")
    d.execute_script("arguments[0].scrollIntoView()", panel)
    item = d.find_element(By.ID, "check-P3").text
    assert "samenwerkingsverbanden binnen één van de" in item and "tolerantie 0,995" in item
    assert "SWVs within" not in panel.text
    panel.screenshot(str(ARTIFACTS / "nl_editor_checks.png"))
    open_page(d, server, PAGES["scenario"], "en")  # English stays available
    cell = d.find_element(By.CSS_SELECTOR, "#check-P3 .rk-check-summary")
    assert " SWVs within one of the " in cell.text and "tolerance 0.995" in cell.text


def test_every_explanation_page_in_both_languages(
    server: str,  # noqa: F811 - the fixture
    browser: WebDriver,  # noqa: F811 - the fixture
) -> None:
    """Every ``/uitleg/...`` page: 0 axe violations in Dutch and English, Dutch text (no English
    msgid, its own Dutch title) by default, the English documentation after the switch."""
    from api.routers.explain import DOCS

    english, patterns = english_msgids(), english_patterns()
    for name in DOCS:
        path = f"/uitleg/{name}"
        for locale in ("nl", "en"):
            open_page(browser, server, path, locale)
            violations = run_axe(browser)
            assert not violations, f"{path} ({locale}):\n{describe(violations)}"
            h1 = browser.find_element(By.TAG_NAME, "h1").text
            article = browser.find_element(By.CSS_SELECTOR, "article.rk-doc")
            if locale == "nl":
                assert article.get_attribute("lang") in (None, ""), "Dutch text, no English part"
                texts = browser.execute_script(VISIBLE_TEXT)
                left = untranslated(texts, english, patterns)
                assert not left, f"{path}: English strings on the Dutch page: {left}"
                dutch_title = h1
                if name == "verdict":
                    _screenshot(browser, "a11y_explanation_verdict.png")
            else:
                assert h1 != dutch_title, f"{path}: the English page has its own title"
