"""Congruence metrics: small pure functions of a weighted contingency table.

Every function takes ``n``, a 2-D array of non-negative weights over *real* regions (rows: the
regions a of division A, columns: the regions b of division B; the 'no region' row and column
are left out by the caller, see docs/metrics.md) and returns numbers. Per-region functions work
row-wise ("A in B"); pass ``n.T`` for the reverse direction ("B in A"). Entropies are in bits.
A region with zero total gets ``nan`` where a ratio is undefined.

>>> n = np.array([[3.0, 1.0], [0.0, 4.0]])
>>> containment(n).tolist()
[0.75, 1.0]
>>> congruence(n)  # (3 + 4 + 3 + 4) / (2 * 8)
0.875
"""

from __future__ import annotations

import numpy as np


def ratio(num: np.ndarray, den: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """``num / den`` where ``den > 0``, else ``fill`` (broadcasting; no warnings).

    >>> ratio(np.array([1.0, 1.0]), np.array([4.0, 0.0])).tolist()
    [0.25, nan]
    """
    out = np.full(np.broadcast(num, den).shape, fill)
    return np.divide(num, den, out=out, where=den > 0)


def row_totals(n: np.ndarray) -> np.ndarray:
    """``n_a = sum_b n_ab`` per row.

    >>> row_totals(np.array([[1.0, 2.0], [0.0, 0.0]])).tolist()
    [3.0, 0.0]
    """
    return n.sum(axis=1)


def best_match(n: np.ndarray) -> np.ndarray:
    """Column index ``b* = argmax_b n_ab`` per row (first on ties), ``-1`` for an empty row.

    >>> best_match(np.array([[1.0, 2.0], [0.0, 0.0]])).tolist()
    [1, -1]
    """
    if n.shape[1] == 0:
        return np.full(n.shape[0], -1)
    return np.where(row_totals(n) > 0, n.argmax(axis=1), -1)


def containment(n: np.ndarray) -> np.ndarray:
    """``c(a) = max_b n_ab / n_a``: the share of region a inside its best match.

    >>> containment(np.array([[1.0, 3.0], [0.0, 0.0]])).tolist()[0]
    0.75
    """
    top = n.max(axis=1) if n.shape[1] else np.zeros(n.shape[0])
    return ratio(top, row_totals(n))


def nested(n: np.ndarray, tolerance: float = 0.995) -> np.ndarray:
    """``c(a) >= tolerance``: region a lies (almost) entirely in one region of B.

    >>> nested(np.array([[199.0, 1.0], [1.0, 1.0]])).tolist()
    [True, False]
    """
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(containment(n), nan=-1.0) >= tolerance


def splits(n: np.ndarray, min_piece: float = 0.0) -> np.ndarray:
    """``k_a = #{b : n_ab > 0 and n_ab / n_a > min_piece}``: pieces of a (``min_piece=0``: all).

    >>> n = np.array([[5.0, 0.1, 0.0]])
    >>> splits(n).tolist(), splits(n, min_piece=0.05).tolist()
    ([2], [1])
    """
    share = np.nan_to_num(ratio(n, row_totals(n)[:, None]), nan=0.0)
    return ((n > 0) & (share > min_piece)).sum(axis=1)


def effective_parts(n: np.ndarray) -> np.ndarray:
    """Effective number of parts ``1 / sum_b p(b|a)^2`` with ``p(b|a) = n_ab / n_a``.

    >>> effective_parts(np.array([[1.0, 1.0], [2.0, 0.0]])).tolist()
    [2.0, 1.0]
    """
    p = ratio(n, row_totals(n)[:, None])
    return ratio(np.ones(n.shape[0]), np.nansum(p**2, axis=1) * (row_totals(n) > 0))


def plogp(p: np.ndarray) -> np.ndarray:
    """``p * log2(p)`` with ``0 log 0 = 0`` (for ``p >= 0``).

    >>> plogp(np.array([0.0, 0.5])).tolist()
    [0.0, -0.5]
    """
    return p * np.log2(p, out=np.zeros_like(p, dtype=float), where=p > 0)


def row_entropy(n: np.ndarray) -> np.ndarray:
    """Conditional entropy ``H(B|a) = -sum_b p(b|a) log2 p(b|a)`` per row, in bits.

    >>> row_entropy(np.array([[1.0, 1.0], [3.0, 0.0]])).tolist()
    [1.0, 0.0]
    """
    p = ratio(n, row_totals(n)[:, None])
    h = -plogp(np.nan_to_num(p, nan=0.0)).sum(axis=1)
    return np.where(row_totals(n) > 0, h + 0.0, np.nan)


def iou(n: np.ndarray) -> np.ndarray:
    """Jaccard index ``n_ab / (n_a + n_b - n_ab)`` for every pair (0 where they do not overlap).

    Symmetric: ``iou(n.T) == iou(n).T``.

    >>> iou(np.array([[2.0, 2.0], [0.0, 4.0]])).tolist()
    [[0.5, 0.25], [0.0, 0.6666666666666666]]
    """
    union = row_totals(n)[:, None] + n.sum(axis=0)[None, :] - n
    return np.nan_to_num(ratio(n, union), nan=0.0)


def mean_containment(n: np.ndarray) -> float:
    """Weighted mean containment ``sum_a n_a c(a) / N = sum_a max_b n_ab / N``.

    >>> mean_containment(np.array([[3.0, 1.0], [0.0, 4.0]]))
    0.875
    """
    total = n.sum()
    if total <= 0:
        return float("nan")
    return float(n.max(axis=1).sum() / total)


def nested_share(n: np.ndarray, tolerance: float = 0.995) -> float:
    """Share of the weight ``N`` in rows that are :func:`nested`.

    >>> nested_share(np.array([[3.0, 0.0], [1.0, 4.0]]))
    0.375
    """
    total = n.sum()
    if total <= 0:
        return float("nan")
    return float(row_totals(n)[nested(n, tolerance)].sum() / total)


def congruence(n: np.ndarray) -> float:
    """Headline congruence ``(sum_a max_b n_ab + sum_b max_a n_ab) / (2 N)`` in [0, 1].

    The mean of the weighted mean containment of A in B and of B in A; 1 exactly when the two
    divisions coincide (up to region codes) on all weight.

    >>> congruence(np.array([[2.0, 0.0], [0.0, 5.0]]))
    1.0
    """
    total = n.sum()
    if total <= 0:
        return float("nan")
    return float((n.max(axis=1).sum() + n.max(axis=0).sum()) / (2.0 * total))


def entropy(counts: np.ndarray) -> float:
    """Shannon entropy ``-sum p log2 p`` in bits of a vector of weights.

    >>> entropy(np.array([1.0, 1.0, 2.0]))
    1.5
    """
    total = counts.sum()
    if total <= 0:
        return float("nan")
    return float(-plogp(counts / total).sum() + 0.0)


def conditional_entropy(n: np.ndarray) -> float:
    """``H(A|B) = -sum_ab p_ab log2(n_ab / n_b)`` in bits (rows A given columns B).

    >>> conditional_entropy(np.array([[1.0, 0.0], [1.0, 2.0]]))
    0.5
    """
    total = n.sum()
    if total <= 0:
        return float("nan")
    positive = n > 0
    cond = ratio(n, n.sum(axis=0)[None, :], fill=1.0)
    terms = (n / total) * np.log2(cond, out=np.zeros_like(n), where=positive)  # n's layout
    return float(-terms.sum() + 0.0)


def mutual_information(n: np.ndarray) -> float:
    """``I(A;B) = H(A) - H(A|B)`` in bits.

    >>> mutual_information(np.array([[1.0, 0.0], [0.0, 1.0]]))
    1.0
    """
    return entropy(n.sum(axis=1)) - conditional_entropy(n)


def variation_of_information(n: np.ndarray) -> float:
    """Meila's ``VI = H(A|B) + H(B|A)`` in bits; 0 exactly when the divisions coincide.

    >>> variation_of_information(np.array([[1.0, 1.0]]))
    1.0
    """
    return conditional_entropy(n) + conditional_entropy(n.T)


def normalized_mutual_information(n: np.ndarray, *, vi: float | None = None) -> float:
    """``NMI = 2 I(A;B) / (H(A) + H(B))`` (arithmetic-mean normalisation, Vinh et al. 2010).

    Both divisions a single region (``H(A) = H(B) = 0``): 1 by convention. ``vi``: the
    :func:`variation_of_information` of ``n`` if already known (saves computing it again).

    >>> normalized_mutual_information(np.array([[1.0, 0.0], [0.0, 3.0]]))
    1.0
    """
    ha, hb = entropy(n.sum(axis=1)), entropy(n.sum(axis=0))
    if np.isnan(ha):
        return float("nan")
    if ha + hb <= 0:
        return 1.0
    # I = (H(A) + H(B) - VI) / 2 avoids the cancellation of I = H(A) - H(A|B) when A = B
    if vi is None:
        vi = variation_of_information(n)
    nmi = (ha + hb - vi) / (ha + hb)
    return float(min(1.0, max(0.0, nmi)))


def pair_counts(x: np.ndarray, *, exact_pairs: bool = False) -> np.ndarray:
    """Weighted number of pairs in a cell of weight x: ``x^2 / 2`` or, with ``exact_pairs``,
    ``C(x, 2) = x (x - 1) / 2`` (the classic count for integer weights).

    >>> x = np.array([4.0])
    >>> pair_counts(x).tolist(), pair_counts(x, exact_pairs=True).tolist()
    ([8.0], [6.0])
    """
    return x * (x - 1.0) / 2.0 if exact_pairs else x * x / 2.0


def adjusted_rand_index(n: np.ndarray, *, exact_pairs: bool = False) -> float:
    """Hubert & Arabie's adjusted Rand index from the weighted table.

    ``ARI = (S_ab - S_a S_b / P) / ((S_a + S_b) / 2 - S_a S_b / P)`` with
    ``S_ab = sum pairs(n_ab)``, ``S_a = sum pairs(n_a)``, ``S_b = sum pairs(n_b)``,
    ``P = pairs(N)`` and ``pairs`` from
    :func:`pair_counts`. The default ``x^2/2`` is scale-free (area in km² or m² give the same
    ARI) and is the limit of the classic ARI when every unit is expanded into many copies;
    ``exact_pairs=True`` equals the classic ARI of units expanded into ``w`` copies each.
    A zero denominator (both divisions one region) gives 1.

    >>> adjusted_rand_index(np.array([[2.0, 0.0], [0.0, 3.0]]))
    1.0
    """
    total = n.sum()
    if total <= 0:
        return float("nan")
    s_ab = pair_counts(n, exact_pairs=exact_pairs).sum()
    s_a = pair_counts(n.sum(axis=1), exact_pairs=exact_pairs).sum()
    s_b = pair_counts(n.sum(axis=0), exact_pairs=exact_pairs).sum()
    pairs = pair_counts(np.array(total), exact_pairs=exact_pairs)
    expected = s_a * s_b / pairs if pairs > 0 else 0.0
    maximum = (s_a + s_b) / 2.0
    if maximum == expected:
        return 1.0
    return float((s_ab - expected) / (maximum - expected))
