"""Size bounds and contiguity of every SWV (the hard constraints of ``regio propose``).

Rules:

* **size**: an SWV's size is the PO + VO pupils of its area, ``sum_g share[g, k] *
  (pupils_po[g] + pupils_vo[g])`` (a new SWV serves both levels; today's SWVs are measured the
  same way). It passes when every SWV lies within ``[min_pupils, max_pupils]``; default: the
  range of today's 76 PO and 74 VO SWVs (7,425 to 142,727 on the real data,
  :func:`geo.checks.sizes.default_size_bounds`). The figures also name the jeugdregio's
  too small for any SWV inside them to reach the minimum.
* **contiguity**: the gemeenten with a share in an SWV must form one connected piece over the
  one contiguity graph (:mod:`geo.adjacency`: queen contiguity plus the fixed links across
  water of ``geo/fixed_links.yaml``: Zeelandbrug, Westerscheldetunnel, the Wadden ferries, ...),
  with the island fallback of :mod:`geo.checks.graph` (nearest mainland gemeente of the
  jeugdregio) only for components no fixed link reaches, exactly as proposals do. Each violator
  is listed with its parts (gemeenten), largest first; the fixed links used and any fallback
  edge are in the figures.

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

from geo.adjacency import RULE_TEXT
from geo.checks.base import CheckResult, check, problem
from geo.checks.state import CheckState, per_object
from geo.messages import N_, Figure, Message


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
            code = d.column_codes[j]
            said = Message(
                N_("%(pupils)s PO+VO pupils, below the minimum %(bound)s")
                if low[j]
                else N_("%(pupils)s PO+VO pupils, above the maximum %(bound)s"),
                {
                    "pupils": Figure(float(sizes[j]), ",.0f"),
                    "bound": Figure(b.min_pupils if low[j] else b.max_pupils, ",.0f"),
                },
            )
            offenders.append(
                {
                    "code": code,
                    "name": d.region_names.get(code, code),
                    "division": subject.name,
                    "pupils": round(float(sizes[j]), 1),
                    "bound": "min_pupils" if low[j] else "max_pupils",
                    **problem(said),
                }
            )

    def small_jeugdregios() -> list[str]:
        labels = state.jeugdregio.labels.to_numpy()
        jz = pd.Series(both, index=state.units).groupby(labels).sum()
        return sorted(str(j) for j in jz.index[jz < b.min_pupils - 1e-6])

    small = per_object(state.jeugdregio, ("small", id(ctx), b.min_pupils), small_jeugdregios)
    n = sum(p["swvs"] for p in per.values())
    return size_bounds.result(
        not offenders,
        summary=Message(
            N_("%(n)s of %(total)s SWVs within %(low)s-%(high)s PO+VO pupils"),
            {
                "n": n - len(offenders),
                "total": n,
                "low": Figure(b.min_pupils, ",.0f"),
                "high": Figure(b.max_pupils, ",.0f"),
            },
        ),
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
    """Queen contiguity plus fixed links, plus the island fallback of the jeugdregio division
    (built once per jeugdregio frame)."""
    ctx, edges = state.ctx, state.jeugdregio.link_edges

    def build() -> sp.csr_matrix:
        n = len(ctx.units)
        links = sp.csr_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
        return ((ctx.adjacency + links + links.T) > 0).tocsr()

    return per_object(state.jeugdregio, ("graph", id(ctx)), build)


def swv_parts(graph: sp.csr_matrix, shares: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Connected parts of every region: nodes are the (gemeente, region) pairs with a share; two
    nodes of the same region are joined when their gemeenten are neighbours in ``graph``.

    Returns ``[node_unit, node_region, node_part]`` stacked as ``nodes x 3`` and the number of
    parts per region.

    >>> g = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> s = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]))
    >>> swv_parts(g, s)[1].tolist()
    [2, 1]
    """
    s = sp.csr_matrix(shares)
    s.sort_indices()
    deg = np.diff(s.indptr)
    node_unit = np.repeat(np.arange(s.shape[0]), deg)
    node_region = s.indices
    g = graph.tocoo()
    a, b = g.row, g.col
    na, nb = deg[a], deg[b]
    counts = na * nb
    edge = np.repeat(np.arange(len(a)), counts)
    t = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    ia = s.indptr[a[edge]] + t // np.maximum(nb[edge], 1)
    ib = s.indptr[b[edge]] + t % np.maximum(nb[edge], 1)
    same = node_region[ia] == node_region[ib]
    n = len(node_unit)
    adj = sp.csr_matrix((np.ones(int(same.sum())), (ia[same], ib[same])), shape=(n, n))
    n_parts, part = connected_components(adj, directed=False)
    pairs = np.unique(node_region.astype(np.int64) * max(n_parts, 1) + part)  # (region, part)
    per_region = np.bincount(pairs // max(n_parts, 1), minlength=s.shape[1])
    return np.c_[node_unit, node_region, part], per_region


def _fixed_links(state: CheckState) -> list[dict[str, str]]:
    """The fixed links the graph uses (name, kind, the two gemeenten)."""
    graph = state.ctx.contiguity
    if graph is None:
        return []
    return [
        {"name": x.name, "kind": x.kind, "a": x.a, "b": x.b, "a_name": x.a_name, "b_name": x.b_name}
        for x in graph.links
    ]


_PARTS_MEMO_MAX = 50_000
"""Region member sets remembered per graph (the editor's clicks touch one or two regions)."""


def region_parts(
    graph: sp.csr_matrix, shares: sp.csr_matrix, memo: dict[bytes, list[np.ndarray]] | None = None
) -> list[tuple[int, list[np.ndarray]]]:
    """``(region column, parts)`` of every region in more than one part: the same parts as
    :func:`swv_parts` (the region's gemeenten with a share, joined by ``graph``), computed per
    region and remembered in ``memo`` (one per graph) by the region's member set, so a click that
    touches two regions recomputes two (incremental per touched region; the rest is a lookup).

    >>> g = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]))
    >>> s = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]))
    >>> [(j, [p.tolist() for p in parts]) for j, parts in region_parts(g, s)]
    [(0, [[0], [2]])]
    """
    memo = {} if memo is None else memo
    if len(memo) > _PARTS_MEMO_MAX:
        memo.clear()
    m = sp.csc_matrix(shares)
    m.sort_indices()
    out = []
    for j in range(m.shape[1]):
        members = m.indices[m.indptr[j] : m.indptr[j + 1]]
        key = members.tobytes()
        parts = memo.get(key)
        if parts is None:
            n, label = connected_components(graph[members][:, members], directed=False)
            parts = [] if n <= 1 else [members[label == c] for c in range(n)]
            memo[key] = parts
        if parts:
            out.append((j, parts))
    return out


@check("contiguity", hard=True, title="Contiguity: every SWV one connected piece")
def contiguity(state: CheckState) -> CheckResult:
    """Every SWV's gemeenten connected (queen contiguity plus fixed links; island fallback as
    in proposals)."""
    graph = _graph(state)
    memo = per_object(state.jeugdregio, ("region_parts", id(state.ctx)), dict)
    codes, labels = state.ctx.codes, state.ctx.labels
    position = per_object(
        state.jeugdregio, "unit_position", lambda: {c: i for i, c in enumerate(codes)}
    )
    offenders = []
    total = 0
    for subject in state.subjects:
        d = subject.division
        total += d.n_regions
        for j, pieces in region_parts(graph, d.shares[:, : d.n_regions], memo):
            parts = sorted((sorted(codes[p]) for p in pieces), key=lambda p: (-len(p), p))
            code = d.column_codes[j]
            offenders.append(
                {
                    "code": code,
                    "name": d.region_names.get(code, code),
                    "division": subject.name,
                    "parts": parts,
                    **problem(
                        Message(
                            N_("%(n)s parts; detached: %(detached)s"),
                            {
                                "n": len(parts),
                                "detached": "; ".join(
                                    ", ".join(f"{g} {labels[position[g]]}" for g in p[:3])
                                    for p in parts[1:3]
                                ),
                            },
                        )
                    ),
                }
            )
    return contiguity.result(
        not offenders,
        summary=Message(
            N_("%(n)s of %(total)s SWVs connected"), {"n": total - len(offenders), "total": total}
        ),
        figures={
            "rule": RULE_TEXT + "; island fallback (nearest mainland gemeente of the "
            "jeugdregio) only where no fixed link reaches",
            "fixed_links": _fixed_links(state),
            "links": state.jeugdregio.links,
            "not_connected": len(offenders),
        },
        offenders=offenders,
    )
