"""What one verdict's checks look at: the scenario's SWV divisions ("subjects") and settings.

Rule (which divisions are checked):

* a scenario with a division ``swv`` (one SWV for PO and VO, e.g. a proposal or ``po_vo_samen``)
  is checked on ``swv`` for both levels;
* otherwise, when ``swv_po`` and ``swv_vo`` are the same division (same gemeenten, shares and
  codes), on that one division for both levels;
* otherwise on ``swv_po`` (PO pupils) and ``swv_vo`` (VO pupils) separately; a scenario with only
  one of them is checked on that one;
* a scenario with none of ``swv``, ``swv_po``, ``swv_vo`` has no verdict
  (:class:`~geo.checks.base.VerdictError` naming the divisions it does have).

>>> from fixtures.synthetic import synthetic_dataset
>>> ds = synthetic_dataset(4, 4)
>>> [(s.name, s.levels) for s in subjects_of(ds.divisions)]
[('swv_po', ('po',)), ('swv_vo', ('vo',))]
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from geo.checks.base import VerdictError, VerdictSettings
from geo.checks.context import JeugdregioFrame, VerdictContext
from geo.checks.sizes import SizeBounds
from geo.division import Division

SWV_DIVISIONS = ("swv", "swv_po", "swv_vo")

_PER_OBJECT: weakref.WeakKeyDictionary[Any, dict[Any, Any]] = weakref.WeakKeyDictionary()


def per_object(owner: Any, key: Any, compute: Any) -> Any:
    """``compute()`` once per ``owner`` (a division or a context: they never change) and
    ``key``; forgotten with the owner. Treat the result as read-only.

    >>> d = Division.from_assignment("d", {"G": "A"})
    >>> per_object(d, "n", lambda: d.n_regions), per_object(d, "n", lambda: -1)
    (1, 1)
    """
    memo = _PER_OBJECT.setdefault(owner, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@dataclass(frozen=True)
class Subject:
    """One SWV division under judgement and the levels (``po``, ``vo``) it serves."""

    name: str
    division: Division
    levels: tuple[str, ...]


def same_division(a: Division, b: Division) -> bool:
    """True when both put the same shares of the same units in the same region codes."""
    if a is b:
        return True
    if a.n_regions != b.n_regions or not a.regions.equals(b.regions):
        return False
    if not a.units.equals(b.units) and set(a.units) != set(b.units):
        return False
    b = b.reindexed(a.units)
    diff = abs(a.shares - b.shares)
    return bool(diff.nnz == 0 or diff.max() <= 1e-9)


def subjects_of(divisions: Mapping[str, Division], scenario: str = "scenario") -> list[Subject]:
    """The SWV divisions to check (rule in the module docstring)."""
    if "swv" in divisions:
        return [Subject("swv", divisions["swv"], ("po", "vo"))]
    po, vo = divisions.get("swv_po"), divisions.get("swv_vo")
    if po is not None and vo is not None and same_division(po, vo):
        return [Subject("swv_po", po, ("po", "vo"))]
    found = [Subject(n, d, (n[-2:],)) for n, d in (("swv_po", po), ("swv_vo", vo)) if d is not None]
    if not found:
        raise VerdictError(
            f"scenario {scenario!r} has no SWV division (swv, swv_po or swv_vo); it has "
            f"{', '.join(sorted(divisions)) or 'no divisions'}"
        )
    return found


@dataclass
class CheckState:
    """The input of every check: context, subjects, jeugdregio frame, settings, bounds."""

    ctx: VerdictContext
    scenario: str
    divisions: Mapping[str, Division]
    subjects: list[Subject]
    jeugdregio: JeugdregioFrame
    jeugdregio_source: str
    settings: VerdictSettings
    bounds: SizeBounds
    cache: dict[str, Any] = field(default_factory=dict)

    def pupils(self, subject: Subject) -> np.ndarray:
        """The pupils a subject serves per gemeente (PO, VO or PO + VO)."""
        return sum((self.ctx.pupils[level] for level in subject.levels), np.zeros(len(self.units)))

    def weight(self, subject: Subject) -> tuple[np.ndarray, str]:
        """The P3 / uniform-regions weight of a subject and its name."""
        if self.settings.weight == "pupils":
            return self.pupils(subject), "+".join(f"pupils_{lv}" for lv in subject.levels)
        try:
            return self.ctx.weight(self.settings.weight), self.settings.weight
        except KeyError as exc:
            raise VerdictError(str(exc).strip("'\"")) from None

    @property
    def units(self) -> pd.Index:
        return self.ctx.units

    def memo(self, key: str, compute: Any) -> Any:
        """``compute()`` once per state (shared between checks, e.g. the disruption)."""
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    def unit_label(self, code: str) -> str:
        """``GM0363 Amsterdam``."""
        return f"{code} {self.ctx.names.get(code, '')}".strip()
