"""The map editor's building blocks: region adjacency, memberships, touched regions, and the
per-dataset resources (gemeente adjacency, the checks' context, distances, the live engine's
context), built once per dataset (:func:`build_resources`).

>>> d = Division.from_assignment("d", {"G1": "A", "G2": "B"})
>>> touched_regions(d, d)
[]
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.checks import VerdictContext, build_context
from geo.dataset import Dataset
from geo.division import Division
from geo.overlap.live_context import LiveContext, live_context
from geo.overlap.score import json_float

EDIT_SOURCE = "edits"
"""Source named in error messages about tentative edits (``edits: edits[2].unit: ...``)."""


def json_num(value: Any) -> float | None:
    """:func:`geo.overlap.score.json_float`, passing ``None`` through."""
    return None if value is None else json_float(value)


def region_adjacency(division: Division, adjacency: sp.csr_matrix) -> list[list[str]]:
    """Pairs ``[a, b]`` (a < b) of regions that share a gemeente border or a split gemeente.

    >>> d = Division.from_assignment("d", {"G1": "A", "G2": "B", "G3": "C"})
    >>> adj = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> region_adjacency(d, adj)
    [['A', 'B'], ['B', 'C']]
    """
    # vectorised over the gemeente border edges: the regions of one end x those of the other
    # (a whole gemeente has one region), plus the regions of each split gemeente among
    # themselves; a pair is oriented by column position, as the matrix product s'As + s's was
    m = division.shares[:, : division.n_regions].tocsr()
    keep = m.data > 0
    unit_of = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))[keep]
    region = m.indices[keep]
    count = np.bincount(unit_of, minlength=m.shape[0])
    start = np.cumsum(count) - count
    edges = sp.coo_matrix(adjacency)  # both directions: no symmetry assumed
    a_unit, b_unit = edges.row[edges.data != 0], edges.col[edges.data != 0]

    def expand(units: np.ndarray, other: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = count[units]
        idx = np.repeat(np.arange(len(units)), c)
        offset = np.arange(c.sum()) - np.repeat(np.cumsum(c) - c, c)
        return region[np.repeat(start[units], c) + offset], other[idx]

    ra, b_rep = expand(a_unit, b_unit)
    rb, ra_rep = expand(b_rep, ra)
    split = np.flatnonzero(count > 1)
    sa, s_unit = expand(split, split)
    sb, sa_rep = expand(s_unit, sa)
    first = np.r_[ra_rep, sa_rep]
    second = np.r_[rb, sb]
    lo, hi = np.minimum(first, second), np.maximum(first, second)
    n = max(division.n_regions, 1)
    pairs = np.unique((lo * n + hi)[lo != hi])
    codes = division.column_codes
    a_col, b_col = (pairs // n).tolist(), (pairs % n).tolist()
    found = {(codes[i], codes[j]) for i, j in zip(a_col, b_col, strict=True)}
    return [[a, b] for a, b in sorted(found)]


def membership_rows(division: Division) -> dict[str, list[tuple[str, float]]]:
    """``{unit: [(region, share), ...]}`` largest share first (``GEEN`` included).

    >>> membership_rows(Division.from_assignment("d", {"G1": "A"}))
    {'G1': [('A', 1.0)]}
    """
    m = division.shares.tocsr()
    if m.shape[0] == 0:
        return {}
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    keep = m.data > 0
    rows, data, cols = rows[keep], m.data[keep], m.indices[keep]
    order = np.lexsort((-data, rows))  # per unit, largest share first (stable on ties)
    codes = division.column_codes
    pairs = list(zip([codes[j] for j in cols[order].tolist()], data[order].tolist(), strict=True))
    ends = np.searchsorted(rows[order], np.arange(1, m.shape[0] + 1)).tolist()
    units = division.units.astype(str).tolist()
    return {u: pairs[lo:hi] for u, lo, hi in zip(units, [0, *ends[:-1]], ends, strict=True)}


def touched_regions(before: Division, after: Division) -> list[str]:
    """Regions (of either division) whose units or shares differ between ``before`` and
    ``after``: the regions an edit list touched (new, removed, renamed, grown or shrunk).

    >>> a = Division.from_assignment("d", {"G1": "A", "G2": "A", "G3": "B"})
    >>> b = Division.from_assignment("d", {"G1": "A", "G2": "B", "G3": "B"})
    >>> touched_regions(a, b)
    ['A', 'B']
    """
    after = after.reindexed(before.units)
    codes = before.regions.union(after.regions)
    one = sp.csr_matrix(before.shares[:, : before.n_regions])
    two = sp.csr_matrix(after.shares[:, : after.n_regions])

    def spread(m: sp.csr_matrix, regions: pd.Index) -> sp.csr_matrix:
        cols = codes.get_indexer(regions)
        move = sp.csr_matrix(
            (np.ones(len(cols)), (np.arange(len(cols)), cols)), shape=(len(cols), len(codes))
        )
        return sp.csr_matrix(m @ move)

    diff = abs(spread(one, before.regions) - spread(two, after.regions))
    changed = np.asarray((diff > 1e-12).sum(axis=0)).ravel() > 0
    return sorted(str(c) for c in codes[changed])


@dataclasses.dataclass
class EditorResources:
    """What the figures need besides the scenario: built once per app and dataset."""

    adjacency: sp.csr_matrix
    """Gemeente adjacency: the checks' contiguity graph (queen contiguity plus fixed links across
    water, :func:`geo.adjacency.contiguity_graph`), island fallback included."""
    checks: VerdictContext
    """The verdict's context (pupils, today's SWVs, distances to special education)."""
    live: LiveContext
    """The incremental engine's per-dataset arrays (reusing the verdict context's)."""


def build_resources(dataset: Dataset) -> EditorResources:
    """The :class:`EditorResources` of ``dataset``: the verdict's context, its contiguity graph
    (queen + fixed links, with the island fallback only for what the fixed-links table does not
    cover) and the incremental engine's context. Build once per dataset and reuse."""
    checks = build_context(dataset)
    graph = checks.contiguity
    adjacency = checks.adjacency if graph is None else graph.matrix(islands=True)
    live = live_context(dataset, verdict_context=checks)
    return EditorResources(adjacency, checks, live)


def weighted_mean(d: np.ndarray, w: np.ndarray) -> float | None:
    """Pupil-weighted mean over finite distances (None when nothing is finite)."""
    ok = np.isfinite(d)
    if not ok.any() or w[ok].sum() <= 0:
        return None
    return float(np.average(d[ok], weights=w[ok]))
