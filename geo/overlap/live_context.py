"""What the live evaluator needs besides the edited division: computed once per dataset.

Rule: :func:`live_context` precomputes, from the dataset, per level (``po``, ``vo``) the pupils
per gemeente and today's pupils per current SWV, ``W[g, p] = pupils[g] * share_today[g, p]``
(the disruption definition of :mod:`geo.overlap.disruption`, with the pupil shares of split
gemeenten; the share in no SWV is left out). Nothing here depends on the edited division, so
one context serves every session.

>>> from fixtures.synthetic import synthetic_dataset
>>> ctx = live_context(synthetic_dataset(2, 4))
>>> ctx.pupils["po"].shape, ctx.today["po"].shape
((8,), (8, 2))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.dataset import Dataset
from geo.division import Division

LEVELS = ("po", "vo")
"""Education levels (pupils and today's SWV divisions ``swv_po``, ``swv_vo``)."""

SWV_LEVELS: dict[str, tuple[str, ...]] = {
    "swv": ("po", "vo"),
    "swv_po": ("po",),
    "swv_vo": ("vo",),
}
"""SWV divisions whose disruption and travel are tracked, and the levels each serves (as in
:mod:`maps.changes`): ``swv`` on PO and VO pupils, ``swv_po`` on PO, ``swv_vo`` on VO."""


@dataclass(frozen=True, eq=False)
class LiveContext:
    """Per-dataset arrays of the live evaluator (see the module docstring); units in the order
    of :attr:`units`."""

    units: pd.Index
    names: np.ndarray
    """Gemeente names (the code where the dataset has none)."""
    pupils: dict[str, np.ndarray]
    """Per level: pupils per gemeente (``pupils_po`` / ``pupils_vo``)."""
    today: dict[str, np.ndarray]
    """Per level: ``W[g, p]``, pupils of gemeente g in today's SWV p (dense)."""
    today_regions: dict[str, pd.Index]
    """Per level: today's SWV codes (the columns of :attr:`today`)."""
    today_cells: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    """Per level: the non-zero cells ``(g, p, W[g, p])`` of :attr:`today`."""


def live_context(dataset: Dataset, *, verdict_context: Any = None) -> LiveContext:
    """Build the :class:`LiveContext` of ``dataset`` (from a :class:`geo.checks.VerdictContext`
    of the same dataset when given: its pupils and today's SWVs are reused)."""
    if verdict_context is not None:
        vc = verdict_context  # duck-typed: the engine does not import the checks
        units = pd.Index(vc.units.astype(str), name="code")
        names = pd.Series(vc.names).astype(str).to_numpy()
        today = {level: vc.today[level].reindexed(units) for level in LEVELS}
        return _context(units, names, dict(vc.pupils), today)
    units = pd.Index(dataset.units.index.astype(str), name="code")
    names = (
        dataset.units["name"].astype(str).to_numpy()
        if "name" in dataset.units
        else units.to_numpy(dtype=str)
    )
    pupils, today = {}, {}
    for level in LEVELS:
        weight = dataset.weight(f"pupils_{level}")
        weight.index = weight.index.astype(str)
        pupils[level] = weight.reindex(units).fillna(0.0).to_numpy(float)
        today[level] = dataset.division(f"swv_{level}").reindexed(units)
    return _context(units, names, pupils, today)


def _context(
    units: pd.Index,
    names: np.ndarray,
    pupils: dict[str, np.ndarray],
    today_divisions: dict[str, Division],
) -> LiveContext:
    today, today_regions, cells = {}, {}, {}
    for level in LEVELS:
        current = today_divisions[level]
        exact = getattr(current, "shares_for", None)  # pupil shares of split gemeenten (pc4)
        matrix = exact(f"pupils_{level}") if callable(exact) else current.shares
        shares = matrix[:, : current.n_regions].toarray()
        today[level] = pupils[level][:, None] * shares
        today_regions[level] = current.regions
        g, p = np.nonzero(today[level])
        cells[level] = (g, p, today[level][g, p])
    return LiveContext(units, names, pupils, today, today_regions, cells)
