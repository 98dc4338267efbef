"""The editor click's vectorised parts (issue 19, item 7) equal the plain formulas they replace,
on the real divisions and on divisions changed by random moves and new regions: P2's distances
(dense units x regions nearest table) and the region adjacency (sparse matrix product)."""

from __future__ import annotations

import random
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from geo.checks import CheckState, VerdictSettings, build_context
from geo.checks.context import nearest_by_label
from geo.checks.travel import _distances, location_labels
from geo.editing.parts import membership_rows, region_adjacency
from geo.errors import RegiokompasError
from geo.scenarios import edits


@pytest.fixture(scope="module")
def ctx(dataset):
    return build_context(dataset)


def _dense_distances(state: CheckState, level: str, division) -> tuple[np.ndarray, np.ndarray]:
    """P2's per-gemeente distance the long way: every unit x region nearest, then the
    share-weighted mean over the gemeente's SWVs (inf when one has no location)."""
    lt = state.ctx.travel[level]
    near = nearest_by_label(
        lt.group_dist, location_labels(state, level, division), division.n_regions
    )
    shares = division.shares_for(f"pupils_{level}")[:, : division.n_regions].toarray()
    weight = shares.sum(axis=1)
    with np.errstate(invalid="ignore"):
        values = np.where(shares > 0, near, 0.0)
        out = np.where(weight > 0, (values * shares).sum(axis=1) / np.maximum(weight, 1e-300), 0)
    inf_any = ((shares > 0) & np.isinf(near)).any(axis=1)
    return np.where(inf_any, np.inf, np.where(weight > 0, out, np.nan)), near


def _matrix_adjacency(division, adjacency) -> list[list[str]]:
    s = (division.shares[:, : division.n_regions] > 0).astype(float)
    touching = sp.triu(s.T @ adjacency @ s + s.T @ s, k=1).tocoo()
    codes = division.column_codes
    pairs = {(codes[i], codes[j]) for i, j in zip(touching.row, touching.col, strict=True)}
    return [[a, b] for a, b in sorted(pairs)]


def _walk(division, rng: random.Random, steps: int):
    """``division`` and its successors under random moves (every 4th into a new region)."""
    yield division
    units, n = list(division.units), 0
    while n < steps:
        unit, region = rng.choice(units), rng.choice(list(division.regions))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                division = (
                    edits.move(division, unit, f"NIEUW{n}", name="nieuw")
                    if n % 4 == 3
                    else edits.move(division, unit, region)
                )
        except RegiokompasError:
            continue
        n += 1
        yield division


@pytest.mark.parametrize(
    ("name", "level"), [("swv_po", "po"), ("swv_vo", "vo"), ("jeugdregio", "po")]
)
def test_sparse_distances_equal_the_dense_formula(ctx, dataset, name, level) -> None:
    state = CheckState(ctx, "t", {}, [], None, "", VerdictSettings(), ctx.bounds)  # type: ignore[arg-type]
    start = dataset.division(name).reindexed(ctx.units)
    for division in _walk(start, random.Random(11), 8):
        fast, nearest = _distances(state, level, division)
        slow, near = _dense_distances(state, level, division)
        assert np.allclose(fast, slow, rtol=1e-12, equal_nan=True)
        coo = nearest.tocoo()
        assert np.array_equal(near[coo.row, coo.col], coo.data)


@pytest.mark.parametrize("name", ["swv_po", "swv_vo", "provincie"])
def test_region_adjacency_equals_the_matrix_product(ctx, dataset, name) -> None:
    adjacency = ctx.contiguity.matrix(islands=True)
    start = dataset.division(name).reindexed(ctx.units)
    assert len(start.split_units()) > 0 or name == "provincie"
    for division in _walk(start, random.Random(5), 8):
        assert region_adjacency(division, adjacency) == _matrix_adjacency(division, adjacency)


def test_membership_rows_list_each_gemeentes_regions_largest_first(ctx, dataset) -> None:
    start = dataset.division("swv_po").reindexed(ctx.units)
    for division in _walk(start, random.Random(2), 4):
        rows = membership_rows(division)
        assignment = division.membership
        assert list(rows) == [str(u) for u in division.units]
        for unit, group in assignment[assignment["share"] > 0].groupby("unit"):
            want = sorted(zip(group["region"], group["share"], strict=True), key=lambda x: -x[1])
            got = rows[str(unit)]
            assert [r for r, _ in got] == [r for r, _ in want] or len(
                set(s for _, s in want)
            ) < len(want)
            assert sorted(got) == sorted((str(r), float(s)) for r, s in want)


def test_prefix_keys_hash_only_the_new_edits_and_equal_the_full_chain() -> None:
    from geo.editing import LiveEditor

    editor = LiveEditor.__new__(LiveEditor)  # only the key cache is used here
    editor._last_keys = None
    moves = [
        {"op": "move", "division": "swv_po", "unit": f"GM{i:04d}", "to": "PO2001"} for i in range(6)
    ]
    for n in (0, 2, 3, 6):
        assert editor._keys("c", moves[:n]) == LiveEditor.prefix_keys("c", moves[:n])
    changed = [moves[0], {**moves[1], "to": "PO2101"}, *moves[2:]]
    assert editor._keys("c", changed) == LiveEditor.prefix_keys("c", changed)
    assert editor._keys("c", changed)[2] != LiveEditor.prefix_keys("c", moves)[2]
    assert editor._keys("other", changed) == LiveEditor.prefix_keys("other", changed)
