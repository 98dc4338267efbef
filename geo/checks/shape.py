"""Size bounds and contiguity of every SWV (the hard constraints of ``regio propose``).

Rules:

* **size**: an SWV's size is the PO + VO pupils of its area, ``sum_g share[g, k] *
  (pupils_po[g] + pupils_vo[g])`` (a new SWV serves both levels; today's SWVs are measured the
  same way). It passes when every SWV lies within ``[min_pupils, max_pupils]``; default: the
  range of today's 76 PO and 74 VO SWVs (7,425 to 142,727 on the real data,
  :func:`geo.proposals.bounds.default_size_bounds`). The figures also name the jeugdregio's
  too small for any SWV inside them to reach the minimum.
* **contiguity**: the gemeenten with a share in an SWV must form one connected piece over queen
  contiguity, with the islands and Zeeuws-Vlaanderen linked to the nearest mainland gemeente of
  their jeugdregio exactly as proposals do (:mod:`geo.proposals.graph`). Each violator is listed
  with its parts (gemeenten), largest first.

>>> from fixtures.proposal_grids import layout_dataset
>>> from geo.checks import build_context, verdict
>>> ds = layout_dataset(["AAA"], ["ABA"], pupils_po=10.0, pupils_vo=0.0)
>>> c = verdict(build_context(ds), ds.divisions).result("contiguity")
>>> c.passed, c.offenders[0]["code"], c.offenders[0]["parts"]
(False, 'POA', [['GM0000'], ['GM0002']])
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo.checks.base import CheckResult, check
from geo.checks.state import CheckState


@check("size", hard=True, title="Size: pupils per SWV within the bounds")
def size_bounds(state: CheckState) -> CheckResult:
    """Every SWV's PO + VO pupils within ``[min_pupils, max_pupils]``."""
    ctx, b = state.ctx, state.bounds
    both = ctx.pupils["po"] + ctx.pupils["vo"]
    offenders = []
    per = {}
    for subject in state.subjects:
        d = subject.division
        sizes = np.asarray(d.shares[:, : d.n_regions].T @ both).ravel()
        low, high = sizes < b.min_pupils - 1e-6, sizes > b.max_pupils + 1e-6
        per[subject.name] = {
            "swvs": d.n_regions,
            "smallest": round(float(sizes.min()), 1) if len(sizes) else None,
            "largest": round(float(sizes.max()), 1) if len(sizes) else None,
            "below_min": int(low.sum()),
            "above_max": int(high.sum()),
        }
        for j in np.flatnonzero(low | high):
            code = str(d.regions[j])
            side = "below the minimum" if low[j] else "above the maximum"
            offenders.append(
                {
                    "code": code,
                    "name": d.region_names.get(code, code),
                    "division": subject.name,
                    "pupils": round(float(sizes[j]), 1),
                    "bound": "min_pupils" if low[j] else "max_pupils",
                    "problem": f"{sizes[j]:,.0f} PO+VO pupils, {side} "
                    f"{b.min_pupils if low[j] else b.max_pupils:,.0f}",
                }
            )
    jz = pd.Series(both, index=state.units).groupby(state.jeugdregio.labels.to_numpy()).sum()
    small = sorted(str(j) for j in jz.index[jz < b.min_pupils - 1e-6])
    n = sum(p["swvs"] for p in per.values())
    return size_bounds.result(
        not offenders,
        summary=f"{n - len(offenders)} of {n} SWVs within {b.min_pupils:,.0f}-"
        f"{b.max_pupils:,.0f} PO+VO pupils",
        figures={
            "min_pupils": b.min_pupils,
            "max_pupils": b.max_pupils,
            "rule": b.rule,
            "evidence": dict(b.evidence),
            "divisions": per,
            "jeugdregios_below_min": small,
        },
        offenders=offenders,
    )


def _graph(state: CheckState) -> sp.csr_matrix:
    """Queen adjacency plus the island links of the jeugdregio division checked against."""
    ctx, edges = state.ctx, state.jeugdregio.link_edges
    n = len(ctx.units)
    links = sp.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    return ((ctx.adjacency + links + links.T) > 0).tocsr()


@check("contiguity", hard=True, title="Contiguity: every SWV one connected piece")
def contiguity(state: CheckState) -> CheckResult:
    """Every SWV's gemeenten connected (queen contiguity, islands linked as in proposals)."""
    graph = _graph(state).tocoo()
    names = state.ctx.names
    offenders = []
    total = 0
    for subject in state.subjects:
        d = subject.division
        m = d.shares[:, : d.n_regions].tocoo()
        nodes = pd.DataFrame({"unit": m.row, "swv": m.col})
        total += d.n_regions
        node_id = pd.Series(np.arange(len(nodes)), index=pd.MultiIndex.from_frame(nodes))
        # an edge of the SWV graph: two adjacent gemeenten that both have a share in the SWV
        pairs = pd.DataFrame({"a": graph.row, "b": graph.col}).merge(
            nodes, left_on="a", right_on="unit"
        )
        key = pd.MultiIndex.from_arrays([pairs["b"], pairs["swv"]])
        hit = node_id.reindex(key).to_numpy()
        ok = ~np.isnan(hit)
        src = node_id.reindex(pd.MultiIndex.from_arrays([pairs["a"], pairs["swv"]])).to_numpy()
        adj = sp.csr_matrix(
            (np.ones(int(ok.sum())), (src[ok].astype(int), hit[ok].astype(int))),
            shape=(len(nodes), len(nodes)),
        )
        _, comp = connected_components(adj, directed=False)
        nodes["comp"] = comp
        parts_per = nodes.groupby("swv")["comp"].nunique()
        for j in parts_per.index[parts_per > 1]:
            rows = nodes[nodes["swv"] == j]
            parts = sorted(
                (sorted(state.units[rows.loc[rows["comp"] == c, "unit"]]) for c in set(rows.comp)),
                key=lambda p: (-len(p), p),
            )
            code = str(d.regions[j])
            offenders.append(
                {
                    "code": code,
                    "name": d.region_names.get(code, code),
                    "division": subject.name,
                    "parts": parts,
                    "problem": f"{len(parts)} parts; detached: "
                    + "; ".join(", ".join(f"{g} {names[g]}" for g in p[:3]) for p in parts[1:3]),
                }
            )
    return contiguity.result(
        not offenders,
        summary=f"{total - len(offenders)} of {total} SWVs connected",
        figures={
            "rule": "queen contiguity of the gemeente polygons (libpysal); islands and "
            "Zeeuws-Vlaanderen linked to the nearest mainland gemeente of their jeugdregio",
            "links": state.jeugdregio.links,
            "not_connected": len(offenders),
        },
        offenders=offenders,
    )
