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

3. ``evaluate`` (issue 16, F2; a real ``regio serve``, anonymous attacker): the editor-evaluate
   attacks, each timed from request to answer: 10 chained ``split_by`` (the issue: 35 s), an
   assign plus self-splits through copies (+4-5 GB), 1,000 ``split_by`` (307 CPU-s with the
   client gone), 70 distinct ~180 KB requests (1.5 -> 3.4 GB); 200 slow valid splits left
   after 3 s (CPU the server spends after the client left); the server's peak memory growth
   (VmHWM) over all of them. Baseline in the same run: applying the first 5 of the 10 chained
   splits without any budget (in-process, what the server did before).
4. ``throughput``: a 30 s mixed load (4 signed-in clients: divisions, scores, a cached map
   page, an editor click, the scenario list) on a real server, once alone and once while 4
   anonymous attackers send the evaluate attacks in a loop (again after a 429); goal: >= 80%.
   ``regio serve`` runs evaluations in worker processes (``REGIOKOMPAS_EVALUATION_WORKERS``,
   default 4; ``BENCH_REGIOKOMPAS_EVALUATION_WORKERS=0`` measures them in server threads, as
   before): the server's CPU time and memory are those of its whole process tree (workers
   included; memory as the sum of proportional set sizes, sampled every 50 ms).

Prints ``RESULT`` lines: ``abuse_refuse_10k_moves``, ``abuse_refuse_300_copies``,
``abuse_refuse_270k_regions`` (s, goal < 1), ``abuse_apply_10k_moves_before`` (s, baseline),
``abuse_memory_growth`` and ``abuse_memory_growth_entries_only`` (MB, goal < 200),
``abuse_evaluate_refuse_*`` (s), ``abuse_evaluate_abandoned_cpu`` (CPU-s after the client
left), ``abuse_evaluate_peak_growth`` (MB), ``abuse_apply_5_chained_splits_unbounded`` (s,
baseline), ``abuse_load_throughput``, ``abuse_load_throughput_under_attack`` (requests/s) and
``abuse_load_throughput_ratio`` (%, goal >= 80).
Run: ``.venv/bin/python benchmarks/abuse.py [--requests 1000] [--phase evaluate]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402

from api.app import create_app  # noqa: E402
from api.safety.limits import Limits  # noqa: E402
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
    from api.storage.store import open_store
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


# ---------------------------------------------------------------------- issue 16, F2
def seed_load_user(state: Path) -> dict[str, str]:
    """A planner with an API token in ``state`` (the load signs in: its evaluations count for
    that user, the attackers' for their address)."""
    from api.storage.store import open_store
    from fixtures.accounts import bearer
    from geo.config import SCENARIO_LIBRARY

    store = open_store(state, library_dir=SCENARIO_LIBRARY)
    try:
        return bearer(store, "bench")
    finally:
        store.close()


def attack_bodies(dataset: Any, distinct: int) -> list[tuple[str, dict[str, Any]]]:
    from fixtures.evaluate_attacks import chained_splits, distinct_large, many_splits, self_splits

    bodies = [
        ("chained_splits", chained_splits(10)),
        ("self_splits", self_splits(dataset)),
        ("1000_splits", many_splits(1000)),
    ]
    return bodies + [("distinct", distinct_large(dataset, i)) for i in range(distinct)]


def evaluate_attacks(server: Any, dataset: Any) -> None:
    """Phase 3: time to refuse each attack, CPU after an abandoned one, peak memory."""
    from fixtures.evaluate_attacks import chained_splits, many_splits
    from fixtures.live_server import post_and_leave, post_json
    from geo.scenarios import apply_scenario, parse_scenario

    path = "/api/scenarios/huidig/evaluate"
    server.reset_peak()
    start_mb = server.rss_mb()
    for name, body in attack_bodies(dataset, 0):
        times, status, detail = [], 0, ""
        for _ in range(3):  # the first is cold; the repeats find the applied prefixes cached
            status, answer, seconds = post_json(server, path, body)
            times.append(seconds)
            detail = str(answer.get("detail", ""))[:90]
        print(f"{name}: {status} {detail}; times (s) {', '.join(f'{t:.3f}' for t in times)}")
        print(f"RESULT abuse_evaluate_refuse_{name} {times[0]:.3f} s")
    statuses: dict[int, int] = {}
    began = time.perf_counter()
    for _, body in attack_bodies(dataset, 70)[3:]:
        status, _, _ = post_json(server, path, body)
        statuses[status] = statuses.get(status, 0) + 1
    print(f"70 distinct ~180 KB requests: {statuses} in {time.perf_counter() - began:.1f} s")
    before = server.cpu_seconds()
    post_and_leave(server, path, many_splits(200), after=3.0)
    time.sleep(1.5)
    settled = server.cpu_seconds()
    time.sleep(5.0)
    after = server.cpu_seconds()
    print(f"200 splits left after 3 s: {settled - before:.2f} CPU-s until 1.5 s after, then "
          f"{after - settled:.2f} CPU-s in 5 s")  # fmt: skip
    print(f"RESULT abuse_evaluate_abandoned_cpu {after - settled:.2f} s")
    peak = server.peak_mb()
    print(f"server RSS {start_mb:.0f} MB -> peak {peak:.0f} MB")
    print(f"RESULT abuse_evaluate_peak_growth {peak - start_mb:.0f} MB")
    doc = parse_scenario({"name": "x", "description": "x", "edits": chained_splits(5)["edits"]})
    began = time.perf_counter()
    out = apply_scenario(doc, dataset)
    seconds = time.perf_counter() - began
    print(f"baseline: 5 chained splits without a budget: {seconds:.1f} s, "
          f"{out['swv_po'].n_regions} regions")  # fmt: skip
    print(f"RESULT abuse_apply_5_chained_splits_unbounded {seconds:.2f} s")


def mixed_load(server: Any, headers: dict[str, str], seconds: float, clients: int = 4) -> float:
    """Requests per second of ``clients`` threads sending the mixed load for ``seconds``."""
    import http.client
    import threading

    click = {
        "edits": [{"op": "rename", "division": "swv_po", "region": "PO2001", "name": "x"}],
        "division": "swv_po",
    }
    plan = [
        ("GET", "/api/divisions", None),
        ("GET", "/api/scores?scenario=huidig&division=swv_po&against=jeugdregio", None),
        ("GET", "/maps/huidig", None),
        ("POST", "/api/scenarios/huidig/evaluate", json.dumps(click).encode()),
        ("GET", "/api/scenarios", None),
    ]
    done = [0] * clients
    failed = [0] * clients
    other: dict[str, int] = {}
    stop = time.monotonic() + seconds

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        i = k
        while time.monotonic() < stop:
            method, url, body = plan[i % len(plan)]
            i += 1
            extra = {"Content-Type": "application/json"} if body else {}
            try:
                conn.request(method, url, body, {**headers, **extra})
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                failed[k] += 1
                continue
            if response.status == 200:
                done[k] += 1
            else:
                failed[k] += 1
                key = f"{method} {url.split('?')[0]} {response.status}"
                other[key] = other.get(key, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"  {sum(done)} answered 200, {sum(failed)} other ({other}) in {seconds:.0f} s")
    return sum(done) / seconds


def throughput(server: Any, dataset: Any, headers: dict[str, str], seconds: float) -> None:
    """Phase 4: the mixed load alone, then with 4 attackers looping over the attacks."""

    mixed_load(server, headers, 5.0)  # warm up: every cache of the load filled
    cpu = server.cpu_seconds()
    alone = mixed_load(server, headers, seconds)
    print(f"  server CPU {server.cpu_seconds() - cpu:.1f} s in the {seconds:.0f} s alone")
    print(f"RESULT abuse_load_throughput {alone:.1f} req/s")
    command = [sys.executable, __file__, "--phase", "attackers", "--port", str(server.port)]
    attackers = subprocess.Popen(  # another process: its own interpreter, like a real attacker
        [*command, "--seconds", str(seconds + 3)], stdout=subprocess.PIPE, text=True
    )
    assert attackers.stdout is not None and attackers.stdout.readline().strip() == "ready"
    time.sleep(1.0)
    cpu = server.cpu_seconds()
    under = mixed_load(server, headers, seconds)
    print(f"  server CPU {server.cpu_seconds() - cpu:.1f} s in the {seconds:.0f} s under attack")
    out, _ = attackers.communicate(timeout=300)
    print(f"  attackers' answers: {out.strip()}")
    print(f"RESULT abuse_load_throughput_under_attack {under:.1f} req/s")
    print(f"RESULT abuse_load_throughput_ratio {100 * under / alone:.0f} %")


def attackers(dataset: Any, port: int, seconds: float, clients: int = 4) -> None:
    """Phase 4's attackers (run in their own process): ``clients`` anonymous threads, each
    keeping one attack request in flight (again 0.1 s after a 429); one in five is a request
    of 200 slow splits abandoned after a second. Prints the answers' statuses."""
    import threading

    from fixtures.evaluate_attacks import many_splits
    from fixtures.live_server import Server, post_and_leave, post_json

    server = Server(f"http://127.0.0.1:{port}", 0)
    path = "/api/scenarios/huidig/evaluate"
    bodies = [json.dumps(b).encode() for _, b in attack_bodies(dataset, 8)]
    leave = many_splits(200)
    print("ready", flush=True)
    stop = time.monotonic() + seconds
    counts: dict[int, int] = {}

    def attacker(k: int) -> None:
        i = k
        while time.monotonic() < stop:
            i += 1
            if i % 5 == 4:
                post_and_leave(server, path, leave, 1.0)
                continue
            status, _, _ = post_json(server, path, bodies[i % len(bodies)])
            counts[status] = counts.get(status, 0) + 1
            if status == 429:
                time.sleep(0.1)

    threads = [threading.Thread(target=attacker, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(dict(sorted(counts.items())))


def evaluate_phase(dataset: Any, seconds: float, skip_attacks: bool = False) -> None:
    from fixtures.live_server import serve

    with tempfile.TemporaryDirectory() as folder:
        state = Path(folder)
        headers = seed_load_user(state)
        env = {"REGIOKOMPAS_RATE_READS": "10000000/minute", "REGIOKOMPAS_RATE_WRITES":
               "10000000/minute"}  # fmt: skip
        env.update({k: v for k, v in os.environ.items() if k.startswith("BENCH_REGIOKOMPAS_")})
        env = {k.removeprefix("BENCH_"): v for k, v in env.items()}
        with serve(state, state / "serve.log", env) as server:
            from fixtures.live_server import post_json

            post_json(server, "/api/scenarios/huidig/evaluate", {"edits": []}, timeout=300)
            if not skip_attacks:
                evaluate_attacks(server, dataset)
            throughput(server, dataset, headers, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--phase",
        choices=["all", "refuse", "memory", "memory-entries-only", "evaluate", "attackers"],
    )
    parser.add_argument("--port", type=int, default=0, help="the server (phase attackers)")
    parser.add_argument("--seconds", type=float, default=30.0, help="each load run (phase 4)")
    args = parser.parse_args()
    phase = args.phase or "all"
    if phase == "all":
        for sub in ("refuse", "memory", "memory-entries-only", "evaluate"):
            command = [sys.executable, __file__, "--phase", sub, "--requests", str(args.requests)]
            subprocess.run([*command, "--seconds", str(args.seconds)], check=True)
        return
    from geo.data.store import load_dataset

    dataset = load_dataset(None)
    if phase == "attackers":
        attackers(dataset, args.port, args.seconds)
    elif phase == "evaluate":
        evaluate_phase(dataset, args.seconds, os.environ.get("BENCH_SKIP_ATTACKS") == "1")
    elif phase == "refuse":
        refuse_phase(dataset)
    else:
        memory_phase(dataset, args.requests, entries_only=phase == "memory-entries-only")


if __name__ == "__main__":
    main()
