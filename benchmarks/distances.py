"""Benchmark: building the distance matrices of principle 2 (gemeenten x special-education
locations, PO and VO) under the travel models of :mod:`geo.checks.distance`.

Measured on the real data, same run:

* baseline: the straight line (``StraightLine``, the model before issue 19), numpy;
* ``water_model``: precomputing the water and the waypoints once per dataset (shapely 2);
* water-aware, cold: every pair tested against the water, routed where it leaves the land
  (what the first ``build_context`` of a dataset pays);
* water-aware, cached: the same matrices read back from the cache directory (every later
  process). ``RESULT`` lines in seconds; the load average is printed beside them.

    python benchmarks/distances.py
"""

from __future__ import annotations

import os
import time

import numpy as np

from geo.checks.distance import StraightLine, default_model
from geo.checks.locations import LEVELS, SPECIAL_TYPES, gemeente_points
from geo.data.store import load_dataset


def main() -> None:
    dataset = load_dataset()
    points, _ = gemeente_points(dataset.units)
    origins = np.c_[points.x, points.y]
    origin_units = np.asarray(points.index, dtype=object)
    schools = dataset.special_schools.to_crs(28992)
    schools = schools[schools["unit"].notna()]
    targets = {}
    for level in LEVELS:
        rows = schools[schools["type"].isin(SPECIAL_TYPES[level])]
        targets[level] = (
            np.c_[rows.geometry.x, rows.geometry.y],
            rows["unit"].astype(str).to_numpy(dtype=object),
        )

    t0 = time.perf_counter()
    straight = StraightLine()
    for level in LEVELS:
        straight.matrix(origins, targets[level][0])
    straight_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    model = default_model(dataset.units)
    build_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    routed = 0
    for level in LEVELS:
        model.model.distances(origins, targets[level][0], origin_units, targets[level][1])
        routed += model.model.stats["over_water"]
    cold_s = time.perf_counter() - t0

    for level in LEVELS:  # fill the cache (not timed)
        model.matrix(origins, targets[level][0], origin_units, targets[level][1])
    t0 = time.perf_counter()
    for level in LEVELS:
        model.matrix(origins, targets[level][0], origin_units, targets[level][1])
    cached_s = time.perf_counter() - t0

    pairs = sum(len(origins) * len(t[0]) for t in targets.values())
    print(f"{pairs:,} pairs (PO + VO), {routed:,} leave the land and are routed; "
          f"{len(model.model.nodes)} waypoints; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")  # fmt: skip
    print(f"RESULT distance_matrix_straight_s {straight_s:.3f} s")
    print(f"RESULT distance_water_model_build_s {build_s:.3f} s")
    print(f"RESULT distance_matrix_water_cold_s {cold_s:.3f} s")
    print(f"RESULT distance_matrix_water_cached_s {cached_s:.3f} s")


if __name__ == "__main__":
    main()
