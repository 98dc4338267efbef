"""Score two divisions: per-region metrics in both directions and whole-division summary.

Rule (details and references in docs/metrics.md): the weighted table ``n_ab`` of
:func:`~geo.overlap.contingency.contingency` is split into its real part (regions of A x regions
of B) and its 'no region' row and column. All headline metrics - containment, nested, splits,
IoU, ARI, NMI, VI and the congruence score - are computed on the real part only, with
``N = sum of the real part``. The weight in 'no region' of either division is reported
separately (``no_region_total`` and friends, per region ``no_region``), and a region whose weight
lies only in 'no region' of the other division is listed with ``total = 0`` and a note, never
dropped.

Speed: every metric is computed as a numpy array over all regions at once
(:class:`RegionMetrics`); the per-region :class:`RegionScore` objects (with their IoU dicts) are
built from those arrays only when :attr:`Score.regions` is first read, so :func:`score` on the
national tables costs well under a millisecond (``benchmarks/overlap.py``).

>>> from geo.division import Division
>>> a = Division.from_assignment("a", {"x": "A1", "y": "A1", "z": "A2"})
>>> b = Division.from_assignment("b", {"x": "B1", "y": "B1", "z": "B1"})
>>> s = score(a, b, pd.Series({"x": 1.0, "y": 1.0, "z": 2.0}), weight_name="w")
>>> s.summary["nested_regions"], s.summary["reverse_mean_containment"], s.summary["congruence"]
(2, 0.5, 0.75)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from geo.dataset import WEIGHT_NOTES
from geo.division import NO_REGION, Division
from geo.overlap import metrics
from geo.overlap.contingency import Contingency, contingency


def json_float(x: float | np.floating) -> float | None:
    """A JSON-safe float: ``None`` for nan/inf.

    >>> json_float(float("nan")) is None, json_float(0.5)
    (True, 0.5)
    """
    value = float(x)
    return value if math.isfinite(value) else None


def _nums(values: np.ndarray) -> list[float | None]:
    """:func:`json_float` of every element (one ``tolist``, not a numpy scalar per element)."""
    return [v if math.isfinite(v) else None for v in values.tolist()]


@dataclass(frozen=True)
class RegionScore:
    """Metrics of one region of the scored division against the other division."""

    region: str
    name: str
    total: float
    no_region: float
    best_match: str | None
    best_match_name: str | None
    containment: float | None
    nested: bool
    splits: int
    splits_above_threshold: int
    effective_parts: float | None
    entropy: float | None
    iou: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this region (keys as in ``regio score --json``, in field order)."""
        return {**vars(self), "iou": dict(self.iou)}


@dataclass(frozen=True, eq=False)
class RegionMetrics:
    """Every per-region metric of one direction as arrays over the regions (rows of ``real``).

    ``best`` is a column index (``-1`` for an empty region); ratios are ``nan`` where the
    region's total is 0; ``iou`` is the full ``regions x other regions`` Jaccard matrix.
    """

    real: np.ndarray
    no_region: np.ndarray
    labels: pd.Index
    names: dict[str, str]
    other_labels: pd.Index
    other_names: dict[str, str]
    totals: np.ndarray
    best: np.ndarray
    containment: np.ndarray
    nested: np.ndarray
    splits: np.ndarray
    splits_above_threshold: np.ndarray
    effective_parts: np.ndarray
    entropy: np.ndarray
    iou: np.ndarray
    top: np.ndarray
    """``max_b n_ab`` per region (0 for an empty region)."""

    @classmethod
    def both_ways(
        cls,
        table: Contingency,
        tolerance: float,
        min_piece: float,
    ) -> tuple[RegionMetrics, RegionMetrics]:
        """All per-region metrics of the rows (A in B) and of the columns (B in A) of the real
        part of ``table``, exactly as the functions of :mod:`metrics` define them, with the
        intermediates both directions share (totals, maxima, pieces, IoU) computed once."""
        n = table.table
        real = n[:-1, :-1]
        row_labels, col_labels = table.row_labels[:-1], table.col_labels[:-1]
        row_names, col_names = dict(table.row_names), dict(table.col_names)
        totals = (real.sum(axis=1), real.sum(axis=0))
        pieces = real > 0
        union = totals[0][:, None] + totals[1][None, :] - real
        jac = metrics.ratio(real, union, fill=0.0)
        fwd = cls._direction(
            real, 1, totals, pieces, jac, tolerance, min_piece,
            n[:-1, -1], row_labels, row_names, col_labels, col_names,
        )  # fmt: skip
        rev = cls._direction(
            real, 0, totals, pieces, jac, tolerance, min_piece,
            n[-1, :-1], col_labels, col_names, row_labels, row_names,
        )  # fmt: skip
        return fwd, rev

    @classmethod
    def _direction(
        cls,
        real: np.ndarray,
        axis: int,
        totals: tuple[np.ndarray, np.ndarray],
        pieces: np.ndarray,
        jac: np.ndarray,
        tolerance: float,
        min_piece: float,
        no_region: np.ndarray,
        labels: pd.Index,
        names: dict[str, str],
        other_labels: pd.Index,
        other_names: dict[str, str],
    ) -> RegionMetrics:
        """The metrics of the rows (``axis=1``) or of the columns (``axis=0``) of ``real``."""
        total = totals[0] if axis == 1 else totals[1]
        spread = total[:, None] if axis == 1 else total[None, :]  # broadcast along the regions
        has_weight = total > 0
        if real.shape[axis]:
            top = real.max(axis=axis)
            best = np.where(has_weight, real.argmax(axis=axis), -1)
        else:
            top = np.zeros(len(total))
            best = np.full(len(total), -1)
        cont = metrics.ratio(top, total)
        nest = has_weight & (cont >= tolerance)  # nan (no weight) is never nested
        share = metrics.ratio(real, spread, fill=0.0)  # p(b|a), 0 for an empty a
        k_all = (pieces & (share > 0.0)).sum(axis=axis)
        k_big = k_all if min_piece == 0.0 else (pieces & (share > min_piece)).sum(axis=axis)
        parts = metrics.ratio(np.ones(len(total)), (share**2).sum(axis=axis) * has_weight)
        ent = np.where(has_weight, -metrics.plogp(share).sum(axis=axis) + 0.0, np.nan)
        t = (lambda x: x) if axis == 1 else np.transpose
        return cls(
            t(real), no_region, labels, names, other_labels, other_names,
            total, best, cont, nest, k_all, k_big, parts, ent, t(jac), top,
        )  # fmt: skip

    def region_scores(self) -> list[RegionScore]:
        """One :class:`RegionScore` per region, in row order."""
        codes = [str(c) for c in self.labels.tolist()]
        other = [str(c) for c in self.other_labels.tolist()]
        rows, cols = np.nonzero(self.real > 0)
        values = self.iou[rows, cols].tolist()
        starts = np.searchsorted(rows, np.arange(len(codes) + 1)).tolist()
        cols_list = cols.tolist()
        best = self.best.tolist()
        out = []
        for i, (code, total, no_region, cont, nest, k_all, k_big, parts, ent) in enumerate(
            zip(
                codes,
                self.totals.tolist(),
                self.no_region.tolist(),
                _nums(self.containment),
                self.nested.tolist(),
                self.splits.tolist(),
                self.splits_above_threshold.tolist(),
                _nums(self.effective_parts),
                _nums(self.entropy),
                strict=True,
            )
        ):
            b = other[best[i]] if best[i] >= 0 else None
            lo, hi = starts[i], starts[i + 1]
            out.append(
                RegionScore(
                    region=code,
                    name=str(self.names.get(code, code)),
                    total=total,
                    no_region=no_region,
                    best_match=b,
                    best_match_name=None if b is None else str(self.other_names.get(b, b)),
                    containment=cont,
                    nested=bool(nest),
                    splits=int(k_all),
                    splits_above_threshold=int(k_big),
                    effective_parts=parts,
                    entropy=ent,
                    iou={other[j]: v for j, v in zip(cols_list[lo:hi], values[lo:hi], strict=True)},
                )
            )
        return out


@dataclass(frozen=True, eq=False)
class Score:
    """The result of :func:`score`: regions both ways, a summary, and notes for the reader.

    ``metrics`` / ``reverse_metrics`` hold every per-region metric as arrays;
    :attr:`regions` / :attr:`reverse_regions` are the same numbers as :class:`RegionScore`
    objects, built on first use.
    """

    division: str
    against: str
    weight: str
    metrics: RegionMetrics = field(repr=False)
    reverse_metrics: RegionMetrics = field(repr=False)
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    contingency: Contingency | None = field(default=None, repr=False)

    JSON_FIELDS: ClassVar[tuple[str, ...]] = (
        "division",
        "against",
        "weight",
        "regions",
        "reverse_regions",
        "summary",
        "notes",
    )
    """The keys of :meth:`to_dict` (``regio score --json``), in order."""

    @cached_property
    def regions(self) -> list[RegionScore]:
        """Per region of the scored division (rows of the table), in region order."""
        return self.metrics.region_scores()

    @cached_property
    def reverse_regions(self) -> list[RegionScore]:
        """Per region of ``against`` (columns of the table), in region order."""
        return self.reverse_metrics.region_scores()

    def to_dict(self) -> dict[str, Any]:
        """Exactly the JSON object printed by ``regio score --json``."""
        return {
            "division": self.division,
            "against": self.against,
            "weight": self.weight,
            "regions": [r.to_dict() for r in self.regions],
            "reverse_regions": [r.to_dict() for r in self.reverse_regions],
            "summary": dict(self.summary),
            "notes": list(self.notes),
        }

    def regions_frame(self, reverse: bool = False) -> pd.DataFrame:
        """Per-region table (without the IoU dicts), one row per region."""
        rows = [r.to_dict() for r in (self.reverse_regions if reverse else self.regions)]
        frame = pd.DataFrame(rows, columns=list(RegionScore.__dataclass_fields__))
        return frame.drop(columns=["iou"])


def _share(part: float, whole: float) -> float | None:
    return json_float(part / whole) if whole > 0 else None


def _empty_notes(division: str, other: str, m: RegionMetrics) -> list[str]:
    """A note per region with zero weight in the real table (only in 'no region', or none)."""
    notes = []
    for i in np.flatnonzero(m.totals == 0).tolist():
        code = str(m.labels[i])
        name = m.names.get(code, code)
        if m.no_region[i] > 0:
            notes.append(
                f"Region {code} ({name}) of {division!r} lies only in no region "
                f"({NO_REGION}) of {other!r}: weight {m.no_region[i]:.6g}."
            )
        else:
            notes.append(f"Region {code} ({name}) of {division!r} has zero weight.")
    return notes


def score_contingency(
    table: Contingency, *, weight_name: str, tolerance: float = 0.995, min_piece: float = 0.0
) -> Score:
    """Score an existing :class:`Contingency` (matrix or geometry mode); see :func:`score`.

    >>> from geo.overlap.contingency import Contingency
    >>> t = Contingency(np.array([[2.0, 0.0], [0.0, 0.0]]), pd.Index(["A", "GEEN"]),
    ...                 pd.Index(["B", "GEEN"]), "a", "b")
    >>> score_contingency(t, weight_name="area").summary["congruence"]
    1.0
    """
    if not 0.0 <= tolerance <= 1.0:
        raise ValueError(f"tolerance must be in [0, 1], got {tolerance}")
    if not 0.0 <= min_piece < 1.0:
        raise ValueError(f"min_piece is a share of the region's total in [0, 1), got {min_piece}")
    n = table.table
    col_labels = table.col_labels[:-1]
    a_name, b_name = table.row_division, table.col_division
    fwd, rev = RegionMetrics.both_ways(table, tolerance, min_piece)
    summary = summarise(n, fwd, rev, tolerance, min_piece)
    total_real, grand_total = summary["total"], summary["grand_total"]
    no_a, no_b = summary["no_region_division"], summary["no_region_against"]
    no_total = summary["no_region_total"]

    notes = [
        f"Headline metrics use the weight {weight_name!r} that lies in a region of both "
        f"{a_name!r} and {b_name!r} (N = {total_real:.6g}); containment, nested, IoU, ARI, NMI, "
        f"VI and congruence are computed on that part only. Entropies and VI are in bits."
    ]
    if weight_name in WEIGHT_NOTES:
        notes.append(f"Weight {weight_name!r}: {WEIGHT_NOTES[weight_name]}.")
    if no_total > 0:
        notes.append(
            f"{no_total:.6g} ({100 * no_total / grand_total:.3g}%) of the weight lies in no region "
            f"({NO_REGION}) of {a_name!r} ({no_a:.6g}) or of {b_name!r} ({no_b:.6g}); it is left "
            "out of the headline metrics and reported per region as 'no_region'."
        )
    notes.extend(_empty_notes(a_name, b_name, fwd))
    notes.extend(_empty_notes(b_name, a_name, rev))
    if no_a > 0:
        in_b = n[-1, :-1]
        order = [j for j in np.argsort(-in_b).tolist() if in_b[j] > 0]
        codes = col_labels[order].tolist()
        where = ", ".join(f"{c} {v:.6g}" for c, v in zip(codes, in_b[order].tolist(), strict=True))
        if where:
            notes.append(f"No region of {a_name!r} lies in {b_name!r} regions: {where}.")
    notes.extend(table.notes)
    return Score(a_name, b_name, weight_name, fwd, rev, summary, notes, table)


def summarise(
    n: np.ndarray, fwd: RegionMetrics, rev: RegionMetrics, tolerance: float, min_piece: float
) -> dict[str, Any]:
    """The ``summary`` dict of a :class:`Score` from the full table ``n`` (with 'no region'
    row and column last) and the per-region metrics both ways."""
    real = n[:-1, :-1]
    total_real = float(real.sum())
    grand_total = float(n.sum())
    no_a = float(n[-1, :].sum())  # weight in no region of A
    no_b = float(n[:, -1].sum())  # weight in no region of B
    no_total = grand_total - total_real  # in no region of A or of B (counted once)
    vi = metrics.variation_of_information(real)
    return {
        "regions": len(fwd.labels),
        "nested_regions": int(fwd.nested.sum()),
        "nested_share": json_float(_nested_share(fwd, total_real)),
        "mean_containment": json_float(_mean(fwd.top, total_real)),
        "reverse_regions": len(rev.labels),
        "reverse_nested_regions": int(rev.nested.sum()),
        "reverse_nested_share": json_float(_nested_share(rev, total_real)),
        "reverse_mean_containment": json_float(_mean(rev.top, total_real)),
        "congruence": json_float(_congruence(fwd.top, rev.top, total_real)),
        "ari": json_float(metrics.adjusted_rand_index(real)),
        "nmi": json_float(metrics.normalized_mutual_information(real, vi=vi)),
        "vi": json_float(vi),
        "total_pieces": int((real > 0).sum()),
        "total": total_real,
        "grand_total": grand_total,
        "no_region_total": no_total,
        "no_region_share": _share(no_total, grand_total),
        "no_region_division": no_a,
        "no_region_against": no_b,
        "empty_regions": _empty(fwd),
        "reverse_empty_regions": _empty(rev),
        "tolerance": tolerance,
        "min_piece": min_piece,
    }


def _mean(top: np.ndarray, total: float) -> float:
    """:func:`metrics.mean_containment` from the precomputed row (or column) maxima."""
    return float(top.sum() / total) if total > 0 else float("nan")


def _congruence(top: np.ndarray, reverse_top: np.ndarray, total: float) -> float:
    """:func:`metrics.congruence` from the precomputed row and column maxima."""
    return float((top.sum() + reverse_top.sum()) / (2.0 * total)) if total > 0 else float("nan")


def _empty(m: RegionMetrics) -> list[str]:
    """Codes of the regions with zero weight in the real table."""
    return [str(m.labels[i]) for i in np.flatnonzero(m.totals == 0).tolist()]


def _nested_share(m: RegionMetrics, total: float) -> float:
    """:func:`metrics.nested_share` from the precomputed totals and nested flags."""
    if total <= 0:
        return float("nan")
    return float(m.totals[m.nested].sum() / total)


def score(
    a: Division,
    b: Division,
    weights: pd.Series,
    *,
    weight_name: str,
    tolerance: float = 0.995,
    min_piece: float = 0.0,
) -> Score:
    """How well division ``a`` lines up with division ``b`` under ``weights``, both ways.

    Rule: per region a: total ``n_a``, best match ``b*``, containment ``n_ab*/n_a``, nested
    (``containment >= tolerance``), splits (pieces ``n_ab > 0``; above threshold: also
    ``n_ab / n_a > min_piece``), effective parts, entropy ``H(B|a)`` in bits and IoU with every
    overlapping b; the same for b in A; summary with nested count/share, mean containment both
    ways, ARI, NMI, VI, total pieces and the congruence score
    ``(sum_a max_b n_ab + sum_b max_a n_ab) / (2N)``. 'No region' weight is reported apart.

    >>> from geo.division import Division
    >>> d = Division.from_assignment("d", {"x": "A", "y": "B"})
    >>> score(d, d, pd.Series({"x": 1.0, "y": 2.0}), weight_name="w").summary["ari"]
    1.0
    """
    return score_contingency(
        contingency(a, b, weights),
        weight_name=weight_name,
        tolerance=tolerance,
        min_piece=min_piece,
    )
