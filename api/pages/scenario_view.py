"""What the page of one scenario shows (``/scenarios/{id}`` and a share link's page).

Rule: one function, :func:`scenario_view`, gathers everything the template needs for one
caller: the scenario (as it is, or as it was at ``version``), its verdict (the checks of
``regio verdict``), links to its maps, editor, report, compare views and exports (every link
keeps a share link's token), its versions with who saved them and which edits, the difference
between two versions when asked, and what the caller may do: the owner (or an admin) edits the
title and description, publishes, shares, deletes (refused, with the reason, while another
scenario builds on it); every signed-in user may start a new scenario from it. A scenario that
cannot be evaluated shows why instead of breaking the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from api.compute.evaluator import ScenarioEvaluator
from api.pages.links import edit_url
from api.records import StoredScenario
from api.safety.auth.principal import SHARE_PARAM, Principal
from api.storage.history import VersionRecord
from api.storage.store import ScenarioStore
from geo.errors import RegiokompasError

PAGE_DIVISIONS: tuple[str, ...] = ("swv", "swv_po", "swv_vo", "jeugdregio")
"""Divisions with a map and an editor link on the page, when the scenario has them."""
AGAINST = "jeugdregio"
BASELINE = "huidig"
MAP_WEIGHT: dict[str, str] = {"swv_po": "pupils_po", "swv_vo": "pupils_vo"}
"""The weight a division's map opens with (``pupils`` for any other)."""


def with_token(url: str, share: str | None) -> str:
    """``url`` with ``share=<token>`` when the page was opened through a share link.

    >>> with_token("/maps/x?division=swv", "a.b"), with_token("/x", None)
    ('/maps/x?division=swv&share=a.b', '/x')
    """
    if not share:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({SHARE_PARAM: share})}"


def map_link(scenario: str, division: str, version: int | None = None) -> str:
    """The map page of one division of a scenario (``version``: as it was then)."""
    params: dict[str, Any] = {
        "division": division,
        "against": AGAINST if division != AGAINST else "swv_po",
        "weight": MAP_WEIGHT.get(division, "pupils"),
    }
    if version is not None:
        params["version"] = version
    return f"/maps/{scenario}?{urlencode(params)}"


def compare_link(scenario: str, division: str, baseline_divisions: set[str]) -> str | None:
    """The compare page of ``scenario`` beside today's (huidig), for one division."""
    if scenario == BASELINE:
        return None
    left = division if division in baseline_divisions else "swv_po"
    params = {
        "left": BASELINE,
        "left_division": left,
        "right": scenario,
        "right_division": division,
    }
    return f"/compare?{urlencode(params)}"


@dataclass
class ScenarioView:
    """Everything the scenario page shows (see the module rule)."""

    stored: StoredScenario
    current_version: int
    title: str
    description: str
    viewing_old: bool
    share: str | None
    can_change: bool
    signed_in: bool
    csrf: str
    verdict: dict[str, Any] | None = None
    verdict_error: str | None = None
    divisions: list[str] = field(default_factory=list)
    links: dict[str, Any] = field(default_factory=dict)
    history: list[VersionRecord] = field(default_factory=list)
    dependents: list[str] = field(default_factory=list)
    """Scenarios of the caller built on this one: they stop a delete."""
    hidden_dependents: int = 0
    """Scenarios of others built on this one (counted, never named): a delete leaves them
    without their base (``DELETE /api/scenarios/{id}``)."""
    shares: list[Any] = field(default_factory=list)
    diff: dict[str, Any] | None = None
    units: dict[str, str] = field(default_factory=dict)
    """Gemeente code -> name (for the edits in the history)."""


def scenario_view(
    stored: StoredScenario,
    evaluator: ScenarioEvaluator,
    store: ScenarioStore,
    principal: Principal,
    *,
    version: int | None = None,
    share: str | None = None,
) -> ScenarioView:
    """The page data of ``stored`` (as it was at ``version``) for ``principal``."""
    current = stored
    if version is not None and version != stored.version:
        stored = store.version_of(stored.id, version)
    else:
        version = None
    doc = stored.document
    session = principal.credential if principal.via == "session" else None
    view = ScenarioView(
        stored=stored,
        current_version=current.version,
        title=str(doc.get("title") or stored.id),
        description=str(doc.get("description", "")),
        viewing_old=version is not None,
        share=share,
        can_change=share is None and principal.can_change(current),
        signed_in=principal.is_user,
        csrf=(session.csrf or "") if session else "",
    )
    names = evaluator.dataset.units["name"]
    view.units = {str(k): str(v) for k, v in names.items()}
    try:
        divisions = evaluator.divisions(stored.id, version)
        view.divisions = [d for d in PAGE_DIVISIONS if d in divisions]
    except (RegiokompasError, KeyError, ValueError) as exc:
        view.verdict_error = str(exc)
    if view.verdict_error is None:
        try:
            view.verdict = evaluator.verdict(stored.id, version=version).to_dict()
        except (RegiokompasError, KeyError, ValueError) as exc:
            view.verdict_error = str(exc)
    try:
        baseline = set(evaluator.divisions(BASELINE))
    except (RegiokompasError, KeyError, ValueError):
        baseline = set()
    sid = stored.id
    view.links = {
        "maps": {d: with_token(map_link(sid, d, version), share) for d in view.divisions},
        "edit": {
            d: edit_url(sid, d, AGAINST if d != AGAINST else "swv_po", share=share)
            for d in view.divisions
        }
        if version is None
        else {},
        "compare": {
            d: with_token(url, share)
            for d in view.divisions
            if d != AGAINST and (url := compare_link(sid, d, baseline)) and baseline
        },
        "report": with_token(f"/api/scenarios/{sid}/report", share),
        "verdict_json": with_token(f"/api/scenarios/{sid}/verdict", share),
        "csv": {
            d: with_token(f"/api/scenarios/{sid}/assignment.csv?division={d}", share)
            for d in view.divisions
        },
        "geojson": {
            d: with_token(f"/api/divisions/{d}.geojson?scenario={sid}", share)
            for d in view.divisions
        },
        "gpkg": {
            d: with_token(f"/api/divisions/{d}.gpkg?scenario={sid}", share) for d in view.divisions
        },
        "json": with_token(
            f"/api/scenarios/{sid}" + (f"/versions/{version}" if version else ""), share
        ),
        "base": f"/scenarios/{stored.base}" if stored.base and share is None else None,
        "page": with_token(f"/scenarios/{sid}", share) if share is None else f"/share/{share}",
    }
    view.history = store.history(sid)
    built_on = [s for s in store.list() if s.base == sid]
    view.dependents = sorted(s.id for s in built_on if principal.can_change(s))
    view.hidden_dependents = len(built_on) - len(view.dependents)
    if view.can_change:
        view.shares = store.list_credentials("share", scenario_id=sid)
    return view
