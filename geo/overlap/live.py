"""Live figures for the map editor: a division being edited, updated per action, no national table.

A :class:`LiveSession` holds one edited division (the *start*: e.g. ``swv_po`` of a stored
scenario revision) against one other division and weight. After each action the caller hands
it the division as the scenario code made it (:meth:`LiveSession.sync`: the edit functions of
:mod:`geo.scenarios` stay the one definition of what an edit does, weight-specific shares
included); the session finds the gemeenten whose shares (for its weight) changed and keeps up
to date, without recomputing anything national:

* the contingency table against ``against`` (rows of the regions an action touches are rebuilt
  from their gemeenten), from which :meth:`LiveSession.figures` scores everything with
  :func:`~geo.overlap.score.score_contingency` (the table is small: regions x against regions):
  headline congruence, nested count, ARI, NMI, VI and every region's containment;
* the containment before -> after of each region the last action touched, and of every region
  the edits so far touched (against the start);
* for SWV divisions (``swv``, ``swv_po``, ``swv_vo``; :data:`~geo.overlap.live_context.SWV_LEVELS`)
  the pupils whose SWV changes against today (huidig), the definition of
  :mod:`geo.overlap.disruption`, with its ``received`` table (today's SWVs x new SWVs) updated
  per touched new SWV.

Every figure equals a full recomputation on the applied scenario (``score``, ``disruption``)
to 1e-9 (tests/test_overlap_live.py, a hypothesis property test over divisions with
weight-specific shares).

API, as the editor's server uses it::

    ctx = live_context(dataset)                       # once per dataset
    start = LiveSession.start(division, against, weights, weight_name="pupils_po", context=ctx)
    s = start.copy()                                  # cheap: a few small arrays
    s.sync(edited_division, op="move")                # the division after one more edit
    s.figures()                                       # dict: headline, regions, touched, last, ...

or, with a prefix cache per (scenario revision, division, against, weight), :class:`LiveCache`
in :mod:`geo.overlap.live_cache`.

>>> from fixtures.synthetic import synthetic_dataset
>>> from geo.overlap.live_context import live_context
>>> from geo.scenarios.edits import move
>>> ds = synthetic_dataset(4, 4)
>>> po = ds.division("swv_po")
>>> s = LiveSession.start(po, ds.division("jeugdregio"), ds.weight("pupils_po"),
...                       weight_name="pupils_po", context=live_context(ds))
>>> s.sync(move(po, "GM0001", "C1"), op="move")
>>> f = s.figures()
>>> from geo.overlap import score
>>> full = score(move(po, "GM0001", "C1"), ds.division("jeugdregio"), ds.weight("pupils_po"),
...              weight_name="pupils_po").summary
>>> abs(f["headline"]["after"]["congruence"] - full["congruence"]) < 1e-12
True
>>> [(r["code"], round(r["before"], 3), round(r["after"], 3)) for r in f["last"]["regions"]]
[('C0', 0.541, 0.62), ('C1', 0.521, 0.47)]
"""

from __future__ import annotations

import copy as _copy
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.division import NO_REGION, Division
from geo.overlap.contingency import Contingency
from geo.overlap.live_context import SWV_LEVELS, LiveContext
from geo.overlap.live_figures import disruption_figures
from geo.overlap.preconditions import aligned_weights
from geo.overlap.score import RegionMetrics, json_float, score_contingency

__all__ = ["HEADLINE", "LiveSession"]

HEADLINE = ("congruence", "nested_regions", "regions", "ari", "nmi", "vi")
"""Summary keys of the headline metrics."""


def _weight_view(division: Division, weight: str) -> Division:
    """The division as the weight sees it (weight-specific shares, where a division has them)."""
    view = getattr(division, "for_weight", None)
    return view(weight) if callable(view) else division


class LiveSession:
    """One edited division with incrementally kept figures (see the module docstring).

    State: ``S`` (units x slots) shares for the session's weight, slot 0 is
    :data:`NO_REGION`; ``slot_code[k]`` the code of slot k (``None`` when free); ``table``
    (slots x against columns) the contingency; per level ``P`` (the shares of that level's
    pupils, ``S`` itself when the session's weight is those pupils) and ``received`` (today's
    SWVs x slots).
    """

    # ------------------------------------------------------------------ construction
    @classmethod
    def start(
        cls,
        division: Division,
        against: Division,
        weights: pd.Series,
        *,
        weight_name: str,
        context: LiveContext | None = None,
        tolerance: float = 0.995,
    ) -> LiveSession:
        """A session on ``division`` (the start state, figures 'before') against ``against``.

        ``context`` (:func:`~geo.overlap.live_context.live_context`) is needed for the
        disruption of SWV divisions; without it that figure is ``None``.
        """
        s = cls.__new__(cls)
        a = _weight_view(division, weight_name)
        units = context.units if context is not None else a.units
        a = a.reindexed(units)
        b = _weight_view(against, weight_name).reindexed(units)
        s.name, s.against, s.weight_name, s.tolerance = a.name, b.name, weight_name, tolerance
        s.context = context
        s.levels = SWV_LEVELS.get(a.name, ()) if context is not None else ()
        s.units = units
        s.codes = [str(u) for u in units]
        s.w = aligned_weights(a, weights, label=f"weights for {a.name!r} x {b.name!r}")
        s.T = b.shares.toarray()
        s.wT = s.w[:, None] * s.T
        s.b_columns = b.columns
        s.b_names = dict(b.region_names)
        codes = [NO_REGION, *map(str, a.regions)]
        s.slot_code = list(codes)
        s.code_slot = {c: k for k, c in enumerate(codes)}
        s.names = {str(c): str(n) for c, n in a.region_names.items()}
        s.S = np.zeros((len(units), len(codes) + 8))  # room for new regions
        region_slots = list(range(1, len(codes)))
        s.S = s._laid_out(a.shares.toarray(), region_slots)
        s.table = np.zeros((s.S.shape[1], s.T.shape[1]))
        s.row_touched = {}
        s.edits = 0
        s.last = None
        s._figures = None
        s._division = a
        s.received = {}
        s.P = {}
        for level in s.levels:  # disruption counts pupils by their own (postcode) shares
            view = _weight_view(division, f"pupils_{level}").reindexed(units)
            same = view.shares is a.shares
            s.P[level] = s.S if same else s._laid_out(view.shares.toarray(), region_slots)
        everything = np.arange(len(codes))
        s._rebuild_slots(everything)
        s._refresh_levels(everything)
        s.base = s._snapshot()
        return s

    def copy(self) -> LiveSession:
        """An independent session in the same state (arrays copied, the start shared)."""
        other = _copy.copy(self)
        other.S = self.S.copy()
        other.P = {lv: other.S if m is self.S else m.copy() for lv, m in self.P.items()}
        other.table = self.table.copy()
        other.slot_code = list(self.slot_code)
        other.code_slot = dict(self.code_slot)
        other.names = dict(self.names)
        other.row_touched = dict(self.row_touched)
        other.received = {k: v.copy() for k, v in self.received.items()}
        return other

    # ------------------------------------------------------------------ the one action
    def sync(self, division: Division, *, op: str = "edit") -> None:
        """Bring the session to ``division``: the edited division after one more action, as
        the scenario code made it (regions, names and shares; the session reads the shares of
        its weight). Only gemeenten whose shares differ and regions whose columns differ are
        updated; ``op`` names the action in :attr:`last`.

        Rule: a region of ``division`` keeps its slot (its table row) while its code exists;
        new codes take free slots; codes that are gone free theirs. Raises ``ValueError`` for
        a division over other units or of another name.
        """
        if division.name != self.name:
            raise ValueError(f"the live session edits {self.name!r}, not {division.name!r}")
        view = _weight_view(division, self.weight_name)
        if not view.units.equals(self.units):
            view = view.reindexed(self.units)
        codes = [str(c) for c in view.regions]
        dense = view.shares.toarray()
        old_slots = self._order()
        old_codes = {k: self.slot_code[k] for k in old_slots}
        keep = set(codes)
        gone = [k for k in old_slots if old_codes[k] not in keep]
        slot_of = {c: self._slot(c) for c in codes}  # before gone slots are released
        for k in gone:
            self.code_slot.pop(old_codes[k])
        columns = [slot_of[c] for c in codes]
        target = self._laid_out(dense, columns)
        differ = target != self.S
        changed_rows = np.flatnonzero(differ.any(axis=1))
        changed_slots = set(np.flatnonzero(differ.any(axis=0)).tolist())
        before = self.containment_of(sorted((changed_slots | set(gone)) & set(old_codes)))
        pupil_slots: set[int] = set()
        for level, m in list(self.P.items()):
            if m is self.S:
                self.P[level] = target
                pupil_slots |= changed_slots
                continue
            pv = _weight_view(division, f"pupils_{level}")
            if not pv.units.equals(self.units):
                pv = pv.reindexed(self.units)
            new = self._laid_out(pv.shares.toarray(), columns)
            pupil_slots |= set(np.flatnonzero((new != m).any(axis=0)).tolist())
            self.P[level] = new
        self.S = target
        names = {c: str(view.region_names.get(c, c)) for c in codes}
        renamed = {slot_of[c] for c in codes if names[c] != self.names.get(c)}
        self.names = names
        for k in gone:
            self._clear(k)
        slots = np.asarray(sorted(changed_slots | set(gone)), dtype=np.int64)
        self._rebuild_slots(slots)
        self._refresh_levels(np.asarray(sorted(pupil_slots | set(gone)), dtype=np.int64))
        items: list[tuple[str, float | None, int | None]] = [
            (old_codes[k], before.get(k), None if k in gone else k)
            for k in old_slots
            if k in gone or k in changed_slots or (k in renamed and old_codes[k] in keep)
        ]
        items += [(c, None, k) for c, k in slot_of.items() if k not in old_codes]
        self._touch(changed_rows.tolist())
        self._division = view
        self.edits += 1
        self._mark(op, sorted(items, key=lambda item: item[0]))

    def _laid_out(self, dense: np.ndarray, columns: list[int]) -> np.ndarray:
        """A ``units x (regions + [NO_REGION])`` share matrix in the session's slot layout."""
        out = np.zeros_like(self.S)
        out[:, 0] = dense[:, -1]
        out[:, columns] = dense[:, :-1]
        return out

    # ------------------------------------------------------------------ slots
    def _slot(self, code: str) -> int:
        """The slot of ``code``, allocating a free (or new) column for a new code."""
        found = self.code_slot.get(code)
        if found is not None:
            return found
        free = next((k for k, c in enumerate(self.slot_code) if c is None), None)
        if free is None:
            free = len(self.slot_code)
            self.slot_code.append(None)
            if free >= self.S.shape[1]:
                grow = max(8, self.S.shape[1] // 2)
                old = self.S
                self.S = np.hstack([self.S, np.zeros((self.S.shape[0], grow))])
                for level, m in self.P.items():
                    self.P[level] = (
                        self.S if m is old else np.hstack([m, np.zeros_like(m[:, :grow])])
                    )
                self.table = np.vstack([self.table, np.zeros((grow, self.table.shape[1]))])
                for level in self.levels:
                    r = self.received[level]
                    self.received[level] = np.hstack([r, np.zeros((r.shape[0], grow))])
        self.slot_code[free] = code
        self.code_slot[code] = free
        return free

    def _clear(self, k: int) -> None:
        """Empty slot ``k`` (already released from the code maps)."""
        self.slot_code[k] = None
        self.S[:, k] = 0.0
        self.table[k] = 0.0
        for level in self.levels:
            self.received[level][:, k] = 0.0
            self.P[level][:, k] = 0.0

    def _order(self) -> list[int]:
        """Region slots in code order (as :class:`Division` sorts its regions)."""
        live = [(c, k) for k, c in enumerate(self.slot_code) if c is not None and k != 0]
        return [k for _, k in sorted(live)]

    @property
    def regions(self) -> list[str]:
        """Region codes in order."""
        return [self.slot_code[k] for k in self._order()]

    # ------------------------------------------------------------------ incremental pieces
    def _rebuild_slots(self, slots: np.ndarray) -> None:
        """Rebuild the contingency rows of ``slots`` from their gemeenten."""
        for k in np.asarray(slots).tolist():
            col = self.S[:, k]
            members = np.flatnonzero(col > 0)
            self.table[k] = col[members] @ self.wT[members] if len(members) else 0.0

    def _refresh_levels(self, slots: np.ndarray) -> None:
        """The disruption columns (pupils received from today's SWVs) of ``slots``."""
        if not self.levels:
            return
        ctx = self.context
        n_slots = self.S.shape[1]
        for level in self.levels:
            today, pupils = ctx.today[level], ctx.pupils[level]
            if level not in self.received:
                self.received[level] = np.zeros((today.shape[1], n_slots))
            received = self.received[level]
            for k in np.asarray(slots).tolist():
                if k == 0:
                    continue  # a share in no new SWV holds nobody
                shares = self.P[level]
                members = np.flatnonzero(shares[:, k] > 0)
                capacity = pupils[members] * shares[members, k]
                received[:, k] = np.minimum(today[members], capacity[:, None]).sum(axis=0)

    # ------------------------------------------------------------------ figures
    def contingency(self) -> Contingency:
        """The current table as a :class:`Contingency` (regions in code order, 'no region' last)."""
        order = self._order()
        codes = [self.slot_code[k] for k in order]
        return Contingency(
            self.table[[*order, 0]],
            pd.Index([*codes, NO_REGION]),
            self.b_columns,
            self.name,
            self.against,
            {c: self.names.get(c, c) for c in codes},
            self.b_names,
        )

    def _metrics(self) -> tuple[dict[str, Any], RegionMetrics]:
        scored = score_contingency(
            self.contingency(), weight_name=self.weight_name, tolerance=self.tolerance
        )
        return scored.summary, scored.metrics

    def _disruption(self) -> dict[str, np.ndarray]:
        """Per level: pupils per gemeente whose SWV changes (``changed_<level>``)."""
        out: dict[str, np.ndarray] = {}
        order = np.asarray(self._order(), dtype=np.int64)
        for level in self.levels:
            today, pupils = self.context.today[level], self.context.pupils[level]
            received = self.received[level][:, order]
            has = received.sum(axis=1) > 0
            cont = np.where(has, order[received.argmax(axis=1)] if len(order) else 0, -1)
            g, p, v = self.context.today_cells[level]
            k = cont[p]
            ok = k >= 0
            n_slots = self.S.shape[1]
            continuing = np.bincount(
                g[ok] * n_slots + k[ok], weights=v[ok], minlength=self.S.size
            ).reshape(self.S.shape)
            capacity = pupils[:, None] * self.P[level]
            capacity[:, 0] = 0.0
            kept = np.minimum(continuing, capacity).sum(axis=1)
            out[level] = np.clip(today.sum(axis=1) - kept, 0.0, None)
        return out

    def _snapshot(self) -> dict[str, Any]:
        summary, m = self._metrics()
        rows = {i: self._row(i) for i in range(len(self.units))}
        return {
            "summary": summary,
            "containment": dict(zip(m.labels.tolist(), m.containment.tolist(), strict=True)),
            "names": dict(self.names),
            "rows": rows,
            "changed": self._disruption(),
        }

    def _row(self, i: int) -> dict[str, float]:
        cols = np.flatnonzero(self.S[i] > 0)
        return {self.slot_code[k]: float(self.S[i, k]) for k in cols.tolist()}

    def _touch(self, rows: list[int]) -> None:
        """Remember, for gemeenten ``rows`` whose shares or region codes just changed, the
        regions where they now differ from the start."""
        for i in rows:
            one, two = self.base["rows"][i], self._row(i)
            diff = frozenset(
                code
                for code in set(one) | set(two)
                if abs(one.get(code, 0.0) - two.get(code, 0.0)) > 1e-12
            )
            if diff:
                self.row_touched[i] = diff
            else:
                self.row_touched.pop(i, None)

    def touched(self) -> list[str]:
        """Codes of the regions (of the start or now) whose gemeenten or shares differ from the
        start: new, removed, renamed, grown or shrunk."""
        return sorted(frozenset().union(*self.row_touched.values()) - {NO_REGION})

    def figures(self) -> dict[str, Any]:
        """Every live figure as a JSON-ready dict (computed once per state).

        Keys: ``division, against, weight, edits`` (actions synced), ``headline``
        (``before`` = the start, ``after`` = now: :data:`HEADLINE` of the score summary),
        ``summary`` (the whole summary now), ``regions`` (code, name, weight, containment,
        best_match, nested), ``touched`` (code, name, containment before -> after, for every
        region the edits touched), ``last`` (the last action: ``op`` and its regions before ->
        after) and ``disruption`` (``None`` for divisions other than SWV divisions).
        """
        if self._figures is not None:
            return self._figures
        summary, m = self._metrics()
        base = self.base
        order = self._order()
        codes = [self.slot_code[k] for k in order]
        cont = dict(zip(codes, m.containment.tolist(), strict=True))
        other = [str(c) for c in self.b_columns.tolist()]
        weights = (self.w @ self.S[:, order]).tolist()  # as Division.totals
        regions = [
            {
                "code": code,
                "name": self.names.get(code, code),
                "weight": weight,
                "containment": c if c == c else None,  # nan (no weight) -> None
                "best_match": other[b] if b >= 0 else None,
                "nested": n,
            }
            for code, weight, c, b, n in zip(
                codes,
                weights,
                m.containment.tolist(),
                m.best.tolist(),
                m.nested.tolist(),
                strict=True,
            )
        ]
        before_c = base["containment"]
        self._figures = {
            "division": self.name,
            "against": self.against,
            "weight": self.weight_name,
            "edits": self.edits,
            "headline": {
                "before": {k: base["summary"][k] for k in HEADLINE},
                "after": {k: summary[k] for k in HEADLINE},
            },
            "summary": summary,
            "regions": regions,
            "touched": [
                {
                    "code": code,
                    "name": self.names.get(code, base["names"].get(code, code)),
                    "before": json_float(before_c[code]) if code in before_c else None,
                    "after": json_float(cont[code]) if code in cont else None,
                }
                for code in self.touched()
            ],
            "last": self.last,
            "disruption": disruption_figures(self, self._disruption()) if self.levels else None,
        }
        return self._figures

    # ------------------------------------------------------------------ results
    def division(self) -> Division:
        """The edited division now, as the session's weight sees it (the last division synced,
        or the start)."""
        return self._division

    def shares(self) -> sp.csr_matrix:
        """The session's own share matrix (regions in code order, 'no region' last): what the
        incremental tables were built from (tests compare it with :meth:`division`)."""
        order = self._order()
        m = sp.csr_matrix(self.S[:, [*order, 0]])
        m.eliminate_zeros()
        return m

    def containment_of(self, slots: list[int]) -> dict[int, float | None]:
        """Containment of the regions in ``slots`` straight from their table rows."""
        out: dict[int, float | None] = {}
        for k in slots:
            row = self.table[k, :-1]
            total = row.sum()
            out[k] = float(row.max() / total) if total > 0 and len(row) else None
        return out

    def _mark(self, op: str, items: list[tuple[str, float | None, int | None]]) -> None:
        """Record the last action: ``(code, containment before, slot now or None)`` per region
        it touched; the containment after is read from the slot's table row."""
        now = self.containment_of([k for _, _, k in items if k is not None])
        self.last = {
            "op": op,
            "regions": [
                {
                    "code": code,
                    "name": self.names.get(code, code),
                    "before": before,
                    "after": None if k is None else now[k],
                }
                for code, before, k in items
            ],
        }
        self._figures = None
