"""The scenario service: applied divisions and scores of stored scenarios, cached per revision.

A stored scenario may name a stored ``base``; the evaluator follows that chain (nearest first),
applies each link once per revision of the chain, and caches divisions and scores in the
:class:`~api.compute.cache.EvaluationCache` under keys holding every ``(id, revision)`` of the
chain.

Access: routes get :meth:`ScenarioEvaluator.restricted` to the caller (``api.deps.get_evaluator``),
a view that sees only the scenarios (and base links) the caller may read: any other one is a
:class:`ScenarioNotFound` ``unknown scenario 'x'``, the same as an id that is not stored. So a
scenario a route names itself (a default, a ``?jeugdregio=``, a base) goes through the same
rule as the ids the policy checks up front. The cache is shared: access is checked before it.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, NoReturn

from api.compute.cache import EvaluationCache
from api.storage.store import MAX_BASE_DEPTH, ScenarioNotFound, ScenarioStore, StoredScenario
from geo.dataset import Dataset
from geo.division import Division
from geo.errors import RegiokompasError
from geo.messages import N_, Message
from geo.scenarios.budget import Budget, CostExceeded, within

if TYPE_CHECKING:
    from geo.checks import Verdict, VerdictContext, VerdictSettings
    from geo.scenarios import ScenarioDoc


class ScenarioEvaluator:
    """Applied divisions and scores of stored scenarios, cached per revision.

    ``scenario=None`` means the current divisions of the dataset.

    >>> from fixtures.synthetic import synthetic_dataset
    >>> import tempfile; from api.storage.store import open_store
    >>> store = open_store(tempfile.mkdtemp(), library_dir=None)
    >>> ev = ScenarioEvaluator(synthetic_dataset(), store, EvaluationCache())
    >>> ev.division(None, "jeugdregio").n_regions
    12
    """

    def __init__(
        self,
        dataset: Dataset,
        store: ScenarioStore,
        cache: EvaluationCache,
        budget: Budget | float | None = None,
    ) -> None:
        self.dataset = dataset
        self.store = store
        self.cache = cache
        self._shared: dict[str, Any] = {"verdict_context": None, "lock": threading.Lock()}
        """State shared with the :meth:`restricted` views (the verdict context, built once)."""
        self.budget = Budget(seconds=budget) if isinstance(budget, int | float) else budget
        """What applying one scenario (its bases included) may cost (time, regions, rows,
        divisions; :func:`api.safety.limits.cost_budget`); None: no limit."""
        self.access: Callable[[StoredScenario, StoredScenario | None], bool] | None = None
        """``(scenario, the link naming it as base or None) -> may it be read``; None: all."""

    def restricted(
        self, access: Callable[[StoredScenario, StoredScenario | None], bool]
    ) -> ScenarioEvaluator:
        """A view of this evaluator (same dataset, store and cache) that reads only what
        ``access`` allows (e.g. :meth:`api.safety.auth.principal.Principal.can_read_link`)."""
        view = copy.copy(self)
        view.access = access
        return view

    # ------------------------------------------------------------------ verdict
    @property
    def verdict_context(self) -> VerdictContext:
        """The :class:`geo.checks.VerdictContext` of the dataset, built once (about 1-3 s) and
        shared by every verdict: the verdict API, the home page and the editor's live panel."""
        shared = self._shared
        if shared["verdict_context"] is None:
            with shared["lock"]:
                if shared["verdict_context"] is None:
                    from geo.checks import build_context

                    shared["verdict_context"] = build_context(self.dataset)
        return shared["verdict_context"]

    def verdict(
        self,
        scenario: str,
        *,
        jeugdregio: str | None = None,
        settings: VerdictSettings | None = None,
        version: int | None = None,
    ) -> Verdict:
        """:func:`geo.checks.verdict` of a stored scenario, cached per revision (of the scenario
        and of ``jeugdregio``, a division of the scenario or a stored scenario's jeugdregio).

        ``version``: the scenario as it was at that version (:meth:`chain`).

        Raises :class:`KeyError` for an unknown scenario or jeugdregio division and
        :class:`geo.checks.VerdictError` for a scenario that cannot be judged.
        """
        from geo.checks import VerdictSettings, subjects_of, verdict

        settings = settings or VerdictSettings()
        chain = self.chain(scenario, version)
        divisions = self._apply(chain)
        subjects_of(divisions, scenario)  # no SWV division: say so before building the context
        source, other_key = None, ()
        if jeugdregio is None:
            division = None
        elif jeugdregio in divisions:
            division, source = divisions[jeugdregio], f"{scenario}: {jeugdregio}"
        else:
            try:
                other = self.divisions(jeugdregio)
            except ScenarioNotFound:
                raise KeyError(
                    f"unknown jeugdregio division {jeugdregio!r}: neither a division of "
                    f"scenario {scenario!r} ({', '.join(sorted(divisions))}) nor a stored "
                    "scenario"
                ) from None
            if "jeugdregio" not in other:
                raise KeyError(f"stored scenario {jeugdregio!r} has no division 'jeugdregio'")
            division, source = other["jeugdregio"], f"{jeugdregio}: jeugdregio"
            other_key = self.key(jeugdregio)
        key = ("verdict", tuple((s.id, s.revision) for s in chain), jeugdregio, other_key)
        key += (settings,)
        principles = chain[0].document.get("principles") or []

        def compute() -> Verdict:
            return verdict(
                self.verdict_context,
                divisions,
                scenario=scenario,
                jeugdregio=division,
                jeugdregio_source=source,
                settings=settings,
                principles=[p for p in principles if isinstance(p, int)],
                principles_source=Message(
                    N_(
                        "%(scenario)s: principles (its own document, version %(version)s; a "
                        "base's claims are not inherited)"
                    ),
                    {"scenario": scenario, "version": chain[0].version},
                ),
            )

        return self.cache.get_or_compute(key, compute)

    # ------------------------------------------------------------------ keys
    def chain(self, scenario: str, version: int | None = None) -> list[StoredScenario]:
        """The scenario followed by its bases (nearest first); errors name the broken link.

        ``version``: the scenario as it was at that version (its bases as they are now); its
        old store revision keeps the cache keys of old and new apart. A link that is not stored
        or that this view may not read is a :class:`ScenarioNotFound` ``unknown scenario 'x'``
        naming it (the words of an unknown id)."""
        out: list[StoredScenario] = []
        seen: set[str] = set()
        current: str | None = scenario
        while current is not None:
            if current in seen or len(out) >= MAX_BASE_DEPTH:
                raise RegiokompasError(
                    f"scenario {scenario!r}: base chain {' -> '.join(s.id for s in out)} -> "
                    f"{current} loops or is deeper than {MAX_BASE_DEPTH}"
                )
            seen.add(current)
            if version is not None and not out:
                stored = self.store.version_of(current, version)
            else:
                stored = self._load(current)
            if self.access is not None and not self.access(stored, out[-1] if out else None):
                raise ScenarioNotFound(f"unknown scenario {current!r}")
            out.append(stored)
            base = stored.document.get("base")
            current = base if isinstance(base, str) and base else None
        return out

    def stored(self, scenario: str) -> StoredScenario:
        """A stored scenario this view may read (else :class:`ScenarioNotFound`), read from the
        store only when its revision changed."""
        stored = self._load(scenario)
        if self.access is not None and not self.access(stored, None):
            raise ScenarioNotFound(f"unknown scenario {scenario!r}")
        return stored

    def _load(self, scenario: str) -> StoredScenario:
        """A stored scenario through the per-revision cache (no access check)."""
        revision = self.store.revision(scenario)
        hit = self.cache.get(("stored", scenario, revision))
        if hit is not None:
            return hit
        stored = self.store.get(scenario)
        self.cache.put(("stored", scenario, stored.revision), stored)
        return stored

    def key(self, scenario: str | None, version: int | None = None) -> tuple[tuple[str, int], ...]:
        """Cache key of a scenario: ``(id, revision)`` along its base chain."""
        if scenario is None:
            return ()
        return tuple((s.id, s.revision) for s in self.chain(scenario, version))

    # ------------------------------------------------------------------ evaluation
    def resolve(self, scenario: str) -> tuple[tuple[tuple[str, int], ...], dict[str, Division]]:
        """``(key(scenario), divisions(scenario))`` with one read of the store."""
        chain = self.chain(scenario)
        return tuple((s.id, s.revision) for s in chain), self._apply(chain)

    def divisions(self, scenario: str | None, version: int | None = None) -> dict[str, Division]:
        """All divisions with the scenario's edits (and its bases' edits) applied (``version``:
        as the scenario was then)."""
        if scenario is None:
            return self.dataset.divisions
        chain = self.chain(scenario, version)
        return self._apply(chain)

    def _apply(self, chain: list[StoredScenario]) -> dict[str, Division]:
        key = ("divisions", tuple((s.id, s.revision) for s in chain))
        refused = self.cache.get(("refused", key))
        if refused is not None:  # over a size bound before: refused again without the work
            raise CostExceeded(refused)

        def compute() -> dict[str, Division]:
            from geo.scenarios import apply_scenario, parse_scenario

            head, rest = chain[0], chain[1:]

            def bases(base: str, doc: ScenarioDoc) -> dict[str, Division]:
                # the chain was resolved (and checked) above: its next link is this base
                return self._apply(rest) if rest else self.dataset.divisions

            doc = parse_scenario(head.document, source=f"scenario {head.id!r}")
            with within(self.budget) if self.budget is not None else nullcontext():
                return apply_scenario(doc, self.dataset, bases=bases)  # checked while applied

        try:
            return self.cache.get_or_compute(key, compute)
        except CostExceeded as exc:
            self._remember_refusal(key, exc)

    def _remember_refusal(self, key: tuple, exc: CostExceeded) -> NoReturn:
        """Keep the message of a scenario refused for its size (deterministic for a revision
        chain), so asking again costs a lookup, not the work up to the refusal; re-raise."""
        self.cache.put(("refused", key), str(exc))
        raise exc

    def bases(self, base: str, doc: ScenarioDoc | None = None) -> dict[str, Division]:
        """The divisions of the stored scenario ``base``: the :class:`geo.scenarios.BaseResolver`
        of stored scenarios (errors name the broken link of the base chain)."""
        return self.divisions(base)

    def division(self, scenario: str | None, name: str, version: int | None = None) -> Division:
        """One division of a scenario; :class:`KeyError` names the options."""
        divisions = self.divisions(scenario, version)
        if name not in divisions:
            where = f" in scenario {scenario!r}" if scenario else ""
            raise KeyError(
                f"unknown division {name!r}{where}; choose one of {', '.join(sorted(divisions))}"
            )
        return divisions[name]

    def score(
        self,
        scenario: str | None,
        division: str,
        against: str,
        weight: str,
        *,
        tolerance: float = 0.995,
        min_piece: float = 0.0,
        version: int | None = None,
    ) -> dict[str, Any]:
        """``geo.overlap.score(...).to_dict()`` for a scenario (``version``: as it was then),
        cached per revision."""
        key = ("score", self.key(scenario, version), division, against, weight, tolerance)
        key += (min_piece,)

        def compute() -> dict[str, Any]:
            from geo.overlap import score

            a = self.division(scenario, division, version)
            b = self.division(scenario, against, version)
            weights = self.dataset.weight(weight)
            return score(
                a, b, weights, weight_name=weight, tolerance=tolerance, min_piece=min_piece
            ).to_dict()

        return self.cache.get_or_compute(key, compute)
