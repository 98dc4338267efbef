"""Descriptions the tools write into stored scenarios (issue 17): the CLI's English text exactly
as before, the web app's text in the language of who makes the scenario.

The expected English texts are the f-strings the tools used before the texts became messages,
written out here (:func:`old_proposal`, ...); expected Dutch numbers are formatted here by hand
(``.`` groups thousands, ``,`` marks decimals), not by ``maps.i18n``. Synthetic data: the grid
and space of ``tests/test_space_pages.py`` (a proposal and the options run in seconds).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from geo.proposals.problem import prepare
from geo.proposals.propose import ProposalSettings, propose
from geo.proposals.regional import regional_document, regional_message
from geo.scenarios import descriptions as d
from maps.i18n import render_message, written_language, written_text
from tests.test_pages_workspace import ORIGIN, post
from tests.test_pages_workspace import browser as signed_in
from tests.test_space_pages import DS, app, space  # noqa: F401 - fixtures

ENGLISH_WORDS = re.compile(r"\b(Pupils|pupils|SWVs|together|Proposal|Option|unchanged)\b")


def nl_int(x: float) -> str:
    """A whole number the Dutch way: 12.346."""
    return f"{x:,.0f}".replace(",", ".")


def nl_dec(x: float, digits: int) -> str:
    """A decimal number the Dutch way: 1.234,567."""
    return f"{x:,.{digits}f}".translate(str.maketrans(",.", ".,"))


def old_proposal(report: dict[str, Any], settings: ProposalSettings, low: float, high: float):
    """The description ``regio propose`` wrote before (geo/proposals/report.py, f-string)."""
    t, tr, s = report["totals"], report["travel"], settings
    return (
        f"Proposal by 'regio propose': {t['swvs']} SWVs for PO and VO together, each inside one "
        f"jeugdregio ({s.jeugdregio}), contiguous, {low:,.0f}-"
        f"{high:,.0f} PO+VO pupils. Pupils changing SWV: {t['disrupted']:,.0f} "
        f"({t['disrupted_share']:.1%}; unavoidable under principle 3: "
        f"{t['unavoidable_disruption']:,.0f}). Pupil-weighted distance to special education "
        f"PO {tr['po']['before']['weighted_mean']} -> {tr['po']['after']['weighted_mean']} km, "
        f"VO {tr['vo']['before']['weighted_mean']} -> {tr['vo']['after']['weighted_mean']} km "
        f"(margin per gemeente {s.max_extra_km} km). Solver status {t['status']}."
    )


def old_regional(regions: str, jeugdregio: str, swvs: int, disrupted: float) -> str:
    return (
        f"Proposal by 'regio propose' for jeugdregio {regions} ({jeugdregio}): "
        f"{swvs} SWVs for PO and VO together, each inside one jeugdregio, contiguous. "
        f"Pupils changing SWV there: {disrupted:,.0f}. Elsewhere the SWVs are unchanged."
    )


def old_option(summary: dict[str, float], jeugdregio: str) -> str:
    return (
        f"Option by 'regio options': {summary['swvs']:.0f} SWVs for PO and VO together, each "
        f"inside one jeugdregio ({jeugdregio}); on the Pareto front of "
        f"disruption x travel x number of SWVs among the valid divisions. Pupils changing "
        f"SWV: {summary['disrupted']:,.0f}; pupil-weighted distance PO+VO "
        f"{summary['travel_km']:.3f} km."
    )


def assert_dutch_proposal(text: str, report: dict[str, Any], low: float, high: float) -> None:
    """``text`` is the Dutch description of the proposal of ``report`` with Dutch numbers."""
    t, tr = report["totals"], report["travel"]
    assert text.startswith("Voorstel van regiokompas ('regio propose'): ")
    assert f"{t['swvs']} samenwerkingsverbanden voor po en vo samen" in text
    assert f"met {nl_int(low)} tot {nl_int(high)} leerlingen po+vo" in text
    share = nl_dec(100 * t["disrupted_share"], 1) + "%"
    assert f"wisselen: {nl_int(t['disrupted'])} ({share};" in text
    assert f"uitgangspunt 3: {nl_int(t['unavoidable_disruption'])})" in text
    po = tr["po"]
    before, after = (str(po[k]["weighted_mean"]).replace(".", ",") for k in ("before", "after"))
    assert f"po {before} → {after} km" in text
    assert text.endswith("Rekenuitkomst: optimaal (bewezen).") == (t["status"] == "OPTIMAL")
    assert not ENGLISH_WORDS.search(text), text


# ---------------------------------------------------------------------- the messages
@pytest.fixture(scope="module")
def national() -> tuple[ProposalSettings, Any, Any]:
    settings = ProposalSettings(time_limit=5, name="p")
    return settings, prepare(DS, settings).bounds, propose(DS, settings, warn=False)


def test_proposal_english_as_before_and_dutch(national) -> None:
    settings, bounds, proposal = national
    report = proposal.report
    english = old_proposal(report, settings, bounds.min_pupils, bounds.max_pupils)
    assert proposal.scenario["description"] == english  # what regio propose writes
    message = d.proposal_description(report)
    assert proposal.description == message  # what the web app renders for its reader
    assert str(message) == english == written_text(message, "en")
    assert render_message(message, "en").startswith("Proposal by 'regio propose': ")
    dutch = written_text(message, "nl")
    assert_dutch_proposal(dutch, report, bounds.min_pupils, bounds.max_pupils)
    assert render_message(message.to_dict(), "nl") == dutch  # the JSON form too


def test_regional_english_as_before_and_dutch() -> None:
    region = sorted(set(DS.division("jeugdregio").assignment()))[0]
    settings = ProposalSettings(time_limit=5, name="r", regions=(region,))
    proposal = propose(DS, settings, warn=False)
    doc = regional_document(DS, proposal, settings)
    swvs = len(set(proposal.division.assignment()))
    disrupted = float(proposal.report["totals"]["disrupted"])
    english = old_regional(region, "jeugdregio", swvs, disrupted)
    assert doc["description"] == english == str(regional_message(proposal, settings))
    dutch = written_text(regional_message(proposal, settings), "nl")
    assert dutch == (
        f"Voorstel van regiokompas ('regio propose') voor jeugdregio {region} (jeugdregio): "
        f"{swvs} samenwerkingsverbanden voor po en vo samen, elk binnen één jeugdregio en "
        f"aaneengesloten. Leerlingen die daar van samenwerkingsverband wisselen: "
        f"{nl_int(disrupted)}. Elders blijven de samenwerkingsverbanden zoals ze zijn."
    )
    two = d.regional_description(["JZ14", "JZ39"], jeugdregio="j", swvs=3, disrupted=1234.5)
    assert str(two) == old_regional("JZ14, JZ39", "j", 3, 1234.5)
    assert "jeugdregio JZ14, JZ39 (j): 3 samenwerkingsverbanden" in written_text(two, "nl")


@pytest.mark.parametrize(
    "summary",
    [
        {"swvs": 118.0, "disrupted": 12345.6, "travel_km": 7.12345},
        {"swvs": 3.0, "disrupted": 0.0, "travel_km": 1234.5},
        {"swvs": 76.4, "disrupted": 1_234_567.49, "travel_km": 0.0004},
    ],
)
def test_option_english_as_before_and_dutch(summary: dict[str, float]) -> None:
    message = d.option_description(summary, "jeugdregio_41")
    assert str(message) == old_option(summary, "jeugdregio_41") == written_text(message, "en")
    dutch = written_text(message, "nl")
    assert dutch.startswith(
        f"Optie van regiokompas ('regio options'): {summary['swvs']:.0f} samenwerkingsverbanden "
        "voor po en vo samen, elk binnen één jeugdregio (jeugdregio_41); "
    )
    assert dutch.endswith(
        f"wisselen: {nl_int(summary['disrupted'])}; afstand po+vo, gewogen naar leerlingen: "
        f"{nl_dec(summary['travel_km'], 3)} km."
    )
    assert not ENGLISH_WORDS.search(dutch), dutch


def test_defaults_english_as_before_and_dutch() -> None:
    cases = [
        (
            d.edited_description("huidig", 3),
            "huidig with 3 edit(s) made in the map editor",
            "huidig met 3 wijziging(en) uit de kaarteditor",
        ),
        (
            d.shared_edited_description("Plan Limburg", 1),
            "Plan Limburg (shared with you) with 1 edit(s) made in the map editor",
            "Plan Limburg (met u gedeeld) met 1 wijziging(en) uit de kaarteditor",
        ),
        (
            d.imported_description("swv_po", "plan.csv"),
            "swv_po imported from plan.csv",
            "swv_po ingelezen uit plan.csv",
        ),
        (
            d.new_description("jeugdregio_41"),
            "New scenario based on jeugdregio_41",
            "Nieuw scenario op basis van jeugdregio_41",
        ),
    ]
    for message, english, dutch in cases:
        assert (str(message), written_text(message, "en")) == (english, english)
        assert written_text(message, "nl") == dutch
        # a stored English text is recognised as English, a Dutch one (or a planner's) is not
        assert written_language(english) == "en"
        assert written_language(dutch) == "nl"
    assert written_language("Mijn plan: one SWV per jeugdregio") is None
    assert written_language("") is None
    # every placeholder needs a value; the search does not backtrack on a crafted text
    assert written_language(" with 3 edit(s) made in the map editor") is None
    crafted = "Proposal by 'regio propose': " + " SWVs for PO and VO together, (" * 5000
    assert written_language(crafted) is None


# ---------------------------------------------------------------------- through the web app
def _proposal(app, language: str, name: str, **extra: Any) -> tuple[dict, str]:  # noqa: F811
    client = TestClient(app)
    headers = {**app.state.headers["ann"], "accept-language": language}
    r = client.post(
        "/api/proposals", json={"name": name, "time_limit": 5, **extra}, headers=headers
    )
    assert r.status_code == 202, r.text
    job = r.json()["job_id"]
    app.state.regio.jobs.wait(job, timeout=120)
    done = client.get(f"/api/proposals/{job}", headers=headers).json()
    assert done["status"] == "done", done["error"]
    stored = app.state.regio.store.get(name)
    return done["report"], str(stored.document["description"])


def test_proposal_job_writes_the_starters_language(app) -> None:  # noqa: F811
    settings = ProposalSettings(time_limit=5)
    bounds = prepare(DS, settings).bounds
    report, dutch = _proposal(app, "nl-NL,nl;q=0.9", "voorstel-nl")
    assert_dutch_proposal(dutch, report, bounds.min_pupils, bounds.max_pupils)
    report_en, english = _proposal(app, "en-GB,en;q=0.9", "voorstel-en")
    assert english == old_proposal(report_en, settings, bounds.min_pupils, bounds.max_pupils)
    region = sorted(set(DS.division("jeugdregio").assignment()))[0]
    report_r, regional = _proposal(app, "nl", "voorstel-regio", regions=[region])
    assert regional.startswith(
        f"Voorstel van regiokompas ('regio propose') voor jeugdregio {region} "
    )
    assert f"wisselen: {nl_int(report_r['totals']['disrupted'])}." in regional

    # the pages show the stored text as written; an English one is marked lang="en" in Dutch
    client, _ = signed_in(app, "ann")
    page = client.get("/scenarios/voorstel-nl", headers={"accept-language": "nl"}).text
    assert f'<p class="rk-lead" id="scenario-description">{dutch}</p>' in html.unescape(page)
    page = client.get("/scenarios/voorstel-en", headers={"accept-language": "nl"}).text
    assert '<p class="rk-lead" id="scenario-description" lang="en">' in page
    assert english in html.unescape(page)
    page = client.get("/scenarios/voorstel-en", headers={"accept-language": "en"}).text
    assert '<p class="rk-lead" id="scenario-description">' in page
    page = client.get("/scenarios/voorstel-nl", headers={"accept-language": "en"}).text
    assert '<p class="rk-lead" id="scenario-description" lang="nl">' in page
    home = html.unescape(client.get("/", headers={"accept-language": "nl"}).text)
    assert f'<div class="desc" lang="en">{english}</div>' in home
    assert f'<div class="desc">{dutch}</div>' in home
    home = html.unescape(client.get("/", headers={"accept-language": "en"}).text)
    assert f'<div class="desc">{english}</div>' in home
    assert f'<div class="desc" lang="nl">{dutch}</div>' in home


def test_kept_option_in_the_planners_language(app, space, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space["dir"]))
    client, csrf = signed_in(app, "ann")
    r = post(client, "/options", csrf, title="Mijn opties", k="2")
    job = r.headers["location"].rsplit("/", 1)[1]
    app.state.regio.jobs.wait(job, timeout=300)
    result = client.get(f"/api/options/{job}").json()["result"]
    first = result["options"][0]
    post(client, f"/options/{job}/save", csrf, option="1")
    dutch = app.state.regio.store.get("mijn-opties-optie-1").document
    assert dutch["title"] == "Mijn opties: optie 1"
    assert dutch["description"] == (
        f"Optie van regiokompas ('regio options'): {first['swvs']:.0f} samenwerkingsverbanden "
        f"voor po en vo samen, elk binnen één jeugdregio ({result['jeugdregio']}); een van de "
        "beste afwegingen (Pareto-front) tussen leerlingen die wisselen, reisafstand en aantal "
        "samenwerkingsverbanden onder de geldige indelingen. Leerlingen die van "
        f"samenwerkingsverband wisselen: {nl_int(first['disrupted'])}; afstand po+vo, gewogen "
        f"naar leerlingen: {nl_dec(first['travel_km'], 3)} km."
    )
    assert len(result["options"]) == 2  # the same job, kept by the same planner in English
    client.cookies.set("regio_taal", "en")
    second = result["options"][1]
    post(client, f"/options/{job}/save", csrf, option="2")
    english = app.state.regio.store.get("mijn-opties-optie-2").document
    assert english["title"] == "Mijn opties: option 2"
    assert english["description"] == old_option(second, result["jeugdregio"])


def test_defaults_of_the_forms_in_the_planners_language(app) -> None:  # noqa: F811
    client, csrf = signed_in(app, "ann")
    store = app.state.regio.store
    post(client, "/scenarios/new", csrf, base="huidig", title="Plan Noord")
    assert store.get("plan-noord").document["description"] == "Nieuw scenario op basis van huidig"
    client.cookies.set("regio_taal", "en")
    post(client, "/scenarios/new", csrf, base="huidig", title="Plan Zuid")
    assert store.get("plan-zuid").document["description"] == "New scenario based on huidig"
    # the editor's save as without a description (scripts: Accept-Language decides)
    api = TestClient(app)
    revision = store.get("plan-noord").revision
    unit = str(DS.units.index[0])
    other = sorted(set(DS.division("swv_po").assignment().astype(str)))[-1]
    edit = {"op": "move", "division": "swv_po", "unit": unit, "to": other}
    for language, name, expected in [
        ("nl", "kopie-nl", "plan-noord met 1 wijziging(en) uit de kaarteditor"),
        ("en", "kopie-en", "plan-noord with 1 edit(s) made in the map editor"),
    ]:
        r = api.post(
            "/api/scenarios/plan-noord/save-as",
            json={"name": name, "base_revision": revision, "edits": [edit]},
            headers={**app.state.headers["ann"], "accept-language": language, **ORIGIN},
        )
        assert r.status_code == 201, r.text
        assert store.get(name).document["description"] == expected
