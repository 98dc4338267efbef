"""The map editor's figures: apply tentative edits to a stored scenario and measure them.

One interface, :class:`LiveFigures`, answers ``evaluate(scenario, edits, division, against,
weight)`` with everything the editor's panel shows. Edits are applied by the scenario code
(:func:`geo.scenarios.apply_scenario`, one edit per click thanks to a prefix cache); the
headline, regions, touched regions and disruption then come from the incremental engine
(:mod:`geo.overlap.live`, synced to the edited division: only the gemeenten whose shares
changed are recomputed) whenever the ``against`` division is unchanged, else from a full
recompute (:func:`geo.overlap.score`, :func:`geo.overlap.disruption.disruption`). Both equal
``regio score`` of the saved scenario (``engine`` in the answer says which one ran).

Figures (all for ``division`` of the edited scenario against its ``against``):

* ``headline`` before/after: congruence, nested regions, ARI, NMI, VI (``score().summary``);
* ``regions``: every region with its weight, containment, best match and whether it is nested;
* ``touched``: the regions whose membership the edits changed, containment before -> after;
* ``disruption``: pupils whose SWV changes against today (huidig), the definition of
  :mod:`geo.overlap.disruption` (PO pupils for ``swv_po``, VO for ``swv_vo``, both for ``swv``);
* ``travel``: pupil-weighted distance to the nearest special-education location in the
  gemeente's SWV (the rule of ``regio verdict``'s P2, :func:`geo.checks.travel.distances`),
  before -> after, for the gemeenten concerned (those in touched regions);
* ``checks``: the hard named checks of ``regio verdict`` (:mod:`geo.checks`: P1, P2, P3, size,
  contiguity) on the edited scenario, with the offending regions or gemeenten.

>>> sorted(LEVELS_OF)
['swv', 'swv_po', 'swv_vo']
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import warnings
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from api.compute.cache import division_bytes
from api.deps import EvaluationCache, ScenarioEvaluator
from api.editor.parts import (
    EDIT_SOURCE,
    editor_resources,
    json_num,
    membership_rows,
    region_adjacency,
    touched_regions,
    weighted_mean,
)
from geo.checks import CHECKS, CheckState, VerdictError, VerdictSettings, verdict
from geo.checks.principles import p1_compact
from geo.checks.travel import distances
from geo.division import NO_REGION, Division
from geo.overlap import score
from geo.overlap.disruption import disruption
from geo.overlap.live import LiveSession
from geo.overlap.live_cache import LiveCache
from geo.scenarios import apply_scenario, parse_scenario
from geo.scenarios.budget import BudgetExceeded
from geo.scenarios.errors import EmptiedRegionWarning, ScenarioError

LEVELS_OF: dict[str, tuple[str, ...]] = {
    "swv_po": ("po",),
    "swv_vo": ("vo",),
    "swv": ("po", "vo"),
}
"""Education levels (of pupils and special-education locations) each SWV division serves."""

HEADLINE = ("congruence", "nested_regions", "regions", "ari", "nmi", "vi")
"""Summary keys shown as the panel's headline metrics."""

PREFIX_CACHE = 512
"""Applied edit-list prefixes kept per app (a few editing sessions of a few hundred clicks)."""

LIVE_SESSIONS = 128
"""Live sessions kept per app (each holds a few dense gemeente x region arrays, ~0.3 MB)."""

HARD_CHECKS = tuple(c for c in CHECKS if c.hard)
"""The pass/fail checks the panel shows (P1, P2, P3, size, contiguity; P1 first)."""
assert [c.name for c in HARD_CHECKS] == ["P1", "P2", "P3", "size", "contiguity"]

SWV_DIVISIONS = ("swv", "swv_po", "swv_vo")


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """One evaluate request, resolved: what :meth:`LiveFigures._live` and
    :meth:`LiveFigures._full` share."""

    scenario: str
    chain: Hashable
    """The scenario's revision chain (:meth:`~api.compute.evaluator.ScenarioEvaluator.key`)."""
    stored: dict[str, Division]
    """The stored scenario's divisions."""
    before: dict[str, Division]
    """``stored`` plus the edited division when the edits create it."""
    after: dict[str, Division]
    """The divisions after the edits."""
    edits: Sequence[dict[str, Any]]
    keys: list[tuple]
    """:meth:`LiveFigures.prefix_keys` of ``edits``."""
    division: str
    against: str
    weight: str


def shifted(exc: ScenarioError, offset: int) -> ScenarioError:
    """``exc`` about ``edits[i]`` of a tail of the edit list, renumbered for the whole list.

    >>> str(shifted(ScenarioError("edits", "edits[1]", "to", "unknown region"), 5))
    'edits: edits[6].to: unknown region'
    """
    match = re.fullmatch(r"edits\[(\d+)\](.*)", exc.position or "")
    if not match or offset == 0:
        return exc
    position = f"edits[{int(match.group(1)) + offset}]{match.group(2)}"
    return ScenarioError(exc.source, position, exc.field, exc.problem)


class LiveFigures:
    """The editor's figures for tentative edits on a stored scenario.

    Rule: the edits are applied by the scenario code (prefix-cached); when ``against`` is the
    same division before and after them, the incremental engine
    (:class:`geo.overlap.live.LiveSession`, prefix-cached per revision chain, synced per edit)
    gives the headline, regions, touched regions and disruption, else they are recomputed in
    full. Travel and the checks are those of ``regio verdict`` on the edited division. Both
    paths give the same figures (tests/test_overlap_live.py, tests/test_editor_api.py).
    """

    def __init__(self, evaluator: ScenarioEvaluator, cache_bytes: int | None = None) -> None:
        """``cache_bytes``: memory the prefix cache and the live sessions may hold together
        (half each, estimated; None: bounded by entries only)."""
        self.evaluator = evaluator
        self.resources = editor_resources(evaluator)
        half = None if cache_bytes is None else cache_bytes // 2
        self._prefixes = EvaluationCache(max_entries=PREFIX_CACHE, max_bytes=half)
        self.sessions = LiveCache(max_sessions=LIVE_SESSIONS, max_bytes=half)
        units = self.resources.checks.units
        self._codes = [str(u) for u in units.tolist()]
        names = self.resources.checks.names
        self._names = [str(names.get(g, g)) for g in self._codes]

    def prefix_keys(self, chain: Hashable, edits: Sequence[dict[str, Any]]) -> list[tuple]:
        """Cache keys of every prefix of ``edits`` on a scenario's revision chain (its
        :meth:`~api.compute.evaluator.ScenarioEvaluator.key`): a hash chain over the edits as
        canonical
        JSON (``keys[k]`` is the prefix of length ``k``)."""
        keys = [("editor_prefix", chain, "")]
        for edit in edits:
            text = keys[-1][2] + json.dumps(edit, sort_keys=True)
            keys.append(("editor_prefix", chain, hashlib.sha256(text.encode()).hexdigest()))
        return keys

    def apply(
        self,
        scenario: str,
        edits: Sequence[dict[str, Any]],
        keys: list[tuple] | None = None,
        stored: dict[str, Division] | None = None,
    ) -> dict[str, Division]:
        """The stored scenario's divisions with ``edits`` applied after its own edits.

        Rule: the divisions after every prefix of an edit list are cached (per scenario revision
        chain), so a click that appends one edit parses and applies one edit, not the whole list
        again. ``keys`` (:meth:`prefix_keys`) and ``stored`` (the scenario's own divisions), when
        the caller has them, save reading the store again. Raises
        :class:`~geo.scenarios.errors.ScenarioError` naming ``edits[i].field``.
        """
        if keys is None or stored is None:
            chain, stored = self.evaluator.resolve(scenario)
            keys = self.prefix_keys(chain, edits)
        start, divisions = 0, stored
        for k in range(len(edits), 0, -1):
            hit = self._prefixes.get(keys[k])
            if hit is not None:
                start, divisions = k, hit
                break
        if start == len(edits):
            return divisions
        try:
            tail = parse_scenario(
                {"name": "edits", "description": f"tentative edits on {scenario}",
                 "edits": list(edits[start:])},
                source=EDIT_SOURCE,
            )  # fmt: skip
        except ScenarioError as exc:
            raise shifted(exc, start) from None
        for i, edit in enumerate(tail.edits):
            one = tail.model_copy(update={"edits": [edit]}).with_source(EDIT_SOURCE)
            dataset = dataclasses.replace(self.evaluator.dataset, divisions=dict(divisions))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", EmptiedRegionWarning)  # a removed region
                try:
                    divisions = apply_scenario(one, dataset)
                except ScenarioError as exc:
                    index = start + i
                    raise ScenarioError(
                        EDIT_SOURCE, f"edits[{index}]", exc.field, exc.problem
                    ) from None
                except BudgetExceeded as exc:  # name the edit in the whole list
                    where = f"edits[{start + i}]"
                    raise type(exc)(str(exc).replace(f"{EDIT_SOURCE} edits[0]", where, 1)) from None
            own = [d for name, d in divisions.items() if stored.get(name) is not d]
            size = 256 + sum(division_bytes(d) for d in own)  # what this prefix alone holds
            self._prefixes.put(keys[start + i + 1], divisions, size=size)
        return divisions

    def evaluate(
        self,
        scenario: str,
        edits: Sequence[dict[str, Any]],
        division: str,
        against: str,
        weight: str,
    ) -> dict[str, Any]:
        """Every figure of the panel (see the module docstring) as a JSON-ready dict."""
        chain, before_all = self.evaluator.resolve(scenario)
        stored = before_all
        keys = self.prefix_keys(chain, edits)
        after_all = self.apply(scenario, edits, keys, stored)
        for name in (division, against):
            if name not in after_all:
                raise KeyError(
                    f"unknown division {name!r} in scenario {scenario!r}; choose one of "
                    f"{', '.join(sorted(after_all))}"
                )
        live = (
            division in before_all
            and division != against
            and before_all.get(against) is after_all[against]
        )
        if division not in before_all:
            before_all = {**before_all, division: after_all[division]}
        request = Evaluation(
            scenario, chain, stored, before_all, after_all, edits, keys, division, against, weight
        )
        figures = self._live(request) if live else self._full(request)
        a_div = after_all[division]
        touched = [t["code"] for t in figures["touched"]]
        return {
            "scenario": scenario,
            "division": division,
            "against": against,
            "weight": weight,
            "edits": len(edits),
            **figures,
            "travel": self._travel(chain, before_all[division], a_div, division, touched),
            "checks": self._checks(scenario, after_all, division),
            "membership": membership_rows(a_div),
            "adjacency": region_adjacency(a_div, self.resources.adjacency),
        }

    def _live(self, r: Evaluation) -> dict[str, Any]:
        """Headline, regions, touched and disruption from the incremental engine: the session
        of the longest cached prefix of ``edits``, synced to the division after each further
        edit (:meth:`apply` has those divisions cached already)."""
        dataset = self.evaluator.dataset

        def start() -> LiveSession:
            return LiveSession.start(
                r.before[r.division],
                r.before[r.against],
                dataset.weight(r.weight),
                weight_name=r.weight,
                context=self.resources.live,
            )

        def step(session: LiveSession, i: int) -> None:
            edited = self.apply(r.scenario, r.edits[: i + 1], r.keys[: i + 2], r.stored)
            session.sync(edited[r.division], op=str(r.edits[i].get("op", "edit")))

        key = (r.chain, r.division, r.against, r.weight)
        digests = [k[2] for k in r.keys]
        f = self.sessions.session(key, list(r.edits), start, step, digests=digests).figures()
        disruption = f["disruption"]
        if disruption is not None:
            disruption = {k: v for k, v in disruption.items() if k != "by_level"}
        return {
            "headline": f["headline"],
            "regions": f["regions"],
            "touched": f["touched"],
            "disruption": disruption,
            "engine": "live",
        }

    def _full(self, r: Evaluation) -> dict[str, Any]:
        """Headline, regions, touched and disruption recomputed in full on the applied edits."""
        division, against, weight = r.division, r.against, r.weight
        w = self.evaluator.dataset.weight(weight)
        before = self.evaluator.score(r.scenario, division, against, weight)
        if r.edits:
            after = score(r.after[division], r.after[against], w, weight_name=weight).to_dict()
        else:
            after = before
        b_div, a_div = r.before[division], r.after[division]
        touched = touched_regions(b_div.for_weight(weight), a_div.for_weight(weight))
        before_rows = {r["region"]: r for r in before["regions"]}
        totals = a_div.for_weight(weight).totals(w)
        regions = [
            {
                "code": r["region"],
                "name": r["name"],
                "weight": float(totals.get(r["region"], 0.0)),
                "containment": json_num(r["containment"]),
                "best_match": r["best_match"],
                "nested": bool(r["nested"]),
            }
            for r in after["regions"]
        ]
        after_rows = {r["region"]: r for r in after["regions"]}
        names = {**b_div.region_names, **a_div.region_names}
        return {
            "headline": {
                "before": {k: before["summary"].get(k) for k in HEADLINE},
                "after": {k: after["summary"].get(k) for k in HEADLINE},
            },
            "regions": regions,
            "touched": [
                {
                    "code": code,
                    "name": str(names.get(code, code)),
                    "before": json_num(before_rows[code]["containment"])
                    if code in before_rows
                    else None,
                    "after": json_num(after_rows[code]["containment"])
                    if code in after_rows
                    else None,
                }
                for code in touched
            ],
            "disruption": self._disruption(r.chain, b_div, a_div, division),
            "engine": "full",
        }

    # ------------------------------------------------------------------ pieces
    def _before(self, key: tuple, compute: Any) -> Any:
        """A figure of the stored scenario, computed once per revision chain."""
        return self.evaluator.cache.get_or_compute(("editor_before", *key), compute)

    def _checks(
        self, scenario: str, divisions: dict[str, Division], division: str
    ) -> list[dict[str, Any]]:
        """The hard checks of ``regio verdict`` (:mod:`geo.checks`): P1 on the edited scenario
        (it compares PO with VO), P2, P3, size and contiguity on the edited division (the other
        SWV divisions are unchanged by the editor); none for a division that is no SWV
        division."""
        if division not in SWV_DIVISIONS:
            return []
        ctx = self.resources.checks
        jeugdregio = {"jeugdregio": divisions["jeugdregio"]} if "jeugdregio" in divisions else {}
        results = []
        try:
            if division != "swv":
                results += verdict(
                    ctx, divisions, scenario=scenario, checks=HARD_CHECKS[:1]
                ).results
            own = {division: divisions[division], **jeugdregio}
            results += verdict(ctx, own, scenario=scenario, checks=HARD_CHECKS[1:]).results
        except VerdictError:
            return []
        if division == "swv":
            results.insert(
                0, verdict(ctx, own, scenario=scenario, checks=HARD_CHECKS[:1]).results[0]
            )
        out = [
            {
                "name": r.name,
                "label": r.title,
                "passed": bool(r.passed),
                "detail": r.summary,
                "offenders": list(dict.fromkeys(str(o.get("code", "")) for o in r.offenders)),
                "problems": [
                    f"{o.get('code')}: {o['problem']}" for o in r.offenders if "problem" in o
                ],
            }
            for r in results
        ]
        if division != "swv" and out and out[0]["name"] == "P1" and not out[0]["passed"]:
            # P1 is the scenario's (PO against VO): once, compactly, with what would pass
            out[0].update(detail=p1_compact(results[0], division), offenders=[], problems=[])
        return out

    def _changed_pupils(self, division: Division, levels: tuple[str, ...]) -> pd.Series:
        """Pupils per gemeente whose SWV changes against today (docs/proposals.md)."""
        ds = self.evaluator.dataset
        d = disruption(
            division,
            ds.division("swv_po"),
            ds.division("swv_vo"),
            ds.weight("pupils_po"),
            ds.weight("pupils_vo"),
        )
        return d.per_gemeente[[f"changed_{level}" for level in levels]].sum(axis=1)

    def _disruption(
        self, chain: Hashable, before: Division, after: Division, division: str
    ) -> dict[str, Any] | None:
        """Pupils whose SWV changes against today, before and after the edits."""
        levels = LEVELS_OF.get(division)
        if levels is None:
            return None
        old = self._before(
            ("disruption", chain, division),
            lambda: self._changed_pupils(before, levels),
        )
        new = self._changed_pupils(after, levels) if after is not before else old
        names = self.evaluator.dataset.units["name"].astype(str)
        diff = (new - old).round(6)
        return {
            "levels": list(levels),
            "before": float(old.sum()),
            "after": float(new.sum()),
            "delta": float(new.sum() - old.sum()),
            "gemeenten": [
                {
                    "code": str(g),
                    "name": str(names.get(g, g)),
                    "before": float(old[g]),
                    "after": float(new[g]),
                }
                for g in diff.index[diff != 0]
            ],
        }

    def _distances(self, division: Division, level: str) -> np.ndarray:
        """Distance (km) per gemeente to the nearest location of ``level`` in its SWV, by the
        rule of ``regio verdict``'s P2 (:func:`geo.checks.travel.distances`)."""
        ctx = self.resources.checks
        state = CheckState(
            ctx,
            "editor",
            {},
            [],
            None,
            "",
            VerdictSettings(),
            ctx.bounds,  # type: ignore[arg-type]
        )
        return distances(state, level, division.reindexed(ctx.units))[0]

    def _travel(
        self, chain: Hashable, before: Division, after: Division, division: str, touched: list[str]
    ) -> dict[str, Any] | None:
        """Pupil-weighted distance (km) to special education, before -> after, over the
        gemeenten in touched regions (before or after), and every gemeente whose distance
        changed."""
        levels = LEVELS_OF.get(division)
        if levels is None:
            return None
        ctx = self.resources.checks
        units = ctx.units
        concerned = np.zeros(len(units), dtype=bool)
        for d in (before, after):
            position = d.column_position
            cols = [position[c] for c in touched if c in position and c != NO_REGION]
            if cols:
                m = d.reindexed(units).shares.tocsc()[:, cols]
                concerned |= np.asarray(m.sum(axis=1)).ravel() > 0
        out: dict[str, Any] = {"levels": list(levels), "gemeenten_concerned": int(concerned.sum())}
        rows: dict[str, dict[str, Any]] = {}
        for level in levels:
            pupils = ctx.pupils[level]
            d0 = self._before(
                ("distances", chain, division, level),
                lambda level=level: self._distances(before, level),
            )
            d1 = self._distances(after, level) if after is not before else d0
            # a gemeente (with pupils) without a location of the level in its SWV is counted
            # and shown, never silently left out of the mean
            lost = concerned & (pupils > 0)
            out[level] = {
                "before_km": weighted_mean(d0[concerned], pupils[concerned]),
                "after_km": weighted_mean(d1[concerned], pupils[concerned]),
                "without_location_before": int((lost & np.isinf(d0)).sum()),
                "without_location_after": int((lost & np.isinf(d1)).sum()),
                "model": ctx.distance.get("name", "hemelsbreed"),
            }
            changed = np.flatnonzero(~np.isclose(d0, d1, equal_nan=True))
            for i, km0, km1 in zip(
                changed.tolist(), d0[changed].tolist(), d1[changed].tolist(), strict=True
            ):
                g = self._codes[i]
                row = rows.setdefault(g, {"code": g, "name": self._names[i]})
                row[f"{level}_before_km"] = json_num(km0)
                row[f"{level}_after_km"] = json_num(km1)
        out["changed"] = sorted(rows.values(), key=lambda r: r["code"])
        return out
