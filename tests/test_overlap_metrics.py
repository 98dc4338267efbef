"""Tests for geo.overlap.metrics: properties (hypothesis) and independent computations.

The independent checks expand every unit of integer weight w into w labelled copies and count
pairs / label frequencies with plain Python (itertools, collections.Counter), without looking at
the contingency table.
"""

from __future__ import annotations

import doctest
import itertools
import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.overlap import metrics

# ---------------------------------------------------------------------------- strategies


@st.composite
def labelled_units(draw: st.DrawFn, max_units: int = 25) -> tuple[list[int], list[int], list[int]]:
    """Whole-unit labels in A and B and integer weights (total weight > 0)."""
    n = draw(st.integers(1, max_units))
    a = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    b = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    w = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    if sum(w) == 0:
        w[0] = 1
    return a, b, w


def table(a: list[int], b: list[int], w: list[float]) -> np.ndarray:
    n = np.zeros((max(a) + 1, max(b) + 1))
    np.add.at(n, (np.array(a), np.array(b)), np.array(w, dtype=float))
    return n


def expand(a: list[int], b: list[int], w: list[int]) -> list[tuple[int, int]]:
    """Each unit as w copies of its (label A, label B) pair."""
    return [(x, y) for x, y, k in zip(a, b, w, strict=True) for _ in range(k)]


def classic_ari(copies: list[tuple[int, int]]) -> float:
    """Hubert & Arabie's ARI by enumerating all pairs of copies."""
    both = same_a = same_b = total = 0
    for (a1, b1), (a2, b2) in itertools.combinations(copies, 2):
        total += 1
        same_a += a1 == a2
        same_b += b1 == b2
        both += (a1 == a2) and (b1 == b2)
    if total == 0:
        return 1.0
    expected = same_a * same_b / total
    maximum = (same_a + same_b) / 2
    return 1.0 if maximum == expected else (both - expected) / (maximum - expected)


def counter_entropy(labels: list) -> float:
    counts = Counter(labels)
    m = len(labels)
    return -sum(c / m * math.log2(c / m) for c in counts.values())


# ---------------------------------------------------------------------------- properties


@settings(max_examples=80, deadline=None)
@given(labelled_units())
def test_identical_divisions_are_perfectly_congruent(data: tuple) -> None:
    a, _, w = data
    n = table(a, a, w)
    filled = n.sum(axis=1) > 0
    assert np.allclose(metrics.containment(n)[filled], 1.0)
    assert np.all(metrics.nested(n)[filled])
    assert metrics.adjusted_rand_index(n) == pytest.approx(1.0, abs=1e-12)
    assert metrics.adjusted_rand_index(n, exact_pairs=True) == pytest.approx(1.0, abs=1e-12)
    assert metrics.variation_of_information(n) == 0.0
    assert metrics.normalized_mutual_information(n) == pytest.approx(1.0, abs=1e-12)
    assert metrics.congruence(n) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(labelled_units(), st.permutations(range(5)))
def test_relabelling_changes_nothing(data: tuple, perm: list[int]) -> None:
    a, b, w = data
    n = table(a, b, w)
    relabelled = table([perm[x] for x in a], b, w)
    for f in (
        metrics.congruence,
        metrics.adjusted_rand_index,
        metrics.normalized_mutual_information,
        metrics.variation_of_information,
    ):
        assert f(relabelled) == pytest.approx(f(n), abs=1e-12)


@settings(max_examples=80, deadline=None)
@given(labelled_units())
def test_bounds_and_symmetry(data: tuple) -> None:
    a, b, w = data
    n = table(a, b, w)
    c = metrics.containment(n)
    assert np.all((c[~np.isnan(c)] >= 0) & (c[~np.isnan(c)] <= 1 + 1e-12))
    assert np.array_equal(metrics.iou(n.T), metrics.iou(n).T)
    j = metrics.iou(n)
    assert np.all((j >= 0) & (j <= 1 + 1e-12))
    assert 0.0 <= metrics.congruence(n) <= 1.0 + 1e-12
    assert 0.0 <= metrics.normalized_mutual_information(n) <= 1.0
    assert metrics.variation_of_information(n) >= -1e-12
    assert metrics.variation_of_information(n) == pytest.approx(
        metrics.variation_of_information(n.T), abs=1e-12
    )
    assert metrics.adjusted_rand_index(n) == pytest.approx(
        metrics.adjusted_rand_index(n.T), abs=1e-12
    )
    # the congruence is the mean of both weighted mean containments
    assert metrics.congruence(n) == pytest.approx(
        (metrics.mean_containment(n) + metrics.mean_containment(n.T)) / 2, abs=1e-12
    )
    filled = n.sum(axis=1) > 0
    assert np.all(metrics.splits(n)[filled] >= 1)
    assert np.all(metrics.effective_parts(n)[filled] <= metrics.splits(n)[filled] + 1e-9)
    assert np.all(metrics.effective_parts(n)[filled] >= 1 - 1e-12)


# ---------------------------------------------------------------------------- independent


@settings(max_examples=60, deadline=None)
@given(labelled_units(max_units=12))
def test_exact_pairs_ari_equals_classic_ari_of_expanded_units(data: tuple) -> None:
    a, b, w = data
    copies = expand(a, b, w)
    n = table(a, b, w)
    assert metrics.adjusted_rand_index(n, exact_pairs=True) == pytest.approx(
        classic_ari(copies), abs=1e-9
    )


@settings(max_examples=60, deadline=None)
@given(labelled_units())
def test_default_ari_is_the_limit_of_many_copies_and_scale_free(data: tuple) -> None:
    a, b, w = data
    n = table(a, b, w)
    ari = metrics.adjusted_rand_index(n)
    assert metrics.adjusted_rand_index(n * 1e6) == pytest.approx(ari, abs=1e-9)
    # expanding every unit into 1e7 * w copies: the classic ARI tends to the x^2/2 version
    assert metrics.adjusted_rand_index(n * 1e7, exact_pairs=True) == pytest.approx(ari, abs=1e-5)


@settings(max_examples=60, deadline=None)
@given(labelled_units())
def test_entropies_nmi_and_vi_match_label_counts(data: tuple) -> None:
    a, b, w = data
    copies = expand(a, b, w)
    h_a = counter_entropy([x for x, _ in copies])
    h_b = counter_entropy([y for _, y in copies])
    h_ab = counter_entropy(copies)
    mi = h_a + h_b - h_ab
    n = table(a, b, w)
    assert metrics.entropy(n.sum(axis=1)) == pytest.approx(h_a, abs=1e-9)
    assert metrics.mutual_information(n) == pytest.approx(mi, abs=1e-9)
    assert metrics.conditional_entropy(n) == pytest.approx(h_ab - h_b, abs=1e-9)
    assert metrics.variation_of_information(n) == pytest.approx(2 * h_ab - h_a - h_b, abs=1e-9)
    expected_nmi = 1.0 if h_a + h_b == 0 else 2 * mi / (h_a + h_b)
    assert metrics.normalized_mutual_information(n) == pytest.approx(expected_nmi, abs=1e-9)


def test_per_region_metrics_by_hand() -> None:
    # region 0: 6 in b0, 2 in b1 (total 8); region 1: empty; region 2: 4 in b1
    n = np.array([[6.0, 2.0], [0.0, 0.0], [0.0, 4.0]])
    assert metrics.row_totals(n).tolist() == [8.0, 0.0, 4.0]
    assert metrics.best_match(n).tolist() == [0, -1, 1]
    c = metrics.containment(n)
    assert c[0] == 0.75 and np.isnan(c[1]) and c[2] == 1.0
    assert metrics.nested(n).tolist() == [False, False, True]
    assert metrics.nested(n, tolerance=0.75).tolist() == [True, False, True]
    assert metrics.splits(n).tolist() == [2, 0, 1]
    assert metrics.splits(n, min_piece=0.25).tolist() == [1, 0, 1]  # 2/8 is not above 0.25
    assert metrics.effective_parts(n)[0] == pytest.approx(1 / (0.75**2 + 0.25**2))
    h = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    assert metrics.row_entropy(n)[0] == pytest.approx(h)
    assert metrics.iou(n)[0, 1] == pytest.approx(2 / (8 + 6 - 2))
    assert metrics.mean_containment(n) == pytest.approx((6 + 4) / 12)
    assert metrics.nested_share(n) == pytest.approx(4 / 12)
    assert metrics.congruence(n) == pytest.approx((6 + 4 + 6 + 4) / 24)


def test_degenerate_tables() -> None:
    zero = np.zeros((2, 2))
    assert math.isnan(metrics.congruence(zero))
    assert math.isnan(metrics.adjusted_rand_index(zero))
    assert math.isnan(metrics.normalized_mutual_information(zero))
    one = np.array([[5.0]])
    assert metrics.adjusted_rand_index(one) == 1.0
    assert metrics.normalized_mutual_information(one) == 1.0
    assert metrics.variation_of_information(one) == 0.0
    # one division a single region, the other two halves: NMI 0, ARI 0
    halves = np.array([[1.0, 1.0]])
    assert metrics.normalized_mutual_information(halves) == 0.0
    assert metrics.adjusted_rand_index(halves) == 0.0


def test_docstring_examples() -> None:
    assert doctest.testmod(metrics).failed == 0
