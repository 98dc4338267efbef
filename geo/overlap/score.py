"""Score two divisions: per-region metrics in both directions and whole-division summary.

Rule (details and references in docs/metrics.md): the weighted table ``n_ab`` of
:func:`~geo.overlap.contingency.contingency` is split into its real part (regions of A x regions
of B) and its 'no region' row and column. All headline metrics - containment, nested, splits,
IoU, ARI, NMI, VI and the congruence score - are computed on the real part only, with
``N = sum of the real part``. The weight in 'no region' of either division is reported
separately (``no_region_total`` and friends, per region ``no_region``), and a region whose weight
lies only in 'no region' of the other division is listed with ``total = 0`` and a note, never
dropped.

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
from typing import Any

import numpy as np
import pandas as pd

from geo.dataset import WEIGHT_NOTES
from geo.division import NO_REGION, Division
from geo.overlap import metrics
from geo.overlap.contingency import Contingency, contingency


def _num(x: float | np.floating) -> float | None:
    """A JSON-safe float: ``None`` for nan/inf."""
    value = float(x)
    return value if math.isfinite(value) else None


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


@dataclass(frozen=True)
class Score:
    """The result of :func:`score`: regions both ways, a summary, and notes for the reader."""

    division: str
    against: str
    weight: str
    regions: list[RegionScore]
    reverse_regions: list[RegionScore]
    summary: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    contingency: Contingency | None = field(default=None, repr=False, compare=False)

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


def _region_scores(
    real: np.ndarray,
    no_region: np.ndarray,
    labels: pd.Index,
    names: dict[str, str],
    other_labels: pd.Index,
    other_names: dict[str, str],
    tolerance: float,
    min_piece: float,
) -> list[RegionScore]:
    totals = metrics.row_totals(real)
    best = metrics.best_match(real)
    cont = metrics.containment(real)
    nest = metrics.nested(real, tolerance)
    k_all = metrics.splits(real)
    k_big = metrics.splits(real, min_piece)
    parts = metrics.effective_parts(real)
    ent = metrics.row_entropy(real)
    jac = metrics.iou(real)
    codes = labels.to_numpy()
    other_codes = other_labels.to_numpy()
    out = []
    for i, code in enumerate(codes):
        overlapping = np.flatnonzero(real[i] > 0)
        b = other_codes[best[i]] if best[i] >= 0 else None
        out.append(
            RegionScore(
                region=str(code),
                name=str(names.get(code, code)),
                total=float(totals[i]),
                no_region=float(no_region[i]),
                best_match=None if b is None else str(b),
                best_match_name=None if b is None else str(other_names.get(b, b)),
                containment=_num(cont[i]),
                nested=bool(nest[i]),
                splits=int(k_all[i]),
                splits_above_threshold=int(k_big[i]),
                effective_parts=_num(parts[i]),
                entropy=_num(ent[i]),
                iou={str(other_codes[j]): float(jac[i, j]) for j in overlapping},
            )
        )
    return out


def _share(part: float, whole: float) -> float | None:
    return _num(part / whole) if whole > 0 else None


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
    real = table.real
    row_labels, col_labels = table.row_labels[:-1], table.col_labels[:-1]
    row_names, col_names = dict(table.row_names), dict(table.col_names)
    a_name, b_name = table.row_division, table.col_division

    regions = _region_scores(
        real, n[:-1, -1], row_labels, row_names, col_labels, col_names, tolerance, min_piece
    )
    reverse = _region_scores(
        real.T, n[-1, :-1], col_labels, col_names, row_labels, row_names, tolerance, min_piece
    )

    total_real = float(real.sum())
    grand_total = float(n.sum())
    no_a = float(n[-1, :].sum())  # weight in no region of A
    no_b = float(n[:, -1].sum())  # weight in no region of B
    no_total = grand_total - total_real  # in no region of A or of B (counted once)
    summary: dict[str, Any] = {
        "regions": len(row_labels),
        "nested_regions": int(sum(r.nested for r in regions)),
        "nested_share": _num(metrics.nested_share(real, tolerance)),
        "mean_containment": _num(metrics.mean_containment(real)),
        "reverse_regions": len(col_labels),
        "reverse_nested_regions": int(sum(r.nested for r in reverse)),
        "reverse_nested_share": _num(metrics.nested_share(real.T, tolerance)),
        "reverse_mean_containment": _num(metrics.mean_containment(real.T)),
        "congruence": _num(metrics.congruence(real)),
        "ari": _num(metrics.adjusted_rand_index(real)),
        "nmi": _num(metrics.normalized_mutual_information(real)),
        "vi": _num(metrics.variation_of_information(real)),
        "total_pieces": int((real > 0).sum()),
        "total": total_real,
        "grand_total": grand_total,
        "no_region_total": no_total,
        "no_region_share": _share(no_total, grand_total),
        "no_region_division": no_a,
        "no_region_against": no_b,
        "empty_regions": [r.region for r in regions if r.total == 0],
        "reverse_empty_regions": [r.region for r in reverse if r.total == 0],
        "tolerance": tolerance,
        "min_piece": min_piece,
    }

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
    for division, other, scores in ((a_name, b_name, regions), (b_name, a_name, reverse)):
        for r in scores:
            if r.total == 0 and r.no_region > 0:
                notes.append(
                    f"Region {r.region} ({r.name}) of {division!r} lies only in no region "
                    f"({NO_REGION}) of {other!r}: weight {r.no_region:.6g}."
                )
            elif r.total == 0:
                notes.append(f"Region {r.region} ({r.name}) of {division!r} has zero weight.")
    if no_a > 0:
        in_b = n[-1, :-1]
        where = ", ".join(
            f"{col_labels[j]} {in_b[j]:.6g}" for j in np.argsort(-in_b) if in_b[j] > 0
        )
        if where:
            notes.append(f"No region of {a_name!r} lies in {b_name!r} regions: {where}.")
    notes.extend(table.notes)
    return Score(a_name, b_name, weight_name, regions, reverse, summary, notes, table)


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
