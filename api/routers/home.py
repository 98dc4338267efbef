"""``/``: the home page — stored scenarios with headline metrics, map links and an upload form.

Rule: for every stored scenario the page shows the congruence of ``swv_po``, ``swv_vo`` and
``swv`` (where the scenario has it) against ``jeugdregio``, weighted by ``?weight=`` (default
inhabitants), computed through the same cached scores as ``/api/scores``. Compare links put the
scenario beside the baseline (huidig) for each division both have; a scenario's combined ``swv``
(e.g. a proposal) is put beside the baseline's ``swv_po`` and ``swv_vo``. A scenario that cannot
be evaluated shows its error in its row instead of breaking the page. Plain HTML; the upload
form posts to ``POST /api/scenarios/import`` (with a small script showing the answer inline).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import ScenarioEvaluator, get_evaluator, get_store
from api.models import WeightName
from api.pages.links import edit_url
from api.pages.locale import get_locale
from api.pages.templating import TEMPLATES, render_page
from api.routers.shared import shared_list
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.security import nonce_scripts
from api.storage.store import ScenarioStore, StoredScenario
from geo.dataset import WEIGHTS
from geo.errors import RegiokompasError
from geo.scenarios.model import PRINCIPLES
from maps.i18n import format_metric, gettext, principle_label, render_message
from maps.style import headline_sentence

router = APIRouter(tags=["home"])

__all__ = ["TEMPLATES", "router"]  # TEMPLATES: see api.pages.templating (kept importable here)

HEADLINE_DIVISIONS: tuple[str, ...] = ("swv_po", "swv_vo", "swv")
"""Divisions whose congruence with :data:`AGAINST` heads the table (``swv`` when present)."""

AGAINST = "jeugdregio"
UPLOAD_FIRST = ("swv_po", "swv_vo")
"""Divisions listed first (swv_po preselected) in the upload form."""
BASELINE = "huidig"
"""The scenario every other one is compared with in the compare links."""


class ScenarioRow(BaseModel):
    """One row of the home page table."""

    id: str
    title: str = ""
    description: str
    source: str
    version: int
    owner: str | None = None
    visibility: str = "published"
    congruence: dict[str, str]
    map_divisions: list[str]
    map_urls: dict[str, str]
    edit_urls: dict[str, str]
    """Division -> the map editor of that division."""
    compare_urls: dict[str, str]
    """Link text -> compare view beside the baseline (``swv_po``, ``swv vs swv_vo``, ...)."""
    principles: dict[str, PrincipleCell] = {}
    """Principle number ('1', '2', '3') -> its cell (:func:`principle_cells`)."""
    sentences: list[str] = []
    """The headline figures as sentences (:func:`maps.style.headline_sentence`)."""
    report_url: str = ""
    verdict_url: str = ""
    error: str | None = None


class PrincipleCell(BaseModel):
    """One principle column of the home page: a mark, a word and the reason (a ``<details>``
    the reader opens with the keyboard too)."""

    mark: str = Field(description="✔ passes, ✗ fails, – not judged")
    word: str = Field("", description="the mark in words: passes, fails, not judged")
    passed: bool | None
    why: str = Field(description="the check's summary, its first offenders, the claim")
    claimed: bool = Field(description="the scenario's document claims this principle")


def principle_cells(
    verdict: Any, claimed: Iterable[int], locale: str = "nl"
) -> dict[str, PrincipleCell]:
    """The three principle cells of a verdict (:mod:`geo.checks`): ✔/✗ and why.

    >>> from fixtures.verdict_cases import case
    >>> from geo.checks import build_context, verdict
    >>> ds, divisions, settings, _ = case("two_jeugdregio")
    >>> cells = principle_cells(verdict(build_context(ds), divisions, settings=settings), [3])
    >>> cells["3"].mark, cells["3"].claimed, cells["3"].why.splitlines()[1]
    ('✗', True, "X: in 2 jeugdregio's: JA 80,0%, JB 20,0%")
    """
    _ = gettext(locale)
    claimed = set(claimed)
    cells = {}
    for number in (1, 2, 3):
        r = verdict.principle(number)
        lines = [f"{r.name}: {render_message(r.message, locale, r.summary)}"]
        lines += [
            f"{o['code']}: {render_message(o.get('message'), locale, o.get('problem', ''))}"
            for o in r.offenders[:5]
        ]
        if len(r.offenders) > 5:
            lines.append(_("… and %(n)s more (see the report)") % {"n": len(r.offenders) - 5})
        if number in claimed:
            lines.append(
                _("claimed by the scenario")
                if r.passed
                else _("claimed by the scenario: the claim does not hold")
            )
        cells[str(number)] = PrincipleCell(
            mark="✔" if r.passed else "✗",
            word=_("passes") if r.passed else _("fails"),
            passed=r.passed,
            why="\n".join(lines),
            claimed=number in claimed,
        )
    return cells


def unjudged_cells(reason: str, locale: str = "nl") -> dict[str, PrincipleCell]:
    """Cells of a scenario that cannot be judged (e.g. no SWV division): – and the reason."""
    _ = gettext(locale)
    cell = PrincipleCell(
        mark="–",
        word=_("not judged"),
        passed=None,
        why=_("not judged: %(reason)s") % {"reason": reason},
        claimed=False,
    )
    return {str(n): cell for n in (1, 2, 3)}


def map_url(scenario: str, division: str, weight: str) -> str:
    """URL of the map page of ``division`` in ``scenario`` against the jeugdregio's.

    >>> map_url("huidig", "swv_po", "area")
    '/maps/huidig?division=swv_po&against=jeugdregio&weight=area'
    """
    query = urlencode({"division": division, "against": AGAINST, "weight": weight})
    return f"/maps/{scenario}?{query}"


def compare_url(
    left: str, right: str, division: str, weight: str, left_division: str | None = None
) -> str:
    """URL of the compare view of two scenarios for ``division`` against the jeugdregio's
    (``left_division``: another division on the left, e.g. huidig's swv_po beside an swv).

    >>> compare_url("huidig", "x", "swv_vo", "inhabitants")
    '/maps/compare?left=huidig&right=x&division=swv_vo&against=jeugdregio&weight=inhabitants'
    >>> compare_url("huidig", "p", "swv", "pupils", left_division="swv_po").split("&")[-2:]
    ['weight=pupils', 'left_division=swv_po']
    """
    params = {"left": left, "right": right, "division": division, "against": AGAINST}
    params["weight"] = weight
    if left_division is not None:
        params["left_division"] = left_division
    return f"/maps/compare?{urlencode(params)}"


COMBINED = "swv"
"""The combined PO+VO division (principle 1); compared with the baseline's swv_po and swv_vo."""


def compare_links(
    scenario: str,
    divisions: Iterable[str],
    baseline: str,
    baseline_divisions: frozenset[str],
    weight: str,
) -> dict[str, str]:
    """Link text -> compare view of ``scenario`` beside ``baseline``, per division it has.

    >>> links = compare_links("p", ["swv"], "huidig", frozenset({"swv_po", "swv_vo"}), "area")
    >>> {label: url.split("&")[-1] for label, url in links.items()}
    {'swv vs swv_po': 'left_division=swv_po', 'swv vs swv_vo': 'left_division=swv_vo'}
    """
    if scenario == baseline:
        return {}
    links: dict[str, str] = {}
    for division in divisions:
        if division in baseline_divisions:
            links[division] = compare_url(baseline, scenario, division, weight)
        elif division == COMBINED:
            for level in ("swv_po", "swv_vo"):
                if level in baseline_divisions:
                    links[f"{division} vs {level}"] = compare_url(
                        baseline, scenario, division, weight, left_division=level
                    )
    return links


def scenario_row(
    stored: StoredScenario,
    evaluator: ScenarioEvaluator,
    weight: str,
    baseline: str,
    baseline_divisions: frozenset[str] = frozenset(HEADLINE_DIVISIONS),
    locale: str = "nl",
) -> ScenarioRow:
    """The table row of one stored scenario (its error message if it cannot be evaluated);
    figures formatted for ``locale``.

    Compare links: see :func:`compare_links` (never baseline vs itself).
    """
    row: dict[str, Any] = {
        "id": stored.id,
        "title": str(stored.document.get("title") or stored.id),
        "description": str(stored.document.get("description", "")),
        "source": stored.source,
        "version": stored.version,
        "owner": stored.owner,
        "visibility": stored.visibility,
        "congruence": {},
        "map_divisions": [],
        "map_urls": {},
        "edit_urls": {},
        "compare_urls": {},
    }
    try:
        divisions = evaluator.divisions(stored.id)
        for division in HEADLINE_DIVISIONS:
            if division in divisions and AGAINST in divisions:
                score = evaluator.score(stored.id, division, AGAINST, weight)
                summary = score["summary"]
                row["congruence"][division] = format_metric(summary.get("congruence"), locale)
                row.setdefault("sentences", []).append(headline_sentence(score, locale))
                row["map_divisions"].append(division)
                row["map_urls"][division] = map_url(stored.id, division, weight)
                row["edit_urls"][division] = edit_url(stored.id, division, AGAINST)
            else:
                row["congruence"][division] = "–"
        row["compare_urls"] = compare_links(
            stored.id, row["map_divisions"], baseline, baseline_divisions, weight
        )
    except (RegiokompasError, KeyError, ValueError) as exc:
        row["error"] = str(exc)
    if row.get("error") is None:
        claimed = [p for p in stored.document.get("principles") or [] if isinstance(p, int)]
        try:
            row["principles"] = principle_cells(evaluator.verdict(stored.id), claimed, locale)
            row["report_url"] = f"/api/scenarios/{stored.id}/report"
            row["verdict_url"] = f"/api/scenarios/{stored.id}/verdict"
        except (RegiokompasError, KeyError, ValueError) as exc:
            row["principles"] = unjudged_cells(str(exc), locale)
    return ScenarioRow(**row)


GROUPS = ("library", "mine", "published", "others")
"""The groups of the home page, in this order; then ``shared with me``: the share links a
signed-in user opened (:mod:`api.storage.shared`), else those opened in this browser."""


def group_of(row: ScenarioRow, user: str | None) -> str:
    """The home page group of a scenario for ``user``.

    >>> row = ScenarioRow(id="x", description="", source="user", version=1, owner="ann",
    ...                   visibility="published", congruence={}, map_divisions=[], map_urls={},
    ...                   edit_urls={}, compare_urls={})
    >>> group_of(row, "ann"), group_of(row, "bob"), group_of(row, None)
    ('mine', 'published', 'published')
    """
    if row.source == "library":
        return "library"
    if user is not None and row.owner == user:
        return "mine"
    return "published" if row.visibility == "published" else "others"


@router.get("/", response_class=HTMLResponse, summary="Home page: stored scenarios and links")
def home(
    request: Request,
    weight: WeightName = "inhabitants",
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> HTMLResponse:
    """The stored scenarios the caller may read as a table of headline metrics with links to
    maps and compare views, an upload form for an assignment CSV (signed-in users) and links to
    ``/docs`` and ``/openapi.json``.
    """
    readable = [s for s in store.list() if principal.can_read(s)]
    stored = sorted(readable, key=lambda s: (s.id != BASELINE, s.id))
    ids = {s.id for s in stored}
    baseline = BASELINE if BASELINE in ids else (stored[0].id if stored else BASELINE)
    try:
        baseline_divisions = frozenset(evaluator.divisions(baseline)) if stored else frozenset()
    except (RegiokompasError, KeyError, ValueError):
        baseline_divisions = frozenset()
    locale = get_locale(request)
    rows = [
        scenario_row(s, evaluator, weight, baseline, baseline_divisions, locale) for s in stored
    ]
    session = principal.credential if principal.via == "session" else None
    user = principal.user.name if principal.user else None
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in GROUPS}
    for row in rows:
        groups[group_of(row, user)].append(row.model_dump())
    page = render_page(
        request,
        "home.html",
        locale=locale,
        user=principal.user.name if principal.user else None,
        csrf_token=session.csrf if session else "",
        rows=[row.model_dump() for row in rows],
        groups=[(g, groups[g]) for g in GROUPS if groups[g]],
        shared=[e.model_dump() for e in shared_list(store, user)] if user else None,
        bases=[(s.id, str(s.document.get("title") or s.id)) for s in stored],
        divisions=HEADLINE_DIVISIONS,
        principle_labels=[(n, principle_label(n, locale)) for n in PRINCIPLES],
        against=AGAINST,
        baseline=baseline,
        weight=weight,
        weights=list(WEIGHTS),
        upload_divisions=sorted(
            evaluator.dataset.divisions, key=lambda d: (d not in UPLOAD_FIRST, d)
        ),
    )
    return HTMLResponse(nonce_scripts(page))
