"""Benchmark: single-unit move variants per second, incremental vs from scratch (real data).

Division swv_po against jeugdregio, weight pupils_po, all single-unit moves across a border
(queen adjacency of the 342 gemeenten, islands linked):

- incremental: ``MoveEvaluator.evaluate(moves)`` - all moves in one vectorised call, each move
  updating two rows of n_ab by the unit's row (GerryChain Tally-like);
- from scratch: for each move, a new share matrix with the unit moved, the full sparse product
  ``contingency`` and the congruence of the new table.

Both are measured in the same run; the script asserts they agree (1e-9) on every sampled move,
prints variants per second and the ratio, and ends with ``RESULT`` lines.

Run: ``.venv/bin/python benchmarks/variants.py``
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.adjacency import queen_adjacency
from geo.data.store import load_dataset
from geo.division import Division
from geo.overlap import MoveEvaluator, contingency, metrics

SCRATCH_SAMPLE = 300
"""Moves recomputed from scratch (the baseline is slow; a sample gives its rate)."""


def scratch_congruence(
    a: Division, columns: pd.Index, b: Division, weights: pd.Series, unit: str, to: str, frm: str
) -> float:
    """Congruence after one move, recomputed from a fresh division and a full sparse product."""
    i, f, t = a.units.get_loc(unit), columns.get_loc(frm), columns.get_loc(to)
    s = a.shares[i, f]
    delta = sp.csr_matrix(([-s, s], ([i, i], [f, t])), shape=a.shares.shape)
    shares = (a.shares + delta).tocsr()
    shares.eliminate_zeros()
    moved = Division(a.name, a.units, a.regions, a.region_names, shares, a.meta)
    return metrics.congruence(contingency(moved, b, weights).real)


def main() -> None:
    dataset = load_dataset()
    weights = dataset.weight("pupils_po")
    # the exact pupil shares of the split gemeenten (weight-specific shares, issue 11)
    a = dataset.division("swv_po").for_weight(weights.name)
    b = dataset.division("jeugdregio")
    adjacency, _ = queen_adjacency(dataset.units)

    start = time.perf_counter()
    evaluator = MoveEvaluator(a, b, weights)
    setup_s = time.perf_counter() - start
    moves = evaluator.border_moves(adjacency)

    times = []
    for _ in range(20):
        start = time.perf_counter()
        result = evaluator.evaluate(moves)
        times.append(time.perf_counter() - start)
    incremental_s = statistics.median(times)
    rate = len(moves) / incremental_s

    columns = a.columns
    sample = np.random.default_rng(0).choice(len(moves), SCRATCH_SAMPLE, replace=False)
    start = time.perf_counter()
    scratch = [
        scratch_congruence(
            a, columns, b, weights, result.at[k, "unit"], result.at[k, "to"], result.at[k, "from"]
        )
        for k in sample
    ]
    scratch_s = (time.perf_counter() - start) / SCRATCH_SAMPLE
    np.testing.assert_allclose(result["congruence"].to_numpy()[sample], scratch, rtol=0, atol=1e-9)

    best = result.sort_values("gain", ascending=False).iloc[0]
    threads = os.environ.get("OMP_NUM_THREADS", "default")
    print(
        f"swv_po vs jeugdregio, pupils_po, {len(a.units)} gemeenten, CPUs {os.cpu_count()}, "
        f"BLAS threads {threads}"
    )
    print(f"  border moves: {len(moves)}; current congruence {evaluator.congruence:.6f}")
    print(f"  best move: {best['unit']} {best['from']} -> {best['to']} gain {best['gain']:+.6f}")
    print(f"  set-up (table, maxima): {1e3 * setup_s:.2f} ms")
    print(
        f"  incremental: {1e3 * incremental_s:.3f} ms for all moves (median of 20) "
        f"= {rate:,.0f} variants/s"
    )
    print(
        f"  from scratch: {1e3 * scratch_s:.3f} ms per move ({SCRATCH_SAMPLE} sampled) "
        f"= {1 / scratch_s:,.0f} variants/s; results agree within 1e-9"
    )
    print(f"  speed-up: {rate * scratch_s:.0f}x")
    print(f"RESULT variants_per_second {rate:.0f} /s")
    print(f"RESULT variants_scratch_per_second {1 / scratch_s:.0f} /s")
    print(f"RESULT variants_speedup {rate * scratch_s:.0f} x")


if __name__ == "__main__":
    main()
