"""Abuse benchmark: the issue's stalling requests are refused fast, memory stays bounded.

Phases (each app over the real data, in-process through Starlette's test client; the rate
limits are lifted so that the other limits are what is measured):

1. ``refuse``: the issue's documents, timed from request to answer:
   - 10,000 ``move`` edits (740 KB; the issue measured 244 s to store it) -> 413;
   - 300 ``copy`` edits (the issue's 23 MB map page) -> 413;
   - a CSV of 270,000 regions (3.3 MB; the issue's became 271,895 regions) -> 413.
   Each is timed 5 times (median reported). Baseline in the same run: applying the first 100
   of the 10,000 moves directly (``geo.scenarios.apply_scenario``, what storing them cost
   before), extrapolated to 10,000.
2. ``memory``: 1,000 requests with distinct parameters (score queries with a fresh
   ``tolerance`` each on the library scenarios and on a 3,420-region scenario stored before the
   limits existed, plus map pages of distinct division/against/weight combinations); the
   process's resident memory (VmRSS) after warming up and at its highest. Baseline in the same
   run: the same 1,000 requests against an app whose caches are bounded by entries only (the
   old behaviour). Each memory run is its own subprocess, so the two do not share memory.

Prints ``RESULT`` lines: ``abuse_refuse_10k_moves``, ``abuse_refuse_300_copies``,
``abuse_refuse_270k_regions`` (s, goal < 1), ``abuse_apply_10k_moves_before`` (s, baseline),
``abuse_memory_growth`` and ``abuse_memory_growth_entries_only`` (MB, goal < 200).
Run: ``.venv/bin/python benchmarks/abuse.py [--requests 1000]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.limits import Limits  # noqa: E402
from fixtures.hostile import back_and_forth_moves  # noqa: E402
from geo.dataset import WEIGHTS  # noqa: E402

try:  # accounts (issue 9 part A): writes need a user
    from fixtures.accounts import sign_in
except ImportError:  # before accounts landed
    sign_in = None

UNLIMITED_RATES = {"rate_writes": "10000000/minute", "rate_reads": "10000000/minute"}
BIG_REGIONS_PER_UNIT = 10
"""The pre-limits scenario splits every gemeente over this many regions (3,420 regions)."""


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def client_for(app: Any) -> TestClient:
    client = TestClient(app)
    return sign_in(client, "bench") if sign_in is not None else client


def move_edits(dataset: Any, n: int) -> list[dict[str, str]]:
    return back_and_forth_moves(dataset, n)


REPEATS = 5
"""Each refusal is timed this many times; the median is reported (the box is shared)."""


def timed(call: Any) -> tuple[float, Any]:
    """Median seconds of :data:`REPEATS` calls and the last result."""
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - start)
    times.sort()
    print(f"  times (s): {', '.join(f'{t:.3f}' for t in times)}")
    return times[len(times) // 2], result


def refuse_phase(dataset: Any) -> None:
    from geo.scenarios import apply_scenario, parse_scenario

    with tempfile.TemporaryDirectory() as state:
        app = create_app(dataset, state, limits=Limits(**UNLIMITED_RATES))
        client = client_for(app)
        client.get("/api/scenarios")  # warm up the app
        moves = {"name": "stall", "description": "10k moves", "edits": move_edits(dataset, 10_000)}
        print(f"10,000 moves: {len(json.dumps(moves)) / 1024:.0f} KB")
        seconds, response = timed(lambda: client.post("/api/scenarios", json=moves))
        print(f"  -> {response.status_code} {response.json()['detail'][:100]}")
        assert response.status_code == 413
        print(f"RESULT abuse_refuse_10k_moves {seconds:.3f} s")

        copies = {
            "name": "wide",
            "description": "300 copies",
            "edits": [
                {"op": "copy", "division": f"c{i}", "from": "jeugdregio"} for i in range(300)
            ],
        }
        seconds, response = timed(lambda: client.post("/api/scenarios", json=copies))
        print(f"300 copies -> {response.status_code} {response.json()['detail'][:100]}")
        assert response.status_code == 413
        print(f"RESULT abuse_refuse_300_copies {seconds:.3f} s")

        rows = "".join(f"{363 + (i % 2)},r{i}\n" for i in range(270_000))
        data = ("unit,region\n" + rows).encode()
        print(f"270,000-region CSV: {len(data) / 1e6:.1f} MB")
        seconds, response = timed(
            lambda: client.post(
                "/api/scenarios/import",
                files={"file": ("regions.csv", data)},
                data={"name": "many", "division": "swv_po"},
            )
        )
        print(f"  -> {response.status_code} {response.json()['detail'][:100]}")
        assert response.status_code == 413
        print(f"RESULT abuse_refuse_270k_regions {seconds:.3f} s")

        sample = {"name": "sample", "description": "d", "edits": move_edits(dataset, 100)}
        start = time.perf_counter()
        apply_scenario(parse_scenario(sample), dataset)
        seconds = time.perf_counter() - start
        print(f"baseline: applying 100 moves took {seconds:.2f} s (as storing did before)")
        print(f"RESULT abuse_apply_10k_moves_before {seconds * 100:.1f} s")


def big_document(dataset: Any) -> dict[str, Any]:
    """A scenario of 3,420 regions, as could have been stored before the limits existed."""
    units = [str(u) for u in dataset.divisions["swv_po"].units]
    k = BIG_REGIONS_PER_UNIT
    rows = [
        {"unit": u, "region": f"R{i}_{j}", "share": 1 / k}
        for i, u in enumerate(units)
        for j in range(k)
    ]
    edit = {"op": "assign", "division": "swv_po", "membership": rows}
    return {"name": "big-before-limits", "description": "stored before limits", "edits": [edit]}


def request_plan(n: int, big_every: int = 25, map_every: int = 20) -> list[str]:
    """``n`` GET URLs, no two alike: scores with a fresh tolerance, some on the big scenario,
    some map pages."""
    scenarios = ["huidig", "po_vo_samen", "swv_binnen_jeugdregio", "jeugdregio_41"]
    weights = list(WEIGHTS)
    divisions = ["swv_po", "swv_vo"]
    maps = [
        f"/maps/{s}?division={d}&against={a}&weight={w}"
        for s in scenarios
        for d in divisions
        for a in ("jeugdregio", "provincie")
        for w in weights
    ]
    urls: list[str] = []
    for i in range(n):
        tolerance = 0.5 + 0.5 * (i + 1) / (n + 1)
        if i % map_every == map_every - 1 and maps:
            urls.append(maps.pop(0))
        elif i % big_every == 0:
            urls.append(
                f"/api/scores?scenario=big-before-limits&division=swv_po&against=jeugdregio"
                f"&weight=inhabitants&tolerance={tolerance:.6f}"
            )
        else:
            s = scenarios[i % len(scenarios)]
            d = divisions[i % 2]
            w = weights[i % len(weights)]
            urls.append(
                f"/api/scores?scenario={s}&division={d}&against=jeugdregio&weight={w}"
                f"&tolerance={tolerance:.6f}"
            )
    assert len(set(urls)) == len(urls)
    return urls


def memory_phase(dataset: Any, requests: int, entries_only: bool) -> None:
    from api.storage import open_store
    from geo.config import SCENARIO_LIBRARY

    limits = Limits(**UNLIMITED_RATES)
    if entries_only:  # the old behaviour: caches bounded by entries only
        huge = 1 << 50
        limits = dataclasses.replace(limits, cache_bytes=huge, page_cache_bytes=huge)
    with tempfile.TemporaryDirectory() as state:
        store = open_store(state, library_dir=SCENARIO_LIBRARY)
        store.save("big-before-limits", big_document(dataset), source="user")
        store.close()
        app = create_app(dataset, state, limits=limits)
        client = client_for(app)
        for url in ("/api/scores?scenario=huidig", "/maps/huidig", "/api/scores"):
            client.get(url)  # warm up: dataset views, map geometry, the library
        start = peak = rss_mb()
        statuses: dict[int, int] = {}
        began = time.perf_counter()
        for i, url in enumerate(request_plan(requests)):
            status = client.get(url).status_code
            statuses[status] = statuses.get(status, 0) + 1
            if i % 10 == 0:
                peak = max(peak, rss_mb())
        peak = max(peak, rss_mb())
        seconds = time.perf_counter() - began
        label = "entries only" if entries_only else "bytes-bounded"
        cached = app.state.regio.cache.bytes / 1e6
        print(
            f"{label}: {requests} requests in {seconds:.0f} s, statuses {statuses}, "
            f"RSS {start:.0f} MB -> peak {peak:.0f} MB, evaluation cache {cached:.0f} MB"
        )
        name = "abuse_memory_growth_entries_only" if entries_only else "abuse_memory_growth"
        print(f"RESULT {name} {peak - start:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--phase", choices=["all", "refuse", "memory", "memory-entries-only"])
    args = parser.parse_args()
    phase = args.phase or "all"
    if phase == "all":
        for sub in ("refuse", "memory", "memory-entries-only"):
            command = [sys.executable, __file__, "--phase", sub, "--requests", str(args.requests)]
            subprocess.run(command, check=True)
        return
    from geo.data.store import load_dataset

    dataset = load_dataset(None)
    if phase == "refuse":
        refuse_phase(dataset)
    else:
        memory_phase(dataset, args.requests, entries_only=phase == "memory-entries-only")


if __name__ == "__main__":
    main()
