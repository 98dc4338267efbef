"""The scenario edits as actions on a :class:`~geo.overlap.live.LiveSession` (one verb each).

Rule: each action does exactly what :mod:`geo.scenarios.edits` (with the checks of
:mod:`geo.scenarios.apply`) does to a :class:`~geo.division.Division` - the same checks in the
same order, the same :class:`~geo.scenarios.errors.EditError` fields and messages, and shares
computed with the same floating-point operations - but only on the gemeenten and regions it
touches, and then updates the session's tables for those regions:

* ``move``: the shares of one gemeente (contingency rows of its old and new regions);
* ``merge``: the columns of the merged regions are added (in code order) into one;
* ``rename``: a region's code and/or name (no table changes);
* ``assign``: a whole new division (the editor's "new region"); only gemeenten whose shares
  differ are updated.

>>> from geo.overlap.live import LiveSession
>>> from geo.division import Division
>>> import pandas as pd
>>> d = Division.from_assignment("d", {"GM1": "A", "GM2": "A", "GM3": "B"})
>>> s = LiveSession.start(d, d, pd.Series(1.0, index=d.units), weight_name="w")
>>> s.apply({"op": "merge", "division": "d", "regions": ["A", "B"], "into": "AB"})
>>> s.regions, s.last["regions"][-1]["code"]
(['AB'], 'AB')
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from geo.division import NO_REGION, SHARE_TOLERANCE
from geo.errors import EditError, RegiokompasError


class LiveUnsupported(RegiokompasError):
    """An edit the live session does not apply (another op or division): recompute in full."""


OPS = ("move", "merge", "rename", "assign")
"""The ops a live session applies (others: :class:`LiveUnsupported`)."""

_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "move": (("unit", "to"), ("from_", "share")),
    "merge": (("regions", "into"), ("name",)),
    "rename": (("region",), ("code", "name")),
    "assign": ((), ("assignment", "membership", "csv", "region_names")),
}
"""Per op: required and optional fields (as the attributes of :mod:`geo.scenarios.model`)."""


def parse_edit(edit: Any) -> Any:
    """An edit as an object with the attributes of a :mod:`geo.scenarios.model` edit: the
    model itself (duck-typed: the engine does not import the scenario package, which stands on
    it), or a namespace made from a dict in the scenario document format (``from`` for
    ``from_``). A missing field raises :class:`EditError` naming it.

    >>> parse_edit({"op": "move", "division": "d", "unit": "GM1", "to": "A", "from": "B"}).from_
    'B'
    """
    if not isinstance(edit, dict):
        return edit  # a scenario edit model (validated by pydantic)
    d = dict(edit)
    if "from" in d:
        d["from_"] = d.pop("from")
    for key in ("op", "division"):
        if not isinstance(d.get(key), str):
            raise EditError(key, f"field {key!r} is required")
    required, optional = _FIELDS.get(d["op"], ((), ()))
    for key in required:
        if d.get(key) is None:
            raise EditError(key.rstrip("_"), f"field {key.rstrip('_')!r} is required")
    for key in optional:
        d.setdefault(key, None)
    if d["op"] == "move" and d["share"] is not None and not 0 < float(d["share"]) <= 1:
        raise EditError("share", "share must be > 0 and <= 1")
    if d["op"] == "rename" and d["code"] is None and d["name"] is None:
        raise EditError("code", "give a new 'code' or 'name' (or both)")
    if d["op"] == "assign":
        given = [k for k in ("assignment", "membership", "csv") if d[k] is not None]
        if len(given) != 1:
            raise EditError("assignment", "give exactly one of 'assignment', 'membership' or 'csv'")
        if d["membership"] is not None:
            d["membership"] = [
                SimpleNamespace(unit=str(m["unit"]), region=str(m["region"]),
                                share=float(m.get("share", 1.0)))
                for m in d["membership"]
            ]  # fmt: skip
    return SimpleNamespace(**d)


def assigned_shares(
    unit_pos: dict[str, int],
    rows: list[tuple[str, str, float]],
    names: dict[str, str] | None,
    field: str,
) -> tuple[list[str], np.ndarray]:
    """``(region codes in order, units x (regions + [NO_REGION]) shares)`` of an ``assign``
    table, with the checks and fields of :func:`geo.scenarios.edits.assign` (every unit listed,
    no other unit, shares >= 0 summing to 1 per unit, names only for regions that occur); a
    repeated (unit, region) pair is added up.

    >>> codes, m = assigned_shares({"a": 0, "b": 1}, [("a", "X", 1.0), ("b", "GEEN", 1.0)],
    ...                            None, "membership")
    >>> codes, m.tolist()
    (['X'], [[1.0, 0.0], [0.0, 1.0]])
    """
    unknown = sorted({u for u, _, _ in rows if u not in unit_pos})
    if unknown:
        raise EditError(field, f"unknown unit(s) {', '.join(map(repr, unknown[:5]))}")
    listed = {u for u, _, _ in rows}
    missing = [u for u in unit_pos if u not in listed]
    if missing:
        raise EditError(
            field,
            f"{len(missing)} unit(s) are not assigned, e.g. {', '.join(map(repr, missing[:5]))}; "
            f"list every unit (use region {NO_REGION!r} for a share in no region)",
        )
    cells: dict[tuple[str, str], float] = {}
    sums = [0.0] * len(unit_pos)
    for unit, region, share in rows:
        if not share >= 0:
            raise EditError(field, f"unit {unit!r} has a share that is not a number >= 0")
        key = (unit, str(region))
        cells[key] = cells[key] + share if key in cells else float(share)
        sums[unit_pos[unit]] += share
    off = [(u, sums[i]) for u, i in unit_pos.items() if abs(sums[i] - 1.0) > SHARE_TOLERANCE]
    if off:
        raise EditError(
            field,
            f"shares of unit {off[0][0]!r} sum to {off[0][1]:.6g}, not 1 "
            f"({len(off)} unit(s) affected)",
        )
    codes = sorted({r for _, r in cells} - {NO_REGION})
    extra = sorted(set(names or {}) - set(codes))
    if extra:
        raise EditError("region_names", f"names given for regions that do not occur: {extra[:5]}")
    col = {c: j for j, c in enumerate(codes)} | {NO_REGION: len(codes)}
    dense = np.zeros((len(unit_pos), len(codes) + 1))
    for (unit, region), share in cells.items():
        dense[unit_pos[unit], col[region]] = share
    return codes, dense


class EditsMixin:
    """``apply`` and the four actions of :class:`~geo.overlap.live.LiveSession`."""

    def apply(self, edit: Any) -> None:
        """Apply one scenario edit (model or dict) to the session's division.

        Raises :class:`EditError` (field and problem, nothing changed) for an edit the scenario
        code would refuse, and :class:`LiveUnsupported` for an op other than
        move, merge, rename and assign or another division.
        """
        edit = parse_edit(edit)
        if edit.op not in OPS:
            raise LiveUnsupported(f"the live session does not apply {edit.op!r} edits")
        if edit.division != self.name:
            raise LiveUnsupported(
                f"the live session edits division {self.name!r}, not {edit.division!r}"
            )
        getattr(self, f"_{edit.op}")(edit)
        self.edits.append(edit)
        self._figures = None

    # ------------------------------------------------------------------ checks
    def _unit(self, unit: str) -> int:
        if unit not in self.unit_pos:
            raise EditError(
                "unit",
                f"unknown unit {unit!r}: not a unit of division {self.name!r} "
                "(units are gemeente codes such as 'GM0363')",
            )
        return self.unit_pos[unit]

    def _gone(self, field: str, code: str | None) -> None:
        """A clearer message for a code that an earlier merge removed (as apply does)."""
        if code is not None and code not in self.code_slot and code in self.merged_away:
            index, into = self.merged_away[code]
            raise EditError(
                field, f"region {code!r} no longer exists: edits[{index}] merged it into {into!r}"
            )

    def _region(self, field: str, code: str) -> int:
        """The slot of region ``code``; :class:`EditError` for NO_REGION or an unknown code."""
        if code == NO_REGION:
            raise EditError(
                field,
                f"{NO_REGION!r} is the share in no region, not a region; edits keep it as it is",
            )
        if code not in self.code_slot:
            regions = self.regions
            shown = ", ".join(regions[:8]) + (
                f", ... ({len(regions)} in all)" if len(regions) > 8 else ""
            )
            raise EditError(
                field, f"unknown region {code!r} in division {self.name!r}; regions are {shown}"
            )
        return self.code_slot[code]

    def _sorted_row(self, i: int) -> dict[str, float]:
        """Unit ``i``'s non-zero shares in column order (regions by code, NO_REGION last)."""
        row = self._row(i)
        return {c: row[c] for c in sorted(set(row) - {NO_REGION})} | (
            {NO_REGION: row[NO_REGION]} if NO_REGION in row else {}
        )

    # ------------------------------------------------------------------ move
    def _move(self, edit: Any) -> None:
        self._gone("to", edit.to)
        self._gone("from", edit.from_)
        i = self._unit(edit.unit)
        self._region("to", edit.to)
        if edit.from_ is not None:
            self._region("from", edit.from_)
        to, from_, share, unit = edit.to, edit.from_, edit.share, edit.unit
        row = self._sorted_row(i)
        in_regions = {r: s for r, s in row.items() if r != NO_REGION}
        if not in_regions:
            raise EditError("unit", f"unit {unit!r} lies in no region; there is nothing to move")
        if from_ is None and share is not None:
            if len(in_regions) != 1:
                raise EditError(
                    "from",
                    f"unit {unit!r} lies in {len(in_regions)} regions "
                    f"({', '.join(in_regions) or 'none'}); say which region the share comes from",
                )
            from_ = next(iter(in_regions))
        if from_ is None:
            moving = {r: s for r, s in in_regions.items() if r != to}
            if not moving:
                raise EditError("to", f"unit {unit!r} already lies wholly in region {to!r}")
        else:
            if from_ == to:
                raise EditError("to", f"'to' is the same region as 'from' ({to!r})")
            have = in_regions.get(from_, 0.0)
            if have == 0.0:
                raise EditError("from", f"unit {unit!r} has no share in region {from_!r}")
            amount = have if share is None else float(share)
            if amount > have + SHARE_TOLERANCE:
                raise EditError(
                    "share",
                    f"unit {unit!r} has only a share of {have:.6g} in region {from_!r}; moving "
                    f"{amount:.6g} would leave shares that no longer sum to 1",
                )
            moving = {from_: min(amount, have)}
        slots = [self.code_slot[r] for r in moving] + [self.code_slot[to]]
        before = self.containment_of(slots)
        for region, amount in moving.items():
            k = self.code_slot[region]
            self.S[i, k] = 0.0 if amount >= self.S[i, k] else self.S[i, k] - amount
        k_to = self.code_slot[to]
        self.S[i, k_to] = self.S[i, k_to] + sum(moving.values())
        emptied = [k for k in slots[:-1] if not (self.S[:, k] > 0).any()]
        items = [(self.slot_code[k], before[k], k) for k in slots]
        self._update(slots, np.array([i]))
        for k in emptied:
            self._free(k)
        self._touch([i])
        self._mark("move", [(c, b, None if k in emptied else k) for c, b, k in items])

    # ------------------------------------------------------------------ merge
    def _merge(self, edit: Any) -> None:
        into = edit.into
        for code in edit.regions:
            self._gone("regions", code)
        if into not in self.code_slot and into in self.merged_away:
            earlier, went_to = self.merged_away[into]
            raise EditError(
                "into",
                f"cycle of merges: edits[{earlier}] merged {into!r} into {went_to!r}, and this "
                f"edit merges back into {into!r}",
            )
        for code in edit.regions:
            self._region("regions", code)
        if into == NO_REGION:
            raise EditError("into", f"cannot merge into {NO_REGION!r}, the share in no region")
        seen: set[str] = set()
        for code in edit.regions:
            if code in seen:
                raise EditError("regions", f"region {code!r} is listed twice")
            seen.add(code)
        exists = into in self.code_slot
        members = list(edit.regions) + ([into] if exists and into not in seen else [])
        name = edit.name
        if name is None:
            if exists:
                name = self.names.get(into, into)
            else:
                name = " + ".join(self.names.get(c, c) for c in edit.regions)
        old = sorted(members)
        old_slots = [self.code_slot[c] for c in old]
        before = self.containment_of(old_slots)
        rows = np.flatnonzero((self.S[:, old_slots] > 0).any(axis=1))
        total = np.zeros(len(rows))
        for k in old_slots:  # the sparse product of _relabel adds in column order from 0.0
            total = total + self.S[rows, k] * 1.0
        for c in members:
            self.names.pop(c, None)
        for k in old_slots:
            self.S[:, k] = 0.0
        keep = self.code_slot.get(into)
        for c, k in zip(old, old_slots, strict=True):
            if c != into:
                self.slot_code[k] = None
                self.code_slot.pop(c)
        k_into = self._slot(into)
        self.S[rows, k_into] = total
        self.names[into] = name
        index = len(self.edits)
        for code in set(edit.regions) | ({into} if exists else set()):
            if code != into:
                self.merged_away[code] = (index, into)
        for code, (earlier, went_to) in list(self.merged_away.items()):
            if went_to in edit.regions and went_to != into:
                self.merged_away[code] = (earlier, into)
        freed = [k for k in old_slots if k != k_into]
        for k in freed:
            self._clear(k)
        self._update([k_into, *freed], rows)
        items: list[tuple[str, float | None, int | None]] = [
            (c, before[k], k_into if c == into else None)
            for c, k in zip(old, old_slots, strict=True)
        ]
        if keep is None:
            items.append((into, None, k_into))
        self._touch(rows.tolist())
        self._mark("merge", items)

    def _clear(self, k: int) -> None:
        """Empty slot ``k`` (already released from the code maps)."""
        self.slot_code[k] = None
        self.S[:, k] = 0.0
        self.table[k] = 0.0
        for level in self.levels:
            self.received[level][:, k] = 0.0

    # ------------------------------------------------------------------ rename
    def _rename(self, edit: Any) -> None:
        self._gone("region", edit.region)
        k = self._region("region", edit.region)
        new = edit.region if edit.code is None else edit.code
        if new == NO_REGION:
            raise EditError("code", f"{NO_REGION!r} is reserved for the share in no region")
        if new != edit.region and new in self.code_slot:
            raise EditError(
                "code", f"region {new!r} already exists; use a merge to join two regions"
            )
        before = self.containment_of([k])
        name = edit.name if edit.name is not None else self.names.get(edit.region, edit.region)
        self.names.pop(edit.region, None)
        self.code_slot.pop(edit.region)
        self.slot_code[k] = new
        self.code_slot[new] = k
        self.names[new] = name
        rows = np.flatnonzero(self.S[:, k] > 0)
        # code order decides ties of a split gemeente's largest share: relabel its gemeenten
        self._update([], rows)
        items = [(new, before[k], k)] if new == edit.region else [(edit.region, before[k], None)]
        if new != edit.region:
            items.append((new, None, k))
        self._touch(rows.tolist())
        self._mark("rename", items)

    # ------------------------------------------------------------------ assign
    def _assign(self, edit: Any) -> None:
        if edit.assignment is not None:
            rows = [(str(u), str(r), 1.0) for u, r in edit.assignment.items()]
            field = "assignment"
        elif edit.membership is not None:
            rows = [(str(m.unit), str(m.region), float(m.share)) for m in edit.membership]
            field = "membership"
        else:
            raise EditError("csv", "the live session takes inline assignments only")
        codes, dense = assigned_shares(self.unit_pos, rows, edit.region_names, field)
        given = edit.region_names or {}
        names = {c: str(given.get(c, c)) for c in codes}
        old_slots = self._order()
        before = self.containment_of(old_slots)
        old_codes = {k: self.slot_code[k] for k in old_slots}
        slot_of = {c: self._slot(c) for c in codes}  # existing codes keep their slots
        target = np.zeros_like(self.S)
        target[:, 0] = dense[:, -1]
        for j, c in enumerate(codes):
            target[:, slot_of[c]] = dense[:, j]
        changed_rows = np.flatnonzero((target != self.S).any(axis=1))
        changed_slots = np.flatnonzero((target != self.S).any(axis=0)).tolist()
        self.S = target
        gone = [k for k in old_slots if old_codes[k] not in slot_of]
        for k in gone:
            self.code_slot.pop(old_codes[k])
            self._clear(k)
        self.names = names
        self.merged_away = {}
        self._update(sorted(set(changed_slots) | set(gone)), changed_rows)
        items = [
            (old_codes[k], before[k], k if k not in gone else None)
            for k in old_slots
            if k in gone or k in changed_slots
        ]
        items += [(c, None, k) for c, k in slot_of.items() if k not in old_codes]
        self._touch(changed_rows.tolist())
        self._mark("assign", items)

    # ------------------------------------------------------------------ shared
    def _update(self, slots: list[int], rows: np.ndarray) -> None:
        """Tables of ``slots`` and labels of gemeenten ``rows`` after their shares changed."""
        slots_arr = np.asarray(sorted(set(slots)), dtype=np.int64)
        self._rebuild_slots(slots_arr)
        label_slots = self._relabel_units(np.asarray(rows, dtype=np.int64))
        self._refresh_levels(slots_arr, label_slots)
