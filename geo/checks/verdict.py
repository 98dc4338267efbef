"""The verdict: run every check on a scenario's divisions, and flag principles claimed but broken.

Rule: :func:`verdict` runs :data:`CHECKS` (P1, P2, P3, size, contiguity — hard; disruption,
uniform — reported) on the scenario's SWV divisions (:func:`geo.checks.state.subjects_of`)
against a jeugdregio division: the one given, else the scenario's own ``jeugdregio`` (so a
scenario based on ``jeugdregio_41`` is checked against 41 regions), else the dataset's. The
verdict passes when every hard check passes. A principle in ``principles`` (the scenario
document's claim) whose check fails gives a warning naming the principle.

:func:`scenario_verdict` does the same for a scenario named by file or library name, with
``--jeugdregio`` meaning a division of the scenario or another scenario's ``jeugdregio``.

>>> from fixtures.synthetic import synthetic_dataset
>>> ds = synthetic_dataset(4, 4)
>>> v = verdict(build_context(ds), ds.divisions, scenario="demo", principles=[1])
>>> v.passed, [r.name for r in v.results if r.hard and not r.passed][:2], v.warnings[0][:40]
(False, ['P1', 'P3'], "scenario 'demo' claims principle 1 (one ")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from geo.checks.base import Check, CheckResult, VerdictError, VerdictSettings, clean
from geo.checks.context import VerdictContext, build_context
from geo.checks.principles import one_swv, within_jeugdregio
from geo.checks.reported import disrupted, uniform_regions
from geo.checks.shape import contiguity, size_bounds
from geo.checks.sizes import SizeBounds
from geo.checks.state import CheckState, Subject, subjects_of
from geo.checks.travel import close_to_home
from geo.dataset import Dataset
from geo.division import Division
from geo.errors import RegiokompasError
from geo.messages import N_, Message

if TYPE_CHECKING:
    from geo.scenarios import ScenarioDoc

ScenarioLoader = Callable[[str, Dataset], "tuple[ScenarioDoc, dict[str, Division]]"]
"""Finds a scenario by name and applies it: (document, divisions)."""

CHECKS: tuple[Check, ...] = (
    one_swv,
    close_to_home,
    within_jeugdregio,
    size_bounds,
    contiguity,
    disrupted,
    uniform_regions,
)
"""Every check in the order of the scorecard."""

HARD_CHECKS: tuple[Check, ...] = tuple(c for c in CHECKS if c.hard)
"""P1, P2, P3, size, contiguity."""

DIVISION_CHECKS: tuple[Check, ...] = (close_to_home, within_jeugdregio, size_bounds, contiguity)
"""The hard checks of one SWV division (all but P1): what a proposal or an ensemble step must
meet (``regio propose`` makes ``swv``, so P1 holds by construction)."""

PRINCIPLE_CHECKS: dict[int, str] = {1: "P1", 2: "P2", 3: "P3"}
"""Principle number (``principles: [...]`` of a scenario) -> the check that judges it."""

__all__ = [
    "CHECKS",
    "DIVISION_CHECKS",
    "HARD_CHECKS",
    "PRINCIPLE_CHECKS",
    "Verdict",
    "build_context",
    "scenario_verdict",
    "verdict",
]


@dataclass(frozen=True)
class Verdict:
    """All check results of one scenario (JSON: :meth:`to_dict`, schema in docs/verdict.md)."""

    scenario: str
    jeugdregio: dict[str, Any]
    divisions: list[str]
    results: list[CheckResult]
    principles: list[int]
    warnings: list[str]
    settings: dict[str, Any]
    seconds: float = 0.0
    principles_source: str = ""
    """Where the claim (``principles``) comes from: the scenario's own document."""
    warning_messages: list[Message] = field(default_factory=list, compare=False)
    """``warnings`` as messages (msgid and values), for pages in the reader's language."""
    state: CheckState | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        """True when every hard check passes."""
        return all(r.passed for r in self.results if r.hard)

    def result(self, name: str) -> CheckResult:
        """The result of one check by name (KeyError names the checks)."""
        for r in self.results:
            if r.name == name:
                return r
        raise KeyError(f"no check {name!r}; checks: {', '.join(r.name for r in self.results)}")

    def principle(self, number: int) -> CheckResult:
        """The result judging principle 1, 2 or 3."""
        return self.result(PRINCIPLE_CHECKS[number])

    def violations(self, codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """Offenders of the failed hard checks (``check`` added), only those whose ``code`` (an
        SWV or gemeente code) is in ``codes`` when given: what an ensemble step of one jeugdregio
        must not have."""
        wanted = None if codes is None else set(codes)
        return [
            {"check": r.name, **o}
            for r in self.results
            if r.hard and r.passed is False
            for o in r.offenders
            if wanted is None or o.get("code") in wanted
        ]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``regio verdict --json`` and ``GET /api/scenarios/{id}/verdict``."""
        return clean(
            {
                "scenario": self.scenario,
                "passed": self.passed,
                "jeugdregio": self.jeugdregio,
                "divisions": self.divisions,
                "principles_claimed": self.principles,
                "principles_source": self.principles_source,
                "warnings": self.warnings,
                "warning_messages": [m.to_dict() for m in self.warning_messages],
                "settings": self.settings,
                "checks": [r.to_dict() for r in self.results],
            }
        )


def _bounds(ctx: VerdictContext, settings: VerdictSettings) -> SizeBounds:
    """The size bounds (defaults: today's range); :class:`VerdictError` if none can be met."""
    d = ctx.bounds
    if settings.min_pupils is None and settings.max_pupils is None:
        return d
    lo = d.min_pupils if settings.min_pupils is None else settings.min_pupils
    hi = d.max_pupils if settings.max_pupils is None else settings.max_pupils
    total = float((ctx.pupils["po"] + ctx.pupils["vo"]).sum())
    if lo > hi:
        raise VerdictError(
            f"size bounds cannot be met: min_pupils {lo:,.0f} is above max_pupils {hi:,.0f}"
        )
    if lo > total:
        raise VerdictError(
            f"size bounds cannot be met: min_pupils {lo:,.0f} is above all PO+VO pupils of the "
            f"country together ({total:,.0f})"
        )
    return SizeBounds(float(lo), float(hi), rule="set by the planner", evidence=dict(d.evidence))


def verdict(
    ctx: VerdictContext,
    divisions: Mapping[str, Division],
    *,
    scenario: str = "scenario",
    jeugdregio: Division | None = None,
    jeugdregio_source: str | None = None,
    settings: VerdictSettings | None = None,
    principles: Iterable[int] = (),
    principles_source: str | Message | None = None,
    checks: Sequence[Check] = CHECKS,
) -> Verdict:
    """Judge ``divisions`` (a scenario applied) on every check (rule in the module docstring).

    ``principles`` is the scenario's own claim (``principles:`` of its document, never its
    base's); ``principles_source`` names where it was read (default ``"<scenario>: principles"``)
    and appears in every warning. ``ctx`` comes from :func:`build_context` (build it once,
    reuse it). Raises
    :class:`VerdictError` when there is no SWV division, no jeugdregio division, or the size
    bounds cannot be met.
    """
    start = time.perf_counter()
    settings = settings or VerdictSettings()
    if jeugdregio is None:
        jeugdregio = divisions.get("jeugdregio") or ctx.dataset.divisions.get("jeugdregio")
        jeugdregio_source = jeugdregio_source or (
            f"{scenario}: jeugdregio" if "jeugdregio" in divisions else "dataset: jeugdregio"
        )
    if jeugdregio is None:
        raise VerdictError(f"scenario {scenario!r} has no jeugdregio division to check against")
    try:
        subjects = [
            Subject(s.name, s.division.reindexed(ctx.units), s.levels)
            for s in subjects_of(divisions, scenario)
        ]
        frame = ctx.jeugdregio(jeugdregio)
    except VerdictError:
        raise
    except RegiokompasError as exc:
        raise VerdictError(f"scenario {scenario!r}: {exc}") from None
    state = CheckState(
        ctx,
        scenario,
        divisions,
        subjects,
        frame,
        jeugdregio_source or jeugdregio.name,
        settings,
        _bounds(ctx, settings),
    )
    results = [c(state) for c in checks]
    claimed = sorted({int(p) for p in principles})
    source = principles_source or Message(N_("%(scenario)s: principles"), {"scenario": scenario})
    warnings: list[Message] = []
    for number in claimed:
        name = PRINCIPLE_CHECKS.get(number)
        r = next((x for x in results if x.name == name), None)
        if r is not None and r.passed is False:
            from geo.scenarios import PRINCIPLES

            warnings.append(
                Message(
                    N_(
                        "scenario %(scenario)s claims principle %(number)s (%(principle)s; claim "
                        "from %(source)s) but fails check %(check)s: %(summary)s"
                    ),
                    {
                        "scenario": repr(scenario),
                        "number": number,
                        "principle": Message(PRINCIPLES[number]),
                        "source": source,
                        "check": name,
                        "summary": r.message or r.summary,
                    },
                )
            )
    return Verdict(
        scenario=scenario,
        jeugdregio={
            "source": state.jeugdregio_source,
            "division": jeugdregio.name,
            "regions": frame.division.n_regions,
        },
        divisions=[s.name for s in subjects],
        results=results,
        principles=claimed,
        warnings=[str(w) for w in warnings],
        warning_messages=warnings,
        settings={
            "tolerance": settings.tolerance,
            "weight": settings.weight,
            "margin_km": settings.margin_km,
            "min_pupils": state.bounds.min_pupils,
            "max_pupils": state.bounds.max_pupils,
        },
        seconds=round(time.perf_counter() - start, 4),
        state=state,
        principles_source=str(source) if claimed else "",
    )


def resolve_jeugdregio(
    dataset: Dataset, divisions: Mapping[str, Division], name: str, scenario: str
) -> tuple[Division, str]:
    """``--jeugdregio NAME``: a division of the scenario, else the ``jeugdregio`` of the scenario
    ``NAME`` (file or library name); :class:`VerdictError` names both options otherwise."""
    if name in divisions:
        return divisions[name], f"{scenario}: {name}"
    from geo.scenarios import apply_scenario, load_scenario

    try:
        doc = load_scenario(name)
    except RegiokompasError as exc:
        raise VerdictError(
            f"unknown jeugdregio division {name!r}: neither a division of scenario {scenario!r} "
            f"({', '.join(sorted(divisions))}) nor a scenario ({exc})"
        ) from None
    other = apply_scenario(doc, dataset)
    if "jeugdregio" not in other:
        raise VerdictError(f"scenario {name!r} has no division 'jeugdregio' to check against")
    return other["jeugdregio"], f"{doc.name}: jeugdregio"


def scenario_verdict(
    ctx: VerdictContext | Dataset,
    scenario: str,
    *,
    jeugdregio: str | None = None,
    settings: VerdictSettings | None = None,
    loader: ScenarioLoader | None = None,
) -> Verdict:
    """The verdict of a scenario file or library name (``regio verdict``); ``loader`` finds
    and applies it (default: :func:`geo.scenarios.load_scenario` and ``apply_scenario``; the
    CLI also finds scenarios stored in the web app).

    >>> from fixtures.synthetic import synthetic_dataset
    >>> scenario_verdict(synthetic_dataset(4, 4), "no_such_scenario")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    geo.checks.base.VerdictError: unknown scenario 'no_such_scenario': ...
    """
    from geo.scenarios import apply_scenario, load_scenario

    dataset = ctx if isinstance(ctx, Dataset) else ctx.dataset
    if loader is not None:
        try:
            doc, divisions = loader(scenario, dataset)
        except RegiokompasError as exc:
            what = "unknown scenario" if isinstance(exc, LookupError) else "scenario"
            raise VerdictError(f"{what} {scenario!r}: {exc}") from None
    else:
        try:
            doc = load_scenario(scenario)
        except RegiokompasError as exc:
            raise VerdictError(f"unknown scenario {scenario!r}: {exc}") from None
        try:
            divisions = apply_scenario(doc, dataset)
        except RegiokompasError as exc:
            raise VerdictError(f"scenario {scenario!r} cannot be applied: {exc}") from None
    subjects_of(divisions, doc.name)  # no SWV division: stop before the context is built
    if isinstance(ctx, Dataset):
        ctx = build_context(ctx)
    division, source = None, None
    if jeugdregio is not None:
        division, source = resolve_jeugdregio(ctx.dataset, divisions, jeugdregio, doc.name)
    return verdict(
        ctx,
        divisions,
        scenario=doc.name,
        jeugdregio=division,
        jeugdregio_source=source,
        settings=settings,
        principles=doc.principles,
        principles_source=Message(
            N_("%(scenario)s: principles (its own document)"), {"scenario": doc.name}
        ),
    )
