"""What the live evaluator needs besides the edited division: computed once per dataset.

Rule: :func:`live_context` precomputes, from the dataset (or from a given
:class:`~geo.proposals.travel.TravelModel`),

* per level (``po``, ``vo``) the pupils per gemeente and today's pupils per current SWV,
  ``W[g, p] = pupils[g] * share_today[g, p]`` (the disruption definition of
  :mod:`geo.overlap.disruption`; the share in no SWV is left out);
* per level the *host* distance matrix ``H[g, h]``: the distance (km) from gemeente ``g`` to
  the nearest special-education location of that level standing in gemeente ``h`` (``inf``
  when ``h`` has none), from the gemeente x location matrix of
  :func:`~geo.proposals.travel.travel_model` (342 x 694 PO and 342 x 511 VO locations on the
  real data). Locations in no known gemeente are kept apart (``outside``): they lie in no new
  SWV, exactly as :meth:`TravelModel.after` labels them.

Nothing here depends on the edited division, so one context serves every session.

>>> from fixtures.synthetic import synthetic_dataset
>>> ctx = live_context(synthetic_dataset(2, 4))
>>> ctx.pupils["po"].shape, ctx.today["po"].shape, ctx.host["po"].shape
((8,), (8, 2), (8, 8))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.dataset import Dataset
from geo.division import Division
from geo.proposals.travel import LEVELS, TravelModel, travel_model

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
    host: dict[str, np.ndarray]
    """Per level: ``H[g, h]`` km to the nearest location of the level in gemeente h."""
    outside: dict[str, np.ndarray]
    """Per level: km to the nearest location in no known gemeente (``inf`` if none)."""


def host_distances(
    dist: np.ndarray, host: np.ndarray, n_units: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(H, outside)`` from a ``units x locations`` matrix and each location's gemeente row
    (``-1``: none): ``H[g, h] = min dist[g, l]`` over the locations ``l`` in ``h``.

    >>> H, out = host_distances(np.array([[1.0, 3.0, 2.0]]), np.array([0, 0, -1]), 2)
    >>> H.tolist(), out.tolist()
    ([[1.0, inf]], [2.0])
    """
    out = np.full((dist.shape[0], n_units), np.inf)
    outside = np.full(dist.shape[0], np.inf)
    if dist.shape[1]:
        known = host >= 0
        if (~known).any():
            outside = dist[:, ~known].min(axis=1)
        order = np.argsort(host[known], kind="stable")
        labels = host[known][order]
        if len(labels):
            starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
            out[:, labels[starts]] = np.minimum.reduceat(dist[:, known][:, order], starts, axis=1)
    return out, outside


def live_context(
    dataset: Dataset, travel: TravelModel | None = None, *, verdict_context: Any = None
) -> LiveContext:
    """Build the :class:`LiveContext` of ``dataset``.

    ``verdict_context``: a :class:`geo.checks.VerdictContext` of the same dataset; its pupils,
    today's SWVs and gemeente x location distance matrices are reused (nothing is computed
    twice when the editor also runs the checks). Otherwise ``travel`` (default: a new
    :func:`~geo.proposals.travel.travel_model` of the dataset) gives the distances.
    """
    if verdict_context is not None:
        return _from_verdict_context(verdict_context)
    units = pd.Index(dataset.units.index.astype(str), name="code")
    if travel is None:
        travel = travel_model(dataset.units, dataset.special_schools)
    if not travel.units.equals(units):
        raise ValueError("live_context: the travel model is over other gemeenten than the dataset")
    names = (
        dataset.units["name"].astype(str).to_numpy()
        if "name" in dataset.units
        else units.to_numpy(dtype=str)
    )
    pupils, today, dist, school_unit = {}, {}, {}, {}
    for level in LEVELS:
        weight = dataset.weight(f"pupils_{level}")
        weight.index = weight.index.astype(str)
        pupils[level] = weight.reindex(units).fillna(0.0).to_numpy(float)
        today[level] = dataset.division(f"swv_{level}").reindexed(units)
        dist[level] = travel.dist[level]
        school_unit[level] = units.get_indexer(travel.schools[level]["unit"].astype(str).to_numpy())
    return _context(units, names, pupils, today, dist, school_unit)


def _from_verdict_context(vc: Any) -> LiveContext:
    """The live context from a :class:`geo.checks.VerdictContext` (duck-typed: the engine does
    not import the checks, which stand on it)."""
    units = pd.Index(vc.units.astype(str), name="code")
    names = pd.Series(vc.names).astype(str).to_numpy()
    today = {level: vc.today[level].reindexed(units) for level in LEVELS}
    dist = {level: vc.travel[level].dist for level in LEVELS}
    school_unit = {level: np.asarray(vc.travel[level].school_unit) for level in LEVELS}
    return _context(units, names, dict(vc.pupils), today, dist, school_unit)


def _context(
    units: pd.Index,
    names: np.ndarray,
    pupils: dict[str, np.ndarray],
    today_divisions: dict[str, Division],
    dist: dict[str, np.ndarray],
    school_unit: dict[str, np.ndarray],
) -> LiveContext:
    today, today_regions, cells, host, outside = {}, {}, {}, {}, {}
    for level in LEVELS:
        current = today_divisions[level]
        exact = getattr(current, "shares_for", None)  # pupil shares of split gemeenten (pc4)
        matrix = exact(f"pupils_{level}") if callable(exact) else current.shares
        shares = matrix[:, : current.n_regions].toarray()
        today[level] = pupils[level][:, None] * shares
        today_regions[level] = current.regions
        g, p = np.nonzero(today[level])
        cells[level] = (g, p, today[level][g, p])
        host[level], outside[level] = host_distances(dist[level], school_unit[level], len(units))
    return LiveContext(units, names, pupils, today, today_regions, cells, host, outside)
