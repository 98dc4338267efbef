"""The figures of every plan, computed per part once and combined per plan with numpy.

Per plan of one jeugdregio (rules, all with the proposal's data and definitions):

* ``swvs``: number of SWVs.
* ``disrupted_po``, ``disrupted_vo``, ``disrupted``: pupils whose SWV changes against today
  (:mod:`geo.overlap.disruption`), decomposed per jeugdregio as the proposal's model does
  (docs/proposals.md, *Decomposition*): the pupils in this jeugdregio of a current SWV whose
  home is another jeugdregio always change; a current SWV at home here is continued by the new
  SWV holding most of its pupils, whose pupils keep it. Pupils in no current SWV are never
  counted. Summed over the jeugdregio's this is the national disruption whenever every current
  SWV's largest piece lies in its home jeugdregio (checked on the real proposal in the tests).
* ``travel_po_km``, ``travel_vo_km``: pupil-weighted mean distance to the nearest location of
  the level in the new SWV (:mod:`geo.checks.travel` for whole gemeenten), over gemeenten with a
  location; ``travel_po_pkm`` / ``travel_vo_pkm`` the pupil-km sums (numerators) and
  ``travel_po_pupils`` / ``travel_vo_pupils`` the denominators, so national means are exact.
* ``max_increase_km``: the largest increase of a gemeente's distance against today (PO or VO).
* ``smallest``, ``largest``, ``size_spread``: PO + VO pupils of the smallest and largest SWV and
  their difference.
* ``congruence_po`` / ``congruence_vo``: the congruence score (docs/metrics.md) of the plan with
  today's swv_po (pupils_po) / swv_vo (pupils_vo), restricted to the jeugdregio's gemeenten.
* ``congruence_uniform``: the mean congruence with the uniform regions (GGD, veiligheid,
  arbeidsmarkt, provincie; PO + VO pupils), restricted likewise.
* ``mean_ok``: the proposal's jeugdregio-mean travel margin holds (plans failing it are not in
  the space).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.space.model import RegionModel

LEVELS = ("po", "vo")

COLUMNS = (
    "swvs",
    "disrupted_po",
    "disrupted_vo",
    "disrupted",
    "travel_po_km",
    "travel_vo_km",
    "travel_po_pkm",
    "travel_vo_pkm",
    "travel_po_pupils",
    "travel_vo_pupils",
    "max_increase_km",
    "smallest",
    "largest",
    "size_spread",
    "congruence_po",
    "congruence_vo",
    "congruence_uniform",
)
"""The figure columns of a plan row (besides ``jeugdregio``, ``plan`` and ``weight``)."""

CHUNK = 4096


class PartTable:
    """Per-part arrays for a list of part masks (computed in chunks, bounded memory)."""

    def __init__(self, model: RegionModel, masks: list[int]) -> None:
        self.model = model
        self.index = {m: i for i, m in enumerate(masks)}
        n, P = model.n, len(masks)
        member = np.zeros((P + 1, n), dtype=bool)  # last row: the empty padding part
        if P:
            arr = np.asarray(masks, dtype=np.int64)
            member[:P] = ((arr[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(bool)
        self.member = member
        self.size = member @ model.sizes
        self.num, self.den, self.constrained, self.inc = {}, {}, {}, np.full(P + 1, -np.inf)
        self.wsum, self.usum = {}, {}
        for lv in LEVELS:
            num, den, con = np.zeros(P + 1), np.zeros(P + 1), np.zeros(P + 1)
            host, pupils = model.host_km[lv], model.pupils[lv]
            before, base = model.before_km[lv], model.baseline_km[lv]
            for s in range(0, P + 1, CHUNK):
                mem = member[s : s + CHUNK]
                after = np.where(mem[:, None, :], host[None, :, :], np.inf).min(axis=2)
                fin = np.isfinite(after) & mem
                a0 = np.where(fin, after, 0.0)
                num[s : s + CHUNK] = (a0 * pupils).sum(axis=1)
                den[s : s + CHUNK] = (fin * pupils).sum(axis=1)
                con[s : s + CHUNK] = (np.where(fin & np.isfinite(base), a0, 0.0) * pupils).sum(1)
                with np.errstate(invalid="ignore"):
                    inc = np.where(fin & np.isfinite(before), after - before, -np.inf)
                self.inc[s : s + CHUNK] = np.maximum(self.inc[s : s + CHUNK], inc.max(axis=1))
            self.num[lv], self.den[lv], self.constrained[lv] = num, den, con
            self.wsum[lv] = member.astype(float) @ model.W[lv]
        for name, u in model.uniform.items():
            self.usum[name] = member.astype(float) @ u

    def rows(self, plans: list[list[int]]) -> np.ndarray:
        """Plans as a padded ``n_plans x max_parts`` array of part rows (pad: the empty part)."""
        width = max((len(p) for p in plans), default=1)
        pad = len(self.index)
        out = np.full((len(plans), width), pad, dtype=np.int64)
        for i, plan in enumerate(plans):
            out[i, : len(plan)] = [self.index[m] for m in plan]
        return out


def _congruence(n: np.ndarray) -> np.ndarray:
    """Congruence of each plan's table ``plans x parts x regions`` (padding rows are zero)."""
    total = n.sum(axis=(1, 2))
    both = n.max(axis=2).sum(axis=1) + n.max(axis=1).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 0.5 * both / np.where(total > 0, total, 1.0), 1.0)


def batch_figures(model: RegionModel, plans: list[list[int]]) -> pd.DataFrame:
    """:func:`plan_figures` with a :class:`PartTable` of just the parts these plans use."""
    return plan_figures(PartTable(model, sorted({m for p in plans for m in p})), plans)


def plan_texts(table: PartTable, rows: np.ndarray) -> list[str]:
    """:func:`geo.space.model.labels_text` of every plan at once (``rows``:
    :meth:`PartTable.rows`): a gemeente's letter is the rank of its part among the plan's parts
    ordered by their lowest gemeente."""
    n = table.model.n
    mem = table.member[rows]  # plans x parts x gemeenten
    first = np.where(mem.any(axis=2), mem.argmax(axis=2), n)  # padding parts sort last
    rank = np.argsort(np.argsort(first, axis=1, kind="stable"), axis=1, kind="stable")
    label = np.take_along_axis(rank, mem.argmax(axis=1), axis=1)  # plans x gemeenten
    codes = np.where(label < 26, 97 + label, 65 + label - 26).astype(np.uint8)
    return np.ascontiguousarray(codes).view(f"S{n}").ravel().astype(f"U{n}").tolist()


def plan_figures(table: PartTable, plans: list[list[int]]) -> pd.DataFrame:
    """One row per plan: ``plan`` (text) and :data:`COLUMNS`, plus ``mean_ok``."""
    model = table.model
    rows = table.rows(plans)
    real = rows < len(table.index)
    out: dict[str, np.ndarray | list[str]] = {
        "plan": plan_texts(table, rows),
        "swvs": real.sum(axis=1),
    }
    mean_ok = np.ones(len(plans), dtype=bool)
    for lv in LEVELS:
        w = table.wsum[lv][rows]  # plans x parts x current SWVs
        home = model.home[lv]
        kept = w[:, :, home].max(axis=1).sum(axis=1) if home.any() else np.zeros(len(plans))
        out[f"disrupted_{lv}"] = float(model.W[lv].sum()) - kept
        num, den = table.num[lv][rows].sum(axis=1), table.den[lv][rows].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"travel_{lv}_km"] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        out[f"travel_{lv}_pkm"] = num
        out[f"travel_{lv}_pupils"] = den
        out[f"congruence_{lv}"] = _congruence(w)
        bound = model.mean_allowed[lv]
        if bound is not None:
            mean_ok &= table.constrained[lv][rows].sum(axis=1) <= bound
    out["disrupted"] = out["disrupted_po"] + out["disrupted_vo"]
    inc = table.inc[rows].max(axis=1)
    out["max_increase_km"] = np.where(np.isfinite(inc), inc, np.nan)
    size = table.size[rows]
    out["largest"] = np.where(real, size, -np.inf).max(axis=1)
    out["smallest"] = np.where(real, size, np.inf).min(axis=1)
    out["size_spread"] = out["largest"] - out["smallest"]
    if table.usum:
        out["congruence_uniform"] = np.mean(
            [_congruence(u[rows]) for u in table.usum.values()], axis=0
        )
    else:
        out["congruence_uniform"] = np.full(len(plans), np.nan)
    out["mean_ok"] = mean_ok
    frame = pd.DataFrame(out)
    return frame[["plan", *COLUMNS, "mean_ok"]]
