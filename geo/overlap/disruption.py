"""Disruption: which pupils keep their SWV when a new division ``swv`` replaces swv_po and swv_vo.

Rule (the exact definition used everywhere in regiokompas):

1. The PO pupils of current PO SWV ``p`` are ``W_po[g, p] = pupils_po[g] * share_po[g, p]`` over
   the gemeenten ``g`` (the shares of split gemeenten count; the share in no SWV, e.g.
   Europoort, belongs to no current SWV and is reported apart, never as disrupted).
   Likewise ``W_vo[g, v]`` for VO SWV ``v`` with ``pupils_vo``.
2. The *continuation* of ``p`` is the new SWV that receives most of ``p``'s pupils:
   ``cont(p) = argmax_k sum_{g: new(g) = k} W_po[g, p]`` (ties: the first new code in sorted
   order; an SWV without pupils has no continuation). Same for ``v``.
3. A pupil of gemeente ``g`` in PO SWV ``p`` keeps their SWV iff ``new(g) == cont(p)``; a VO
   pupil in ``v`` iff ``new(g) == cont(v)``. Disrupted pupils = all PO and VO pupils (weighted
   by the shares) that do not keep their SWV.

A new SWV may continue several current SWVs (a merger: PO p and VO v together, or two PO
SWVs) — merging is not disruption under this definition; splitting is.

The new division may also be a :class:`Division` that splits gemeenten (shares ``n[g, k]``, as
scenarios like ``swv_binnen_jeugdregio`` make). Which of a split gemeente's pupils go to which
new SWV is then not known, so inside a gemeente pupils are assumed to stay with their SWV's
continuation as far as the new shares allow (the fewest changes the shares permit):
``received[p, k] = sum_g min(W[g, p], pupils[g] * n[g, k])`` chooses ``cont(p)`` and gemeente
``g`` keeps ``sum_k min(sum_{p: cont(p) = k} W[g, p], pupils[g] * n[g, k])`` pupils. For whole
gemeenten (``n`` is 0/1) both are exactly rules 2 and 3; a share in no new SWV keeps nobody.

>>> import pandas as pd
>>> from geo.division import Division
>>> po = Division.from_assignment("swv_po", {"GM1": "PO1", "GM2": "PO1", "GM3": "PO2"})
>>> vo = Division.from_assignment("swv_vo", {"GM1": "VO1", "GM2": "VO1", "GM3": "VO1"})
>>> pupils = pd.Series({"GM1": 100.0, "GM2": 50.0, "GM3": 30.0})
>>> d = disruption(pd.Series({"GM1": "A", "GM2": "A", "GM3": "B"}), po, vo, pupils, pupils)
>>> d.continuation["VO1"], d.totals["disrupted_vo"], d.totals["disrupted_po"]
('A', 30.0, 0.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.division import Division


@dataclass(frozen=True)
class Disruption:
    """Continuations, pupils changed per gemeente, and totals."""

    continuation: dict[str, str | None]
    """Current SWV code (PO and VO) -> new SWV continuing it (``None`` if it has no pupils)."""
    per_gemeente: pd.DataFrame
    """Per gemeente: ``pupils_po, pupils_vo, changed_po, changed_vo, changed, no_swv_po,
    no_swv_vo`` (pupil counts, floats because of shares) and ``swv_changes`` (bool)."""
    flows: pd.DataFrame
    """Long table ``level, current, new, pupils`` of every non-zero current -> new flow
    (``received``; exact for whole gemeenten, the most a split gemeente's shares allow else)."""
    totals: dict[str, float]
    """``disrupted_po, disrupted_vo, disrupted, pupils_with_swv, disrupted_share,
    pupils_without_current_swv``."""


def swv_pupils(division: Division, pupils: pd.Series) -> tuple[sp.csr_matrix, pd.Index]:
    """``W[g, p] = pupils[g] * share[g, p]`` over the regions of ``division`` (no NO_REGION);
    the shares are those for the weight ``pupils.name`` (the exact pupil shares of a gemeente
    split by postcode, :meth:`~geo.division.Division.shares_for`)."""
    w = pupils.reindex(division.units).fillna(0.0).to_numpy(float)
    matrix = sp.diags(w) @ division.shares_for(pupils.name)[:, : division.n_regions]
    return sp.csr_matrix(matrix), division.regions


def _new_shares(
    new: pd.Series | Division, units: pd.Index, weight: str | None = None
) -> tuple[sp.csr_matrix, pd.Index]:
    """``units x new codes`` (codes sorted): each gemeente's share in each new SWV (for a
    division with weight-specific shares: its shares for ``weight``)."""
    if isinstance(new, Division):
        new = new.reindexed(units)
        codes = pd.Index(sorted(map(str, new.regions)))
        order = pd.Index(new.regions.astype(str)).get_indexer(codes)
        return sp.csr_matrix(new.shares_for(weight)[:, order]), codes
    labels = new.astype(str).reindex(units)
    if labels.isna().any():
        raise KeyError(f"assignment misses gemeente(n) {list(labels.index[labels.isna()][:5])}")
    codes = pd.Index(sorted(pd.unique(labels)))
    cols = codes.get_indexer(labels.to_numpy())
    shares = sp.csr_matrix(
        (np.ones(len(units)), (np.arange(len(units)), cols)), shape=(len(units), len(codes))
    )
    return shares, codes


def _pairwise_min(w: sp.csr_matrix, m: sp.csr_matrix) -> sp.csr_matrix:
    """``out[p, k] = sum_g min(w[g, p], m[g, k])`` over the non-zero pairs of each row ``g``."""
    w, m = sp.csr_matrix(w), sp.csr_matrix(m)
    nw, nm = np.diff(w.indptr), np.diff(m.indptr)
    counts = nw * nm
    rows = np.repeat(np.arange(w.shape[0]), counts)
    t = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    wi = w.indptr[rows] + t // np.maximum(nm[rows], 1)
    mj = m.indptr[rows] + t % np.maximum(nm[rows], 1)
    values = np.minimum(w.data[wi], m.data[mj])
    return sp.csr_matrix((values, (w.indices[wi], m.indices[mj])), shape=(w.shape[1], m.shape[1]))


@dataclass(frozen=True)
class LevelChanges:
    """The numbers behind :func:`disruption` for one level (arrays, no labels)."""

    received: np.ndarray
    """``current x new``: pupils of each current SWV each new SWV can hold (rule 2)."""
    continuation: np.ndarray
    """Per current SWV: column of its continuation, ``-1`` when it has no pupils."""
    changed: np.ndarray
    """Per gemeente: pupils of the level that change SWV."""
    total: np.ndarray
    """Per gemeente: pupils of the level in a current SWV (the rest is in no SWV)."""


def level_changes(w: sp.csr_matrix, capacity: sp.csr_matrix) -> LevelChanges:
    """Rules 2 and 3 for one level, on matrices: ``w`` = ``units x current`` pupils
    (:func:`swv_pupils`), ``capacity`` = ``units x new`` pupils each new SWV can hold
    (``pupils[g] * n[g, k]``, new codes in sorted order). Callers that judge many divisions
    (``geo.checks``) precompute ``w`` once.

    >>> w = sp.csr_matrix(np.array([[10.0], [5.0]]))
    >>> level_changes(w, sp.csr_matrix(np.array([[10.0, 0.0], [0.0, 5.0]]))).changed.tolist()
    [0.0, 5.0]
    """
    received = _pairwise_min(w, capacity).toarray()  # current x new
    has_pupils = received.sum(axis=1) > 0
    best = received.argmax(axis=1) if received.shape[1] else np.zeros(len(received), int)
    keeps = sp.csr_matrix(
        (np.ones(int(has_pupils.sum())), (np.flatnonzero(has_pupils), best[has_pupils])),
        shape=received.shape,
    )
    continuing = sp.csr_matrix(w @ keeps)  # pupils of g whose current SWV continues in k
    kept = np.asarray(continuing.minimum(capacity).sum(axis=1)).ravel()
    total = np.asarray(w.sum(axis=1)).ravel()
    return LevelChanges(
        received, np.where(has_pupils, best, -1), np.clip(total - kept, 0.0, None), total
    )


def disruption(
    assignment: pd.Series | Division,
    swv_po: Division,
    swv_vo: Division,
    pupils_po: pd.Series,
    pupils_vo: pd.Series,
) -> Disruption:
    """Disruption of the new division ``assignment``: gemeente -> new SWV code (whole
    gemeenten), or a :class:`Division` that may split gemeenten (rule in the module docstring).
    """
    units = swv_po.units
    shares, codes = _new_shares(assignment, units)
    continuation: dict[str, str | None] = {}
    changed: dict[str, np.ndarray] = {}
    flows: list[pd.DataFrame] = []
    for level, division, pupils in (("po", swv_po, pupils_po), ("vo", swv_vo, pupils_vo)):
        if isinstance(assignment, Division) and assignment.weight_shares:
            shares, codes = _new_shares(assignment, units, pupils.name)
        division = division.reindexed(units)
        w, regions = swv_pupils(division, pupils)
        capacity = sp.csr_matrix(
            sp.diags(pupils.reindex(units).fillna(0.0).to_numpy(float)) @ shares
        )  # pupils of g the new SWV k can hold
        lc = level_changes(w, capacity)
        received = lc.received
        for code, k in zip(regions, lc.continuation, strict=True):
            continuation[str(code)] = str(codes[k]) if k >= 0 else None
        changed[level] = lc.changed
        changed[f"total_{level}"] = lc.total
        nz = np.nonzero(received)
        flows.append(
            pd.DataFrame(
                {
                    "level": level,
                    "current": regions.to_numpy()[nz[0]],
                    "new": codes.to_numpy()[nz[1]],
                    "pupils": received[nz],
                }
            )
        )
    po = pupils_po.reindex(units).fillna(0.0).to_numpy(float)
    vo = pupils_vo.reindex(units).fillna(0.0).to_numpy(float)
    per = pd.DataFrame(
        {
            "pupils_po": po,
            "pupils_vo": vo,
            "changed_po": changed["po"],
            "changed_vo": changed["vo"],
            "no_swv_po": po - changed["total_po"],
            "no_swv_vo": vo - changed["total_vo"],
        },
        index=units,
    )
    per["changed"] = per["changed_po"] + per["changed_vo"]
    per["swv_changes"] = per["changed"] > 1e-9
    with_swv = float(changed["total_po"].sum() + changed["total_vo"].sum())
    totals = {
        "disrupted_po": float(per["changed_po"].sum()),
        "disrupted_vo": float(per["changed_vo"].sum()),
        "disrupted": float(per["changed"].sum()),
        "pupils_with_swv": with_swv,
        "disrupted_share": float(per["changed"].sum()) / with_swv if with_swv else 0.0,
        "pupils_without_current_swv": float(per["no_swv_po"].sum() + per["no_swv_vo"].sum()),
    }
    return Disruption(continuation, per, pd.concat(flows, ignore_index=True), totals)


def home_regions(division: Division, pupils: pd.Series, regions: pd.Series) -> pd.DataFrame:
    """Per current SWV: the region (jeugdregio) holding most of its pupils, and the pupils there.

    Columns ``home, pupils, in_home, outside_home``. ``outside_home`` summed over all SWVs is a
    lower bound on the disruption of *any* division whose SWVs each lie in one region: a new
    SWV lies in one region, so it can keep at most the pupils of ``p`` inside that region.

    >>> po = Division.from_assignment("swv_po", {"GM1": "PO1", "GM2": "PO1"})
    >>> h = home_regions(po, pd.Series({"GM1": 5.0, "GM2": 7.0}),
    ...                  pd.Series({"GM1": "J1", "GM2": "J2"}))
    >>> h.loc["PO1", "home"], float(h.loc["PO1", "outside_home"])
    ('J2', 5.0)
    """
    w, codes = swv_pupils(division, pupils)
    reg = regions.astype(str).reindex(division.units)
    labels = pd.Index(sorted(pd.unique(reg)))
    onehot = sp.csr_matrix(
        (np.ones(len(reg)), (np.arange(len(reg)), labels.get_indexer(reg.to_numpy()))),
        shape=(len(reg), len(labels)),
    )
    per_region = (w.T @ onehot).toarray()
    best = per_region.argmax(axis=1)
    total = per_region.sum(axis=1)
    in_home = per_region[np.arange(len(codes)), best]
    return pd.DataFrame(
        {
            "home": labels.to_numpy()[best],
            "pupils": total,
            "in_home": in_home,
            "outside_home": total - in_home,
        },
        index=codes,
    )
