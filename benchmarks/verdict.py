"""Benchmark: the full national verdict (geo.checks) after loading, as the map editor runs it.

Measured: ``verdict(ctx, divisions)`` with a context built once (``build_context``), for the
library scenarios and for an editor click (one gemeente moved to a neighbouring SWV in a
scenario with ``swv``). Baseline (same run): the same verdict without the precomputed context,
i.e. building the distance matrices, adjacency and baselines per call, as each caller did before
``geo.checks`` existed. Target: the full national verdict <= 100 ms after loading.

    python benchmarks/verdict.py
"""

from __future__ import annotations

import statistics
import time

from geo.checks import build_context, verdict
from geo.data.store import load_dataset
from geo.division import Division
from geo.scenarios import apply_scenario, load_scenario

SCENARIOS = ("huidig", "po_vo_samen", "swv_binnen_jeugdregio", "jeugdregio_41")
REPEATS = 7
TARGET_MS = 100.0


def median_ms(fn, repeats: int = REPEATS) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    dataset = load_dataset()
    t0 = time.perf_counter()
    ctx = build_context(dataset)
    context_ms = (time.perf_counter() - t0) * 1000
    applied = {name: apply_scenario(load_scenario(name), dataset) for name in SCENARIOS}
    for divisions in applied.values():  # first use of each jeugdregio division fills the cache
        verdict(ctx, divisions)
    results = {
        name: median_ms(lambda d=divisions: verdict(ctx, d)) for name, divisions in applied.items()
    }
    # an editor click: move one gemeente (Utrecht's neighbour De Bilt) to its neighbour's SWV
    base = applied["po_vo_samen"]
    swv = base["swv"].assignment()
    moved = swv.copy()
    moved["GM0310"] = swv["GM0344"]
    click = {**base, "swv": Division.from_assignment("swv", moved, units=swv.index)}
    results["editor_click"] = median_ms(lambda: verdict(ctx, click))
    baseline_ms = median_ms(lambda: verdict(build_context(dataset), applied["huidig"]), 3)
    for name, ms in results.items():
        print(f"verdict {name}: {ms:.1f} ms (median of {REPEATS})")
    print(f"context build (once): {context_ms:.0f} ms")
    print(f"baseline, context rebuilt per verdict (huidig): {baseline_ms:.0f} ms")
    worst = max(results.values())
    print(f"RESULT verdict_context_build_ms {context_ms:.0f} ms")
    for name, ms in results.items():
        print(f"RESULT verdict_{name}_ms {ms:.1f} ms")
    print(f"RESULT verdict_worst_ms {worst:.1f} ms")
    print(f"RESULT verdict_baseline_rebuild_ms {baseline_ms:.0f} ms")
    print(f"RESULT verdict_speedup {baseline_ms / results['huidig']:.1f} x")
    assert worst <= TARGET_MS, f"national verdict {worst:.1f} ms > {TARGET_MS} ms"


if __name__ == "__main__":
    main()
