"""Load test of ``GET /api/scores``: 50 concurrent loopback clients against ``regio serve``.

Starts ``regio serve`` as a subprocess on a free loopback port with a temporary state dir, warms
the score cache with one request per query combination (those cold times are printed), then
runs ``--clients`` closed-loop clients for ``--duration`` seconds (at most ``--max-requests``
requests in all, 10 s timeout each) cycling over a few combinations of division, against,
weight and scenario. Each client keeps one HTTP/1.1 keep-alive connection and speaks plain
HTTP over asyncio streams, so the client adds as little CPU as possible to the 2-core box.

Baselines, measured in the same run: (1) the same requests computed uncached in-process (apply
the scenario, score, serialise), i.e. what one request costs without the evaluation cache, and
(2) a short load phase (``--baseline-duration``) with the same clients where every request has a
never-seen ``tolerance`` (0.99 + a unique tiny offset), so every request misses the cache and the
server scores it afresh: the uncached p50 under the same load, divided by the cached p50.

Authentication is on: every request carries ``Authorization: Bearer <token>`` of a planner, so
it goes through the access policy (token lookup, scenario visibility) and never through the
anonymous repeat-cache shortcut; one of the queries is the planner's own *private* scenario.
A shorter anonymous phase with the same clients (no token, no private scenario) is measured in
the same run as the comparison (``scores_anonymous_p95``).

Prints p50/p95/p99/max latency, throughput, errors, and ends with ``RESULT`` lines:
``scores_p50``, ``scores_p95``, ``scores_errors``, plus the baselines and their ratio.
Run: ``.venv/bin/python benchmarks/api_load.py [--clients 50 --duration 30]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repo's fixtures/

from api.compute.cache import EvaluationCache  # noqa: E402
from api.compute.evaluator import ScenarioEvaluator  # noqa: E402
from api.storage.store import open_store  # noqa: E402
from fixtures.accounts import seed_token  # noqa: E402
from fixtures.server import start_server  # noqa: E402
from geo.data.store import load_dataset  # noqa: E402

QUERIES: list[dict[str, str]] = [
    {"division": "swv_po", "against": "jeugdregio", "weight": "area", "scenario": "huidig"},
    {"division": "swv_vo", "against": "jeugdregio", "weight": "pupils_vo", "scenario": "huidig"},
    {"division": "swv_po", "against": "jeugdregio", "weight": "pupils_po",
     "scenario": "swv_binnen_jeugdregio"},
    {"division": "swv_po", "against": "swv_vo", "weight": "inhabitants",
     "scenario": "po_vo_samen"},
    {"division": "swv_vo", "against": "jeugdregio", "weight": "inhabitants",
     "scenario": "jeugdregio_41"},
    {"division": "swv_po", "against": "jeugdregio", "weight": "inhabitants_0_15"},
    {"division": "swv_vo", "against": "jeugdregio", "weight": "pupils_vo", "scenario": "mijn-plan"},
]  # fmt: skip
PRIVATE = "mijn-plan"
"""The planner's private scenario (a copy of swv_binnen_jeugdregio) among the queries."""
AUTH: dict[str, str] = {}
"""The ``Authorization`` header every client sends (empty: anonymous)."""


def path_of(query: dict[str, str]) -> str:
    return f"/api/scores?{urlencode(query)}"


async def fetch(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, port: int
) -> tuple[int, bytes]:
    """One keep-alive GET; returns (status, body)."""
    auth = "".join(f"{k}: {v}\r\n" for k, v in AUTH.items())
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n{auth}\r\n"
    )
    writer.write(request.encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = next(
        int(line.split(":", 1)[1])
        for line in lines[1:]
        if line.lower().startswith("content-length:")
    )
    body = await reader.readexactly(length)
    return status, body


async def client(
    k: int,
    port: int,
    until: float,
    budget: list[int],
    latencies: list[float],
    errors: list[str],
    uncached: bool = False,
    queries: list[dict[str, str]] = QUERIES,
) -> None:
    """One closed-loop client: request, wait for the answer, next request."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = k
    try:
        while time.perf_counter() < until and budget[0] > 0:
            budget[0] -= 1
            query = queries[i % len(queries)]
            if uncached:  # a tolerance never asked before: the server must score afresh
                query = {**query, "tolerance": f"{0.99 + (k * 100_000 + i) * 1e-12:.15f}"}
            path = path_of(query)
            i += 1
            start = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(fetch(reader, writer, path, port), 10.0)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            latencies.append(time.perf_counter() - start)
            if status != 200 or not body.startswith(b'{"division"'):
                errors.append(f"HTTP {status}: {body[:120]!r}")
    finally:
        writer.close()


async def load(
    port: int,
    clients: int,
    duration: float,
    max_requests: int,
    uncached: bool = False,
    queries: list[dict[str, str]] = QUERIES,
):
    latencies: list[float] = []
    errors: list[str] = []
    budget = [max_requests]
    start = time.perf_counter()
    until = start + duration
    await asyncio.gather(
        *(
            client(k, port, until, budget, latencies, errors, uncached, queries)
            for k in range(clients)
        )
    )
    return latencies, errors, time.perf_counter() - start


def private_document() -> dict:
    """The private scenario's document: the library's swv_binnen_jeugdregio under a new name."""
    from api.storage.store import library_documents

    return {**library_documents()["swv_binnen_jeugdregio"], "name": PRIVATE}


def baseline_ms(repeats: int = 3) -> float:
    """Median in-process time of one uncached score request (apply scenario, score, JSON)."""
    ds = load_dataset()
    store = open_store(tempfile.mkdtemp(prefix="regio-bench-"))
    store.save(PRIVATE, private_document(), owner="planner")
    times = []
    for _ in range(repeats):
        for q in QUERIES:
            evaluator = ScenarioEvaluator(ds, store, EvaluationCache())  # empty cache every time
            t = time.perf_counter()
            result = evaluator.score(q.get("scenario"), q["division"], q["against"], q["weight"])
            json.dumps(result, ensure_ascii=False).encode()
            times.append(time.perf_counter() - t)
    store.close()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--max-requests", type=int, default=300_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--baseline-duration", type=float, default=5.0)
    parser.add_argument("--anonymous-duration", type=float, default=10.0)
    args = parser.parse_args()

    base = baseline_ms()
    state = Path(tempfile.mkdtemp(prefix="regio-load-")) / "state"
    token = seed_token(state, "planner")
    # all clients share one loopback address: the per-client rate limits would turn the load
    # into 429s, so they are lifted here (they are tested in tests/attacks/test_limits.py)
    unlimited = {"REGIOKOMPAS_RATE_READS": "100000000/minute"}
    unlimited["REGIOKOMPAS_RATE_WRITES"] = "100000/minute"
    server = start_server(state, args=["--workers", str(args.workers)], env=unlimited)
    try:
        port = server.port
        created = httpx.post(
            f"{server.url}/api/scenarios", json=private_document(), headers=token, timeout=120
        )
        assert created.status_code == 201, created.text
        hidden = httpx.get(f"{server.url}/api/scenarios/{PRIVATE}", timeout=30)
        assert hidden.status_code == 404  # private: anonymous callers do not see it
        AUTH.update(token)

        async def warm() -> list[float]:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            cold = []
            for q in QUERIES:
                t = time.perf_counter()
                status, body = await fetch(reader, writer, path_of(q), port)
                cold.append(time.perf_counter() - t)
                assert status == 200, body[:300]
                json.loads(body)  # a real score object
            writer.close()
            return cold

        cold = asyncio.run(warm())
        latencies, errors, elapsed = asyncio.run(
            load(port, args.clients, args.duration, args.max_requests)
        )
        miss_latencies, miss_errors, miss_elapsed = asyncio.run(
            load(port, args.clients, args.baseline_duration, 5_000, uncached=True)
        )
        AUTH.clear()  # the comparison: anonymous clients on the published scenarios
        public = [q for q in QUERIES if q.get("scenario") != PRIVATE]
        anon_latencies, anon_errors, _ = asyncio.run(
            load(port, args.clients, args.anonymous_duration, args.max_requests, queries=public)
        )
    finally:
        server.stop()

    ms = np.array(latencies) * 1000
    p50, p95, p99 = (float(np.percentile(ms, p)) for p in (50, 95, 99)) if len(ms) else (0, 0, 0)
    print(f"server: regio serve --workers {args.workers}; {args.clients} clients, {elapsed:.1f} s")
    print(f"first (cold) request per combination: {', '.join(f'{c * 1000:.0f}' for c in cold)} ms")
    print(f"requests: {len(ms)} ok, {len(errors)} errors, {len(ms) / elapsed:.0f} req/s")
    print(f"latency ms: p50 {p50:.2f}  p95 {p95:.2f}  p99 {p99:.2f}  max {ms.max():.2f}")
    miss = np.array(miss_latencies) * 1000
    miss_p50 = float(np.percentile(miss, 50)) if len(miss) else float("nan")
    miss_p95 = float(np.percentile(miss, 95)) if len(miss) else float("nan")
    print(f"baseline 1 (uncached, in-process, one request at a time): {base:.1f} ms")
    print(
        f"baseline 2 (every request a cache miss, same {args.clients} clients, "
        f"{miss_elapsed:.1f} s): {len(miss)} ok, {len(miss_errors)} errors, "
        f"{len(miss) / miss_elapsed:.0f} req/s, p50 {miss_p50:.1f} ms, p95 {miss_p95:.1f} ms"
    )
    print(f"cached p50 is {miss_p50 / p50:.0f}x lower than uncached p50 under the same load")
    print(f"target p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'}; errors: {len(errors)}")
    for e in errors[:5]:
        print(f"  error: {e}")
    anon = np.array(anon_latencies) * 1000
    anon_p95 = float(np.percentile(anon, 95)) if len(anon) else float("nan")
    print(
        f"comparison (anonymous, no token, published scenarios only): {len(anon)} ok, "
        f"{len(anon_errors)} errors, p50 {np.percentile(anon, 50):.2f} ms, p95 {anon_p95:.2f} ms"
    )
    print("auth: on (every request above carries a planner's bearer token)")
    print(f"RESULT scores_p50 {p50:.2f} ms")
    print(f"RESULT scores_p95 {p95:.2f} ms")
    print(f"RESULT scores_p99 {p99:.2f} ms")
    print(f"RESULT scores_errors {len(errors)} count")
    print(f"RESULT scores_throughput {len(ms) / elapsed:.0f} req/s")
    print(f"RESULT scores_uncached_inprocess {base:.2f} ms")
    print(f"RESULT scores_uncached_load_p50 {miss_p50:.1f} ms")
    print(f"RESULT scores_uncached_vs_cached_p50_ratio {miss_p50 / p50:.1f} ratio")
    print(f"RESULT scores_anonymous_p95 {anon_p95:.2f} ms")


if __name__ == "__main__":
    main()
