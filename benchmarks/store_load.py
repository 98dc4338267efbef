"""Benchmark: loading the built store vs building the foundation from the sources.

Baseline (measured in the same run): ``geo.data.build.build_dataset`` on the real sources.
Targets: the store loads in well under a second; the build (PC4 layer included) stays under
30 s (issue 11).

    python benchmarks/store_load.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from geo import config
from geo.data import store
from geo.data.build import build_dataset


def main() -> None:
    data = config.data_dir()
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        t0 = time.perf_counter()
        dataset = build_dataset(data)
        build_s = time.perf_counter() - t0
        path = store.write_store(dataset, store.store_root(cache), store.fingerprint(data))
        loads = []
        for _ in range(5):
            t0 = time.perf_counter()
            store.read_store(path)
            loads.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        store.fingerprint(data)
        fingerprint_s = time.perf_counter() - t0
    load_s = statistics.median(loads)
    print(f"build from sources: {build_s:.2f} s")
    print(f"fingerprint sources: {fingerprint_s * 1000:.0f} ms")
    print(f"load store (median of 5): {load_s * 1000:.0f} ms")
    print(f"RESULT store_build_seconds {build_s:.2f} s")
    print(f"RESULT store_load_ms {load_s * 1000:.1f} ms")
    print(f"RESULT store_load_speedup {build_s / load_s:.1f} x")
    assert load_s + fingerprint_s < 1.0, "store load (incl. fingerprint) should be well under 1 s"


if __name__ == "__main__":
    main()
