"""Benchmark of options jobs through the API: the proposal's mark computed once, then shared.

Builds (or reuses, ``--space DIR``) the space of today's 42 jeugdregio's on the real data, makes
the app over the real dataset and starts options jobs with ``POST /api/options`` as a signed-in
planner, each timed from the request to ``done``:

1. the baseline, measured in this run: the first job on an empty cache of proposal marks, which
   solves the national proposal (CP-SAT per jeugdregio, the space's settings) for the chart;
2. a second job with another K and one jeugdregio's number of SWVs fixed: the same data, space
   and settings, so it takes the first job's mark (:mod:`api.compute.proposal_marks`);
3. a third job after the cache was emptied: the baseline again (how much the first varies).

The jobs' marks must be equal (the script stops otherwise), and the second must say it took the
cached mark. Ends with ``RESULT`` lines: ``options_job_first_seconds`` (baseline),
``options_job_cached_seconds``, ``options_job_uncached_again_seconds``, the speed-up of the
cached job over the mean of the two uncached ones, and the cache's size in bytes.
Run: ``.venv/bin/python benchmarks/options_jobs.py [--space DIR]`` (about a minute on 2 cores,
plus the space build when not given).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.safety.auth.bootstrap import add_user  # noqa: E402
from api.safety.limits import Limits  # noqa: E402
from fixtures.accounts import bearer  # noqa: E402
from geo.data.store import load_dataset  # noqa: E402


def run_job(client: TestClient, app, headers: dict, body: dict) -> tuple[float, dict]:
    """Start one options job and wait for it; (seconds from the request to done, result)."""
    start = time.perf_counter()
    r = client.post("/api/options", json=body, headers=headers)
    assert r.status_code == 202, r.text
    job = app.state.regio.jobs.wait(r.json()["job_id"], timeout=1800)
    seconds = time.perf_counter() - start
    assert job.status == "done", job.error
    return seconds, job.result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", help="an existing space of today's 42 jeugdregio's")
    args = parser.parse_args()
    dataset = load_dataset()
    tmp = Path(tempfile.mkdtemp(prefix="bench-options-"))
    if args.space:
        space = Path(args.space)
    else:
        from geo.space.build import build_space

        space = tmp / "space"
        start = time.perf_counter()
        build_space(dataset, space, scheduler="synchronous")
        print(f"space built in {time.perf_counter() - start:.1f} s: {space}")
    os.environ["REGIOKOMPAS_SPACE"] = str(space)
    limits = Limits(rate_writes="100000/minute", rate_reads="100000/minute")
    app = create_app(dataset, tmp / "state", library_dir=None, limits=limits)
    store = app.state.regio.store
    add_user(store, "planner", "the planner's long password")
    headers = bearer(store, "planner")
    client = TestClient(app)
    from api.routers.options import manifest_counts

    table = manifest_counts(str(space))
    fixed_code = next(c for c, row in sorted(table.items()) if len(row["swvs"]) > 1)
    fixed = {fixed_code: max(table[fixed_code]["swvs"])}

    first, r1 = run_job(client, app, headers, {"k": 5})
    cached, r2 = run_job(client, app, headers, {"k": 3, "fixed_swvs": fixed})
    marks = app.state.regio.proposal_marks
    size = marks.bytes
    marks.clear()
    again, r3 = run_job(client, app, headers, {"k": 5})
    assert (r1["proposal_cached"], r2["proposal_cached"], r3["proposal_cached"]) == (
        False,
        True,
        False,
    )
    assert r2["marks"]["proposal"] == r1["marks"]["proposal"], (r1["marks"], r2["marks"])
    print(f"proposal mark: {r1['marks']['proposal']}; fixed in job 2: {fixed}")
    print(f"RESULT options_job_first_seconds {first:.2f} s (baseline: solves the proposal)")
    print(f"RESULT options_job_cached_seconds {cached:.2f} s")
    print(f"RESULT options_job_uncached_again_seconds {again:.2f} s")
    print(f"RESULT options_job_cached_speedup {(first + again) / 2 / cached:.1f} x")
    print(f"RESULT options_mark_cache_bytes {size} B")
    store.close()
    app.state.regio.jobs.shutdown()


if __name__ == "__main__":
    main()
