"""The checks' sentences as data (issue 17): English unchanged, Dutch through the catalogs.

- ``summary`` and every offender's ``problem`` are the English text of their ``message``,
  character for character (the API and the CLI keep showing what they showed).
- Every message survives its JSON form; every msgid the checks make is in the Dutch catalog.
- In Dutch the sentence is translated and its numbers use Dutch formats (checked against
  numbers formatted here, by hand: decimal comma, thousands point).
- The browser test's detector of untranslated text finds an English check summary on a page
  (so that test can fail), and no Dutch translation triggers it.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from fixtures.verdict_cases import CASES, case
from geo.checks import build_context, verdict
from geo.messages import Figure, Join, Message
from maps.i18n import gettext, render_message
from maps.i18n.catalog import po_path
from tests.test_browser_a11y import english_msgids, english_patterns, untranslated

SAME_IN_DUTCH = frozenset({"in %(n)s jeugdregio's: %(pieces)s"})
"""msgids whose Dutch text is the English one."""


def all_verdicts() -> list:
    out = []
    for name in CASES:
        ds, divisions, settings, _ = case(name)
        out.append(verdict(build_context(ds), divisions, scenario=name, settings=settings))
    return out


@pytest.fixture(scope="module")
def verdicts() -> list:
    return all_verdicts()


def messages_of(verdicts: list) -> list[tuple[Message, str]]:
    """Every (message, English text) of every check and offender."""
    out = []
    for v in verdicts:
        for r in v.results:
            assert r.message is not None, r.name
            out.append((r.message, r.summary))
            for o in r.offenders:
                assert "message" in o, (r.name, o)
                out.append((Message.from_dict(o["message"]), o["problem"]))
    return out


def msgids(message: Message) -> list[str]:
    found = [message.msgid]
    for value in message.params.values():
        items = value.items if isinstance(value, Join) else (value,)
        for item in items:
            if isinstance(item, Message):
                found += msgids(item)
    return found


def test_english_text_is_the_summary_and_json_round_trips(verdicts: list) -> None:
    pairs = messages_of(verdicts)
    assert len(pairs) > 40
    for message, text in pairs:
        assert str(message) == text
        assert Message.from_dict(message.to_dict()) == message
    for v in verdicts:  # the API's JSON carries the message beside the summary
        for check in v.to_dict()["checks"]:
            assert str(Message.from_dict(check["message"])) == check["summary"]
            for o in check["offenders"]:
                assert str(Message.from_dict(o["message"])) == o["problem"]


def test_every_msgid_of_the_checks_is_translated(verdicts: list) -> None:
    nl = gettext("nl")
    with po_path("nl").open("rb") as handle:
        catalog = {m.id for m in read_po(handle, locale="nl") if m.id and m.string}
    seen = {i for message, _ in messages_of(verdicts) for i in msgids(message)}
    assert len(seen) >= 12
    assert not seen - catalog, f"run `make messages` and translate: {sorted(seen - catalog)}"
    for msgid in seen:
        words = re.sub(r"%\(\w+\)s", "", msgid)
        if sum(c.isalpha() for c in words) > 12 and msgid not in SAME_IN_DUTCH:
            assert nl(msgid) != msgid, msgid


def test_dutch_sentences_and_number_formats(verdicts: list) -> None:
    by_case = {v.scenario: v for v in verdicts}
    size = by_case["below_minimum"].result("size")
    low, high = size.figures["min_pupils"], size.figures["max_pupils"]
    n = sum(d["swvs"] for d in size.figures["divisions"].values())

    def dutch(x: float) -> str:  # formatted here: thousands with a point
        return f"{x:,.0f}".replace(",", ".")

    expected = (
        f"{n - len(size.offenders)} van de {n} samenwerkingsverbanden tussen {dutch(low)} en "
        f"{dutch(high)} leerlingen po+vo"
    )
    assert render_message(size.message, "nl") == expected
    offender = size.offenders[0]
    assert render_message(offender["message"], "nl") == (
        f"{dutch(offender['pupils'])} leerlingen po+vo, onder het minimum van {dutch(low)}"
    )
    p3 = by_case["two_jeugdregio"].result("P3")
    pieces = p3.offenders[0]["pieces"]
    shares = ", ".join(
        f"{p['jeugdregio']} {p['share'] * 100:.1f}%".replace(".", ",") for p in pieces
    )
    assert render_message(p3.offenders[0]["message"], "nl") == (
        f"in {len(pieces)} jeugdregio's: {shares}"
    )
    text = render_message(p3.message, "nl")
    assert "samenwerkingsverbanden binnen één van de" in text and "tolerantie 0,995" in text


def test_figures_follow_the_locale() -> None:
    m = Message(
        "%(a)s %(b)s %(c)s %(d)s %(e)s",
        {
            "a": Figure(1234567.4, ",.0f"),
            "b": Figure(0.9312, ".1%"),
            "c": Figure(12.25, ".2f"),
            "d": Figure(float("inf"), "g"),
            "e": 0.995,
        },
    )
    assert str(m) == "1,234,567 93.1% 12.25 – 0.995"
    assert render_message(m, "nl") == "1.234.567 93,1% 12,25 – 0,995"
    assert render_message(m.to_dict(), "en") == "1,234,567 93.1% 12.25 – 0.995"


def test_the_page_detector_finds_an_english_check_summary(verdicts: list) -> None:
    english, patterns = english_msgids(), english_patterns()
    summaries = [r.summary for v in verdicts for r in v.results]
    dutch = [render_message(r.message, "nl") for v in verdicts for r in v.results]
    problems = [o["problem"] for v in verdicts for r in v.results for o in r.offenders]
    found = untranslated(summaries + problems, english, patterns)
    wordy = [t for t in summaries + problems if sum(c.isalpha() for c in t) > 20]
    assert set(wordy) <= set(found), "every wordy English summary or problem is detected"
    assert untranslated([f"P3 Titel: {summaries[0]}"], english, patterns), "inside a sentence"
    assert not untranslated(dutch, english, patterns), "the Dutch texts are not flagged"


def test_no_dutch_translation_looks_like_an_english_msgid() -> None:
    """The detector has no false alarms on the Dutch catalog itself."""
    english, patterns = english_msgids(), english_patterns()
    with po_path("nl").open("rb") as handle:
        texts = [
            re.sub(r"%\(\w+\)s", "7", m.string)
            for m in read_po(handle, locale="nl")
            if m.id and isinstance(m.string, str) and m.string
        ]
    flagged = untranslated(texts, english, patterns)
    assert not flagged, flagged
