"""The editor's pass/fail checks on an edited SWV division, with the offending regions.

Interim: these are the checks the proposal code (``regio propose``) already enforces, written
for any division; the named checks of ``regio verdict`` (``geo.checks``) replace them when they
exist. Each check returns ``{"name", "label", "passed", "detail", "offenders"}`` where
``offenders`` lists region codes (or gemeente codes for P2).

* ``P1`` one SWV for PO and VO: the division is the combined ``swv``, or the scenario's
  ``swv_po`` and ``swv_vo`` are the same partition (offenders: regions of the division that are
  not exactly one region of the other level);
* ``P2`` support close to home: no gemeente's distance to the nearest special-education
  location in its SWV is longer than today (:mod:`geo.proposals.travel`, straight lines);
* ``P3`` within one jeugdregio: every region lies inside one jeugdregio of the scenario
  (by gemeente shares);
* ``size``: every region's PO + VO pupils within the range of today's SWVs
  (:func:`geo.proposals.bounds.default_size_bounds`);
* ``contiguity``: every region's gemeenten are connected (queen contiguity, islands linked to
  their nearest gemeente).

>>> nested_offenders(Division.from_assignment("a", {"G1": "A", "G2": "A"}),
...                  Division.from_assignment("b", {"G1": "X", "G2": "Y"}))
['A']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo.dataset import Dataset
from geo.division import Division
from geo.proposals.bounds import SizeBounds, default_size_bounds
from geo.proposals.travel import TravelModel, travel_model

SWV_DIVISIONS = ("swv", "swv_po", "swv_vo")
TOLERANCE = 1e-9


@dataclass
class CheckContext:
    """Fixed inputs of the checks: today's distances, size bounds, gemeente adjacency."""

    units: pd.Index
    adjacency: sp.csr_matrix
    bounds: SizeBounds
    sizes: pd.Series
    """PO + VO pupils per gemeente."""
    travel: TravelModel
    today_km: dict[str, pd.Series]

    @classmethod
    def build(
        cls, dataset: Dataset, adjacency: sp.csr_matrix, model: TravelModel | None = None
    ) -> CheckContext:
        """Compute today's distances and bounds once (``model``: a prepared travel model)."""
        units = pd.Index(dataset.units.index.astype(str))
        po, vo = dataset.division("swv_po"), dataset.division("swv_vo")
        sizes = dataset.weight("pupils_po").add(dataset.weight("pupils_vo"), fill_value=0.0)
        model = model or travel_model(dataset.units, dataset.special_schools)
        today = {"po": model.before("po", po), "vo": model.before("vo", vo)}
        return cls(units, adjacency, default_size_bounds(po, vo, sizes), sizes, model, today)


def nested_offenders(division: Division, other: Division) -> list[str]:
    """Regions of ``division`` not wholly inside one region of ``other`` (gemeente shares)."""
    other = other.reindexed(division.units)
    table = (division.shares[:, : division.n_regions].T @ other.shares).toarray()
    total = table.sum(axis=1)
    inside = table.max(axis=1) >= total - TOLERANCE
    return [str(c) for c in division.regions[~inside]]


def _result(name: str, label: str, offenders: list[str], detail: str) -> dict[str, Any]:
    return {
        "name": name,
        "label": label,
        "passed": not offenders,
        "detail": detail,
        "offenders": offenders,
    }


def check_p1(divisions: Mapping[str, Division], division: str) -> dict[str, Any]:
    """Principle 1: one SWV for PO and VO (offenders: regions that are not also a region of the
    other level, gemeente shares compared)."""
    label = "P1 one SWV for PO and VO"
    if division == "swv":
        return _result("P1", label, [], "the combined swv division serves PO and VO")
    other = {"swv_po": "swv_vo", "swv_vo": "swv_po"}[division]
    a, b = divisions[division], divisions[other].reindexed(divisions[division].units)
    table = (a.shares[:, : a.n_regions].T @ b.shares[:, : b.n_regions]).toarray()
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    best = table.argmax(axis=1) if table.size else np.zeros(len(rows), int)
    top = table[np.arange(len(rows)), best] if table.size else rows
    same = (np.abs(top - rows) <= TOLERANCE) & (np.abs(top - cols[best]) <= TOLERANCE)
    offenders = [str(c) for c in a.regions[~same]]
    detail = (
        f"{division} and {other} are the same partition"
        if not offenders
        else f"{len(offenders)} regions of {division} are not also a region of {other}"
    )
    return _result("P1", label, offenders, detail)


def check_p2(ctx: CheckContext, division: Division, levels: tuple[str, ...]) -> dict[str, Any]:
    """Principle 2: no gemeente further from special education than today."""
    assignment = division.reindexed(ctx.units).assignment().astype(str)
    longer: set[str] = set()
    worst = 0.0
    for level in levels:
        after = ctx.travel.after(level, assignment)
        today = ctx.today_km[level]
        extra = (after - today).to_numpy()
        bad = np.isfinite(today.to_numpy()) & ~(extra <= TOLERANCE)
        longer |= {str(g) for g in ctx.units[bad]}
        finite = extra[bad & np.isfinite(extra)]
        if finite.size:
            worst = max(worst, float(finite.max()))
    detail = (
        "no gemeente further from special education than today"
        if not longer
        else f"{len(longer)} gemeenten further than today (worst +{worst:.1f} km)"
    )
    return _result("P2", "P2 support close to home", sorted(longer), detail)


def check_p3(divisions: Mapping[str, Division], division: str) -> dict[str, Any]:
    """Principle 3: every region within one jeugdregio."""
    offenders = nested_offenders(divisions[division], divisions["jeugdregio"])
    detail = (
        "every region lies within one jeugdregio"
        if not offenders
        else f"{len(offenders)} regions cross a jeugdregio border"
    )
    return _result("P3", "P3 within one jeugdregio", offenders, detail)


def check_size(ctx: CheckContext, division: Division) -> dict[str, Any]:
    """Every region's PO + VO pupils within today's range."""
    totals = division.totals(ctx.sizes).iloc[: division.n_regions]
    low, high = ctx.bounds.min_pupils, ctx.bounds.max_pupils
    bad = totals[(totals < low - TOLERANCE) | (totals > high + TOLERANCE)]
    detail = f"PO+VO pupils within {low:,.0f} - {high:,.0f} (today's range)"
    if len(bad):
        detail += "; " + ", ".join(f"{c}: {v:,.0f}" for c, v in bad.head(5).items())
    return _result("size", "size bounds", [str(c) for c in bad.index], detail)


def check_contiguity(ctx: CheckContext, division: Division) -> dict[str, Any]:
    """Every region's gemeenten connected: nodes are (gemeente, region) memberships, edges join
    adjacent gemeenten in the same region; a region with more than one component offends."""
    division = division.reindexed(ctx.units)
    member = division.shares[:, : division.n_regions].tocoo()
    nodes = pd.DataFrame({"u": member.row, "region": member.col})
    nodes["node"] = np.arange(len(nodes))
    adj = ctx.adjacency.tocoo()
    edges = pd.DataFrame({"u": adj.row, "v": adj.col}).merge(nodes, on="u")
    edges = edges.merge(
        nodes.rename(columns={"u": "v", "node": "node_v"}), on=["v", "region"], how="inner"
    )
    graph = sp.csr_matrix(
        (np.ones(len(edges)), (edges["node"], edges["node_v"])), shape=(len(nodes), len(nodes))
    )
    _, component = connected_components(graph, directed=False)
    pieces = pd.Series(component).groupby(nodes["region"].to_numpy()).nunique()
    offenders = [str(division.regions[j]) for j in pieces.index[pieces.to_numpy() > 1]]
    detail = (
        "every region is one connected piece"
        if not offenders
        else f"{len(offenders)} regions in more than one piece"
    )
    return _result("contiguity", "contiguity", offenders, detail)


def run_checks(
    ctx: CheckContext, divisions: Mapping[str, Division], division: str
) -> list[dict[str, Any]]:
    """All checks that apply to ``division`` (P1/P2 only for SWV divisions)."""
    d = divisions[division]
    out = []
    if division in SWV_DIVISIONS and {"swv_po", "swv_vo"} <= set(divisions):
        out.append(check_p1(divisions, division))
    if division in SWV_DIVISIONS:
        levels = {"swv_po": ("po",), "swv_vo": ("vo",)}.get(division, ("po", "vo"))
        out.append(check_p2(ctx, d, levels))
    if "jeugdregio" in divisions:
        out.append(check_p3(divisions, division))
    out.append(check_size(ctx, d))
    out.append(check_contiguity(ctx, d))
    return out
