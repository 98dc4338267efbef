"""region_parts (per-region, memoised contiguity) gives exactly the parts of swv_parts."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from geo.checks.shape import region_parts, swv_parts


def _parts_from_nodes(nodes: np.ndarray, per_region: np.ndarray) -> dict[int, set[frozenset]]:
    out = {}
    for j in np.flatnonzero(per_region > 1):
        mine = nodes[nodes[:, 1] == j]
        out[int(j)] = {frozenset(mine[mine[:, 2] == c, 0].tolist()) for c in np.unique(mine[:, 2])}
    return out


def test_region_parts_equals_swv_parts_on_random_graphs() -> None:
    rng = np.random.default_rng(3)
    for _ in range(40):
        n, k = 30, 6
        a = np.triu(rng.random((n, n)) < 0.08, 1)
        graph = sp.csr_matrix((a | a.T).astype(np.int8))
        shares = np.zeros((n, k))
        shares[np.arange(n), rng.integers(0, k, n)] = 1.0
        split = rng.integers(0, n, 4)  # a few gemeenten split over two regions
        shares[split, rng.integers(0, k, 4)] = 0.5
        m = sp.csr_matrix(shares)
        expected = _parts_from_nodes(*swv_parts(graph, m))
        memo: dict = {}  # one memo per graph
        for _ in range(2):  # the second call answers from the memo
            got = {
                j: {frozenset(p.tolist()) for p in parts}
                for j, parts in region_parts(graph, m, memo)
            }
            assert got == expected
