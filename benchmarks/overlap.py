"""Benchmark: the overlap engine vs a plain geopandas overlay, swv_po x jeugdregio, real data.

Both sides compute the area-weighted table n_ab (km²) of the whole-unit assignments of the
342 gemeenten to the 76 PO SWVs and the 42 jeugdregio's:

- engine: ``geo.overlap.contingency`` (sparse product ``A.T @ diag(w) @ B``);
- baseline: dissolve the gemeenten by each assignment, ``geopandas.overlay(how="intersection")``,
  areas, pivot to a table.

Geometry is projected to EPSG:28992 and repaired once, outside the timing, for both. The script
asserts that both tables agree (1e-6 relative), prints timings and the ratio measured in the
same run, and ends with ``RESULT`` lines. ``overlap_score_ms`` is the full :func:`score` (every
metric of every region both ways, summary, notes; goal <= 1 ms); ``overlap_score_dict_ms`` adds
building the per-region objects and the JSON dict of ``regio score --json``.

Run: ``.venv/bin/python benchmarks/overlap.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import CRS_METRIC
from geo.data.store import load_dataset
from geo.division import Division
from geo.geometry.repair import repair
from geo.overlap import contingency, score


def timed(func: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Median wall time in seconds over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def geopandas_table(units: gpd.GeoDataFrame, a: pd.Series, b: pd.Series) -> pd.DataFrame:
    """The baseline: dissolve by each assignment, overlay, areas in km², pivot."""
    regions_a = units[["geometry"]].assign(a=a).dissolve(by="a").reset_index()
    regions_b = units[["geometry"]].assign(b=b).dissolve(by="b").reset_index()
    pieces = gpd.overlay(regions_a, regions_b, how="intersection", keep_geom_type=True)
    pieces["area"] = pieces.geometry.area / 1e6
    return pieces.pivot_table(index="a", columns="b", values="area", aggfunc="sum", fill_value=0.0)


def main() -> None:
    dataset = load_dataset()
    units, _ = repair(dataset.units.to_crs(CRS_METRIC).reset_index(), key="code", warn=False)
    units = units.set_index("code")
    assign_a = dataset.division("swv_po").assignment()
    assign_b = dataset.division("jeugdregio").assignment()
    a = Division.from_assignment("swv_po", assign_a, units=units.index)
    b = Division.from_assignment("jeugdregio", assign_b, units=units.index)
    area = pd.Series(shapely.area(units.geometry.to_numpy()) / 1e6, index=units.index)

    engine_s, table = timed(lambda: contingency(a, b, area), repeat=200)
    score_s, _ = timed(lambda: score(a, b, area, weight_name="area"), repeat=200)
    # the per-region objects and the JSON dict are built on first use: time them apart
    dict_s, _ = timed(lambda: score(a, b, area, weight_name="area").to_dict(), repeat=50)
    baseline_s, frame = timed(lambda: geopandas_table(units, assign_a, assign_b), repeat=3)

    engine = table.to_frame().iloc[:-1, :-1]
    baseline = frame.reindex(index=engine.index, columns=engine.columns, fill_value=0.0)
    np.testing.assert_allclose(
        baseline.to_numpy(), engine.to_numpy(), rtol=1e-6, atol=1e-9 * engine.to_numpy().sum()
    )
    pieces = int((engine.to_numpy() > 0).sum())
    diff = float(np.abs(baseline.to_numpy() - engine.to_numpy()).max())
    speedup = baseline_s / engine_s
    print(f"swv_po x jeugdregio, area weights, {len(units)} gemeenten, {pieces} pieces")
    print(f"  engine   contingency (sparse product): {1e3 * engine_s:9.3f} ms (median of 200)")
    print(f"  engine   full score (all metrics)    : {1e3 * score_s:9.3f} ms (median of 200)")
    print(f"  engine   score + to_dict (JSON)      : {1e3 * dict_s:9.3f} ms (median of 50)")
    print(f"  geopandas dissolve + overlay + areas : {1e3 * baseline_s:9.3f} ms (median of 3)")
    print(f"  tables agree: max |diff| = {diff:.3g} km² (rtol 1e-6)")
    print(f"  speed-up contingency: {speedup:.1f}x, full score: {baseline_s / score_s:.1f}x")
    print(f"RESULT overlap_speedup {speedup:.1f} x")
    print(f"RESULT overlap_score_speedup {baseline_s / score_s:.1f} x")
    print(f"RESULT overlap_engine_ms {1e3 * engine_s:.4f} ms")
    print(f"RESULT overlap_score_ms {1e3 * score_s:.3f} ms")
    print(f"RESULT overlap_score_dict_ms {1e3 * dict_s:.3f} ms")
    print(f"RESULT overlap_geopandas_ms {1e3 * baseline_s:.1f} ms")


if __name__ == "__main__":
    main()
