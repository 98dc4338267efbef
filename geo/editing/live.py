"""The map editor's live figures: apply tentative edits to a scenario's divisions and measure
them, with the same rules as ``regio verdict`` and ``regio score``, one click at a time.

One class, :class:`LiveEditor`, answers ``figures(chain, stored, edits, division, against,
weight)`` with everything the editor's panel shows: the web app wraps it with its store
(``api.editor.session``), and a script gets the same figures from a dataset alone. Edits are
applied by the scenario code (:func:`geo.scenarios.apply_scenario`, one edit per click thanks to
a prefix cache); the headline, regions, touched regions and disruption then come from the
incremental engine (:mod:`geo.overlap.live`, synced to the edited division: only the gemeenten
whose shares changed are recomputed) whenever the ``against`` division is unchanged, else from a
full recompute (:func:`geo.overlap.score`, :func:`geo.overlap.disruption.disruption`). Both
equal ``regio score`` of the saved scenario (``engine`` in the answer says which one ran).

Figures (all for ``division`` of the edited scenario against its ``against``):

* ``headline`` before/after: congruence, nested regions, ARI, NMI, VI (``score().summary``);
* ``regions``: every region with its weight, containment, best match and whether it is nested;
* ``touched``: the regions whose membership the edits changed, containment before -> after;
* ``disruption``, ``travel``, ``checks``: :mod:`geo.editing.figures`;
* ``membership`` and ``adjacency``: the edited division's rows and touching region pairs.

A script (tests/test_geo_editing.py runs this on the real data)::

    editor = LiveEditor(dataset)
    move = {"op": "move", "division": "swv_po", "unit": "GM0772", "to": "PO3008"}
    f = editor.figures("huidig", dataset.divisions, [move], "swv_po", "jeugdregio", "pupils_po")
    f["headline"]["after"]["congruence"], f["engine"], [c["name"] for c in f["checks"]]
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import warnings
from collections.abc import Hashable, Sequence
from typing import Any

from geo.dataset import Dataset
from geo.division import Division, division_bytes
from geo.editing.figures import (
    LEVELS_OF,
    changed_pupils,
    check_figures,
    disruption_figures,
    gemeente_distances,
    travel_figures,
)
from geo.editing.memo import Memo, MemoLike
from geo.editing.parts import (
    EDIT_SOURCE,
    EditorResources,
    build_resources,
    json_num,
    membership_rows,
    region_adjacency,
    touched_regions,
)
from geo.overlap import score
from geo.overlap.live import LiveSession
from geo.overlap.live_cache import LiveCache
from geo.scenarios import apply_scenario, parse_scenario
from geo.scenarios.budget import BudgetExceeded
from geo.scenarios.errors import EmptiedRegionWarning, ScenarioError

HEADLINE = ("congruence", "nested_regions", "regions", "ari", "nmi", "vi")
"""Summary keys shown as the panel's headline metrics."""


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """One evaluate request, resolved: what :meth:`LiveEditor._live` and
    :meth:`LiveEditor._full` share."""

    scenario: str
    chain: Hashable
    """The identity of the stored divisions (in the app: the scenario's revision chain)."""
    stored: dict[str, Division]
    """The stored scenario's divisions."""
    before: dict[str, Division]
    """``stored`` plus the edited division when the edits create it."""
    after: dict[str, Division]
    """The divisions after the edits."""
    edits: Sequence[dict[str, Any]]
    keys: list[tuple]
    """:meth:`LiveEditor.prefix_keys` of ``edits``."""
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


class LiveEditor:
    """The editor's figures for tentative edits on a scenario's divisions.

    Rule: the edits are applied by the scenario code (prefix-cached per ``chain``); when
    ``against`` is the same division before and after them, the incremental engine
    (:class:`geo.overlap.live.LiveSession`, prefix-cached per chain, synced per edit) gives the
    headline, regions, touched regions and disruption, else they are recomputed in full. Travel
    and the checks are those of ``regio verdict`` on the edited division. Both paths give the
    same figures (tests/test_overlap_live.py, tests/test_editor_api.py).

    ``prefixes`` (divisions after each edit-list prefix), ``memo`` (figures of the stored
    divisions) and ``sessions`` (live sessions) default to small bounded caches; the web app
    passes its own, bounded by bytes.
    """

    def __init__(
        self,
        dataset: Dataset,
        resources: EditorResources | None = None,
        *,
        prefixes: MemoLike | None = None,
        memo: MemoLike | None = None,
        sessions: LiveCache | None = None,
    ) -> None:
        self.dataset = dataset
        self.resources = resources if resources is not None else build_resources(dataset)
        self._prefixes: MemoLike = prefixes if prefixes is not None else Memo()
        self._memo: MemoLike = memo if memo is not None else Memo()
        self.sessions = sessions if sessions is not None else LiveCache()
        self._last_keys: tuple[Hashable, list[dict[str, Any]], list[tuple]] | None = None

    @staticmethod
    def prefix_keys(chain: Hashable, edits: Sequence[dict[str, Any]]) -> list[tuple]:
        """Cache keys of every prefix of ``edits`` on the stored divisions ``chain``: a hash
        chain over the edits as canonical JSON (``keys[k]`` is the prefix of length ``k``)."""
        keys = [("editor_prefix", chain, "")]
        for edit in edits:
            text = keys[-1][2] + json.dumps(edit, sort_keys=True)
            keys.append(("editor_prefix", chain, hashlib.sha256(text.encode()).hexdigest()))
        return keys

    def _keys(self, chain: Hashable, edits: Sequence[dict[str, Any]]) -> list[tuple]:
        """:meth:`prefix_keys`, hashing only the edits appended since the last call (a click
        sends the previous list plus one edit)."""
        last = self._last_keys
        n = len(last[1]) if last is not None else 0
        if last is not None and last[0] == chain and n <= len(edits) and list(edits[:n]) == last[1]:
            keys = list(last[2])
            for edit in edits[n:]:
                text = keys[-1][2] + json.dumps(edit, sort_keys=True)
                keys.append(("editor_prefix", chain, hashlib.sha256(text.encode()).hexdigest()))
        else:
            keys = self.prefix_keys(chain, edits)
        self._last_keys = (chain, [dict(e) for e in edits], keys)
        return keys

    def apply_edits(
        self,
        chain: Hashable,
        stored: dict[str, Division],
        edits: Sequence[dict[str, Any]],
        keys: list[tuple] | None = None,
        scenario: str = "",
    ) -> dict[str, Division]:
        """``stored`` with ``edits`` applied.

        Rule: the divisions after every prefix of an edit list are cached (per ``chain``), so a
        click that appends one edit parses and applies one edit, not the whole list again.
        Raises :class:`~geo.scenarios.errors.ScenarioError` naming ``edits[i].field``.
        """
        keys = keys if keys is not None else self.prefix_keys(chain, edits)
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
                {"name": "edits", "description": f"tentative edits on {scenario or chain}",
                 "edits": list(edits[start:])},
                source=EDIT_SOURCE,
            )  # fmt: skip
        except ScenarioError as exc:
            raise shifted(exc, start) from None
        for i, edit in enumerate(tail.edits):
            one = tail.model_copy(update={"edits": [edit]}).with_source(EDIT_SOURCE)
            dataset = dataclasses.replace(self.dataset, divisions=dict(divisions))
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

    def figures(
        self,
        chain: Hashable,
        stored: dict[str, Division],
        edits: Sequence[dict[str, Any]],
        division: str,
        against: str,
        weight: str,
        scenario: str = "",
    ) -> dict[str, Any]:
        """Every figure of the panel (see the module docstring) as a JSON-ready dict.
        ``scenario``: the name shown in the checks (default: ``chain``)."""
        scenario = scenario or str(chain)
        before_all = stored
        keys = self._keys(chain, edits)
        after_all = self.apply_edits(chain, stored, edits, keys, scenario)
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
            "checks": check_figures(self.resources.checks, after_all, division, scenario),
            "membership": membership_rows(a_div),
            "adjacency": region_adjacency(a_div, self.resources.adjacency),
        }

    def _live(self, r: Evaluation) -> dict[str, Any]:
        """Headline, regions, touched and disruption from the incremental engine: the session
        of the longest cached prefix of ``edits``, synced to the division after each further
        edit (:meth:`apply_edits` has those divisions cached already)."""

        def start() -> LiveSession:
            return LiveSession.start(
                r.before[r.division],
                r.before[r.against],
                self.dataset.weight(r.weight),
                weight_name=r.weight,
                context=self.resources.live,
            )

        def step(session: LiveSession, i: int) -> None:
            edited = self.apply_edits(
                r.chain, r.stored, r.edits[: i + 1], r.keys[: i + 2], r.scenario
            )
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
        w = self.dataset.weight(weight)
        before = self._before(
            ("score", r.chain, division, against, weight),
            lambda: score(r.before[division], r.before[against], w, weight_name=weight).to_dict(),
        )
        if r.edits:
            after = score(r.after[division], r.after[against], w, weight_name=weight).to_dict()
        else:
            after = before
        b_div, a_div = r.before[division], r.after[division]
        touched = touched_regions(b_div.for_weight(weight), a_div.for_weight(weight))
        before_rows = {row["region"]: row for row in before["regions"]}
        totals = a_div.for_weight(weight).totals(w)
        regions = [
            {
                "code": row["region"],
                "name": row["name"],
                "weight": float(totals.get(row["region"], 0.0)),
                "containment": json_num(row["containment"]),
                "best_match": row["best_match"],
                "nested": bool(row["nested"]),
            }
            for row in after["regions"]
        ]
        after_rows = {row["region"]: row for row in after["regions"]}
        names = {**b_div.region_names, **a_div.region_names}

        def containment(rows: dict[str, dict[str, Any]], code: str) -> float | None:
            return json_num(rows[code]["containment"]) if code in rows else None

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
                    "before": containment(before_rows, code),
                    "after": containment(after_rows, code),
                }
                for code in touched
            ],
            "disruption": self._disruption(r.chain, b_div, a_div, division),
            "engine": "full",
        }

    def _before(self, key: tuple, compute: Any) -> Any:
        """A figure of the stored divisions, computed once per chain."""
        return self._memo.get_or_compute(("editor_before", *key), compute)

    def _disruption(
        self, chain: Hashable, before: Division, after: Division, division: str
    ) -> dict[str, Any] | None:
        """Pupils whose SWV changes against today, before and after the edits."""
        levels = LEVELS_OF.get(division)
        if levels is None:
            return None
        old = self._before(
            ("disruption", chain, division),
            lambda: changed_pupils(self.dataset, before, levels),
        )
        new = changed_pupils(self.dataset, after, levels) if after is not before else old
        return disruption_figures(self.dataset, old, new, levels)

    def _travel(
        self, chain: Hashable, before: Division, after: Division, division: str, touched: list[str]
    ) -> dict[str, Any] | None:
        """Travel to special education before -> after (:func:`geo.editing.figures.travel_figures`),
        the stored division's distances computed once per chain."""
        levels = LEVELS_OF.get(division)
        if levels is None:
            return None
        ctx = self.resources.checks

        def distances_before(level: str) -> Any:
            return self._before(
                ("distances", chain, division, level),
                lambda: gemeente_distances(ctx, before, level),
            )

        return travel_figures(ctx, before, after, levels, touched, distances_before)
