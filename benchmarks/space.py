"""Benchmark of ``regio space build``: enumeration, sampling, ReCom, Dask and the national build.

Prints ``RESULT`` lines, each with its baseline measured in the same run:

1. ``space_enum_plans_per_s`` (one core: valid parts, exact DP counts, every plan with its
   figures, written to Parquet) on jeugdregio JZ33 and JZ39 with a P2 margin of 10 km (2,255 and
   139,139 valid plans: the default margin of 0 km leaves at most 336 per jeugdregio); baseline
   ``space_bruteforce_plans_per_s``: every set partition of JZ33 (Bell(10) = 115,975) checked
   for connectivity, size and P2 (the test's brute force), valid plans found per second.
2. ``space_uniform_draws_per_s``: exactly uniform draws of JZ39 (10 km) with their figures.
3. ``space_dask_speedup``: the same national build with a 10 km margin (152,231 plans; JZ39
   counted by 9 tasks and enumerated by 20) on a local Dask cluster of 1 and of 2 worker
   processes, clusters started before the clock, alternating 1, 2, 1, 2 (``--rounds``), best
   of each; goal >= 1.7 (the machine is shared: see the load average printed). Also the serial
   part it measured in the best 2-worker build: ``..._first_enumeration_after_seconds`` (from
   the build's start to JZ39's first enumeration task), ``..._longest_task_seconds``, and per run
   the seconds during which 0, 1 or 2 tasks ran; ``space_task_payload_*``: pickled sizes of
   what JZ39's tasks hand on (valid parts, a counting slice's result).
4. ``space_national_build_seconds`` / ``space_national_peak_rss_mb``: ``regio space build`` with
   the default settings in a fresh process on 2 local workers (wall time including the cluster
   start; peak RSS of the largest process, driver or worker); baseline: the same build with
   ``--scheduler synchronous`` (one process).

5. The chains (:mod:`geo.space.mergesplit` against :mod:`geo.space.sample`), same graph, same
   number of SWVs, same steps and seeds: on the tests' 3 x 3 grid (loose P2, 3 SWVs) and on
   JZ33 (10 km), where every plan is enumerated, acceptance, distinct plans, split R-hat, ESS
   per step and ``space_{mergesplit,recom}_tv_*`` (total variation of the plan histogram against
   the enumeration; ReCom importance-weighted); on JZ39 (10 km) ``space_mergesplit_steps_per_s``,
   ``space_mergesplit_ess_per_s`` (ESS of the disruption per second, chains + figures),
   ``space_recom_steps_per_s`` and ``space_recom_ess_per_s`` (reversible ReCom, all checks);
   baseline ``gerrychain_recom_steps_per_s``: GerryChain's plain ReCom without any check on the
   same graph, number of SWVs and balance window.

Run: ``.venv/bin/python benchmarks/space.py [--quick | --dask-only | --chains-only]``
(``--dask-only``: sections 3 and 4, a few minutes; ``--rounds N`` alternations in 3).
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.data.store import load_dataset  # noqa: E402
from geo.proposals.problem import ProposalSettings, prepare  # noqa: E402
from geo.space.build import SpaceSettings, build_space  # noqa: E402
from geo.space.enumerate import (  # noqa: E402
    count_by_swvs,
    enumerate_plans,
    sample_uniform,
    sample_uniform_k,
    valid_parts,
)
from geo.space.figures import PartTable, plan_figures  # noqa: E402
from geo.space.mergesplit import mergesplit_rows, run_mergesplit  # noqa: E402
from geo.space.model import region_models  # noqa: E402
from geo.space.sample import chain_rows, diagnostics, run_chain  # noqa: E402
from geo.space.tasks import count_group, enumerate_prefixes, region_parts  # noqa: E402

RELAXED = ProposalSettings(max_extra_km=10.0, max_extra_mean_km=10.0)


def result(name: str, value: float, unit: str) -> None:
    print(f"RESULT {name} {value:.4g} {unit}", flush=True)


def enumeration(models, tmp: Path, region: str) -> tuple[int, float]:
    m = models[region]
    t0 = time.perf_counter()
    rparts = region_parts(m, 10**9)  # one counting task, one enumeration task
    counted = count_group(m, rparts, 0, 10**9, 10**9)
    rows = 0
    for i, prefixes in enumerate(counted.tasks):
        path = str(tmp / f"{region}-{i}.parquet")
        rows += enumerate_prefixes(m, rparts, counted, prefixes, path)["rows"]
    return rows, time.perf_counter() - t0


def set_partitions(items):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first], *partition]
        for i in range(len(partition)):
            yield [*partition[:i], [first, *partition[i]], *partition[i + 1 :]]


def brute_force(ctx, region: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    graph = ctx.graphs[region]
    units = sorted(graph.nodes)
    lo, hi = ctx.bounds.min_pupils, ctx.bounds.max_pupils
    host = {lv: ctx.host_km[lv].reindex(index=units, columns=units) for lv in ("po", "vo")}
    limit = {
        lv: ctx.before.loc[units, f"{lv}_baseline_km"] + ctx.settings.max_extra_km + 1e-3
        for lv in ("po", "vo")
    }
    ok_block: dict[frozenset, bool] = {}
    found = 0
    for partition in set_partitions(units):
        good = True
        for block in partition:
            key = frozenset(block)
            if key not in ok_block:
                size = float(ctx.sizes[block].sum())
                fine = lo <= size <= hi and nx.is_connected(graph.subgraph(block))
                for lv in ("po", "vo"):
                    after = host[lv].loc[block, block].min(axis=1)
                    lim = limit[lv].loc[block]
                    fine = fine and bool(((after <= lim) | ~np.isfinite(lim)).all())
                ok_block[key] = fine
            if not ok_block[key]:
                good = False
                break
        found += good
    return found, time.perf_counter() - t0


def gerrychain_plain(model, k: int, steps: int, seed: int) -> float:
    import gerrychain
    from gerrychain.proposals import recom
    from gerrychain.updaters import Tally

    parts = valid_parts(model)
    start = sample_uniform_k(model, parts, k, random.Random(seed))
    nxg = nx.Graph()
    for i, u in enumerate(model.units):
        nxg.add_node(u, pupils=float(model.sizes[i]))
    nxg.add_edges_from((model.units[a], model.units[b]) for a, b in model.edges)
    graph = gerrychain.Graph.from_networkx(nxg)
    labels = {model.units[i]: j for j, m in enumerate(start) for i in range(model.n) if m >> i & 1}
    initial = gerrychain.Partition(
        graph, labels, updaters={"pupils": Tally("pupils", alias="pupils")}
    )
    lo, hi = model.min_size, model.max_size
    propose = partial(
        recom, pop_col="pupils", pop_target=(lo + hi) / 2, epsilon=(hi - lo) / (hi + lo)
    )

    def step(p, *, rng=None):
        try:
            return propose(p, rng=rng)
        except Exception:
            return p

    chain = gerrychain.MarkovChain(
        step, [], gerrychain.accept.always_accept, initial, total_steps=steps, rng=seed
    )
    t0 = time.perf_counter()
    for _ in chain:
        pass
    return steps / (time.perf_counter() - t0)


def national_subprocess(out: Path, scheduler: str | None) -> tuple[float, float]:
    """Wall time and peak RSS (MB, largest process: driver or a worker) of ``regio space build``
    in a fresh process, measured by a wrapper process that waits for it."""
    argv = ["space", "build", "--out", str(out), "--json"]
    if scheduler:
        argv += ["--scheduler", scheduler]
    build = f"from regio import app; import sys; sys.argv = ['regio', *{argv!r}]; app()"
    wrapper = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        f"subprocess.run([sys.executable, '-c', {build!r}], check=True,\n"
        "               stdout=subprocess.DEVNULL)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out_text = subprocess.run(
        [sys.executable, "-c", wrapper], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out_text[0]), float(out_text[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the Dask speed-up")
    parser.add_argument(
        "--rounds", type=int, default=2, help="alternating 1- and 2-worker builds (best of)"
    )
    parser.add_argument(
        "--dask-only", action="store_true", help="only the Dask speed-up and the national build"
    )
    parser.add_argument("--chains-only", action="store_true", help="only the chains (5.)")
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}; load average: {os.getloadavg()}", flush=True)
    dataset = load_dataset()
    ctx = prepare(dataset, RELAXED)
    models = region_models(ctx)
    tmp = Path(tempfile.mkdtemp(prefix="space-bench-"))

    if args.chains_only:
        chain_section(models)
        return
    if not args.dask_only:
        single_core(ctx, models, tmp)
        chain_section(models)
    if not args.quick:
        dask_speedup(dataset, tmp, args.rounds)
    national_build(tmp)


def single_core(ctx, models, tmp: Path) -> None:
    """Sections 1 and 2 of the module docstring."""
    # 1. enumeration and its brute-force baseline
    for region in ("JZ33", "JZ39"):
        rows, seconds = enumeration(models, tmp, region)
        print(f"enumeration {region}: {rows:,} plans in {seconds:.2f} s")
        result(f"space_enum_plans_per_s_{region}", rows / seconds, "plans/s")
    found, seconds = brute_force(ctx, "JZ33")
    print(f"brute force JZ33: {found:,} valid of 115,975 set partitions in {seconds:.2f} s")
    result("space_bruteforce_plans_per_s_JZ33", found / seconds, "plans/s")

    # 2. sampling: exactly uniform draws (the chains: section 5)
    m = models["JZ39"]
    parts = valid_parts(m)
    rng = random.Random(0)
    table = PartTable(m, parts.masks)
    t0 = time.perf_counter()
    draws = [sample_uniform(m, parts, rng) for _ in range(20_000)]
    plan_figures(table, draws)
    result("space_uniform_draws_per_s", 20_000 / (time.perf_counter() - t0), "plans/s")


def compare_chains(model, k: int, steps: int, chains: int, exact=None) -> dict:
    """Merge-split and reversible ReCom, ``chains`` chains of ``steps`` steps each with ``k``
    SWVs from the same uniform starts (seeds), all checks, figures included. Per method:
    acceptance, distinct plans, split R-hat and ESS per step of the disruption, steps/s of the
    bare chain (the uniform start's draw memo filled before the clock, shared by both), ESS/s
    (chains + figures). With ``exact`` (every valid plan text with ``k`` SWVs
    meeting the mean margin, and its disruption): the total variation of the plan histogram
    against uniform (ReCom importance-weighted by ``1 / prod tau``) and the Kolmogorov-Smirnov
    distance of the disruption against the enumeration's."""
    parts = valid_parts(model)
    count_by_swvs(model, parts)  # the exact counts (what the build ships) before the clock,
    sample_uniform_k(model, parts, k, random.Random(0))  # and the start's draw memo
    out = {}
    for name, rows, bare in (
        ("mergesplit", mergesplit_rows, run_mergesplit),
        ("recom", chain_rows, run_chain),
    ):
        t0 = time.perf_counter()
        for c in range(chains):  # each chain its own kernel and memo, as a build task
            bare(model, parts, k, steps=steps, seed=c)
        steps_per_s = chains * steps / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        got = [rows(model, parts, k, steps=steps, seed=c, chain=c) for c in range(chains)]
        seconds = time.perf_counter() - t0
        frames = [f for f, _ in got]
        d = diagnostics(frames, [s for _, s in got])[str(k)]
        entry = {
            "acceptance": d["acceptance"],
            "distinct": d["distinct"],
            "rhat": d["rhat_disrupted"],
            "ess_per_step": d["ess_disrupted_per_step"],
            "steps_per_s": steps_per_s,
            "ess_per_s": d["ess_disrupted"] / seconds,
        }
        if exact is not None:
            texts, disrupted = exact
            allf = pd.concat(frames)
            w = np.exp(allf["log_weight"].to_numpy() - allf["log_weight"].max())
            freq = pd.Series(w, index=allf["plan"].to_numpy()).groupby(level=0).sum() / w.sum()
            freq = freq.reindex(texts, fill_value=0.0)
            entry["tv_plans"] = 0.5 * float((freq - 1 / len(texts)).abs().sum())
            grid = np.union1d(disrupted, allf["disrupted"].to_numpy())
            order = np.argsort(allf["disrupted"].to_numpy())
            cum = np.cumsum(w[order]) / w.sum()
            mine = np.searchsorted(allf["disrupted"].to_numpy()[order], grid, side="right")
            mine_cdf = np.where(mine > 0, cum[np.maximum(mine - 1, 0)], 0.0)
            ref_cdf = np.searchsorted(np.sort(disrupted), grid, side="right") / len(disrupted)
            entry["ks_disrupted"] = float(np.abs(mine_cdf - ref_cdf).max())
        out[name] = entry
    return out


def exact_plans(model, k: int) -> tuple[list[str], np.ndarray]:
    """Every valid plan with ``k`` SWVs that meets the mean margin: texts and disruption."""
    parts = valid_parts(model)
    plans = [p for p in enumerate_plans(model, parts) if len(p) == k]
    f = plan_figures(PartTable(model, parts.masks), plans)
    f = f[f["mean_ok"]]
    return f["plan"].tolist(), f["disrupted"].to_numpy(dtype=float)


def chain_section(models) -> None:
    """Section 5 of the module docstring."""
    from fixtures.proposal_grids import layout_dataset
    from tests.test_space_enumerate import LAYOUT, PO, PUPILS, SCHOOLS, VO

    ds = layout_dataset(LAYOUT, PO, VO, pupils_po=PUPILS, pupils_vo=40.0, schools=SCHOOLS)
    grid = region_models(
        prepare(ds, ProposalSettings(min_pupils=150, max_pupils=520, max_extra_km=100.0))
    )["JA"]
    cases = [("grid3x3", grid, 3, 2000, 4), ("JZ33", models["JZ33"], None, 2000, 4)]
    for label, m, k, steps, chains in cases:
        by_k = count_by_swvs(m, valid_parts(m))
        k = k or max(by_k, key=lambda x: by_k[x])
        exact = exact_plans(m, k)
        got = compare_chains(m, k, steps, chains, exact)
        for name, e in got.items():
            print(
                f"{label} ({len(exact[0]):,} plans with {k} SWVs), {name}, {chains} x {steps} "
                f"steps: acceptance {e['acceptance']:.3f}, distinct {e['distinct']}, R-hat "
                f"{e['rhat']:.3f}, ESS/step {e['ess_per_step']:.4f}, TV plans "
                f"{e['tv_plans']:.3f}, KS disruption {e['ks_disrupted']:.3f}",
                flush=True,
            )
            result(f"space_{name}_tv_{label}", e["tv_plans"], "TV")
    m = models["JZ39"]
    by_k = count_by_swvs(m, valid_parts(m))
    k = max(by_k, key=lambda x: by_k[x])
    got = compare_chains(m, k, 300, 4)
    for name, e in got.items():
        print(
            f"JZ39 ({by_k[k]:,} plans with {k} SWVs), {name}, 4 x 300 steps: acceptance "
            f"{e['acceptance']:.3f}, distinct {e['distinct']}, R-hat {e['rhat']:.3f}, ESS/step "
            f"{e['ess_per_step']:.4f}; load {os.getloadavg()}",
            flush=True,
        )
    plain = gerrychain_plain(m, k, 300, seed=1)
    ms, rev = got["mergesplit"], got["recom"]
    result("space_mergesplit_steps_per_s", ms["steps_per_s"], "steps/s")
    result("space_mergesplit_ess_per_s", ms["ess_per_s"], "ESS/s")
    result("space_recom_steps_per_s", rev["steps_per_s"], "steps/s")
    result("space_recom_ess_per_s", rev["ess_per_s"], "ESS/s")
    result("gerrychain_recom_steps_per_s", plain, "steps/s")
    result("space_mergesplit_vs_gerrychain_ratio", ms["steps_per_s"] / plain, "x")
    result("space_recom_vs_gerrychain_ratio", rev["steps_per_s"] / plain, "x")


def dask_speedup(dataset, tmp: Path, rounds: int) -> None:
    """Section 3 of the module docstring."""
    # 3. Dask speed-up 1 -> 2 workers on the same work (the same settings, so the same tasks);
    # on a shared machine the load swings between runs, so the two cluster sizes alternate
    # (1, 2, 1, 2, ...) and the best time of each is compared
    from distributed import Client, LocalCluster

    times: dict[int, list[float]] = {1: [], 2: []}
    busy_of: dict[int, list[float]] = {1: [], 2: []}
    phase: dict[int, list[float]] = {1: [], 2: []}  # from the first task's start to the end
    serial: dict[int, list[tuple[float, float, str, float]]] = {1: [], 2: []}
    for rnd in range(rounds):
        for workers in (1, 2):
            with (
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                ) as cluster,
                Client(cluster) as client,
            ):
                client.run(lambda: None)  # workers up before the clock
                wall0 = time.time()
                t0 = time.perf_counter()
                r = build_space(
                    dataset,
                    tmp / f"dask{workers}-{rnd}",
                    proposal=RELAXED,
                    space=SpaceSettings(task_plans=10_000),
                    client=client,
                )
                seconds = time.perf_counter() - t0
                wall1 = time.time()
            times[workers].append(seconds)
            first_enum, longest = timeline_stats(r.timeline, wall0)
            start = min(e["started"] for e in r.timeline) - wall0
            running = concurrency(r.timeline, wall0, wall1)
            serial[workers].append((first_enum, longest[0], longest[1], start))
            phase[workers].append(wall1 - wall0 - start)
            busy = sum(e["seconds"] for e in r.timeline)
            busy_of[workers].append(busy)
            print(
                f"national build, 10 km margin, {workers} worker(s), round {rnd + 1}: "
                f"{seconds:.2f} s, {r.tasks} tasks ({busy:.2f} s in tasks, "
                f"{busy / (workers * seconds):.0%} of the workers' time), "
                f"{r.manifest['plans_stored']:,} plans; JZ39's first enumeration task started "
                f"after {first_enum:.2f} s; longest task {longest[0]:.2f} s ({longest[1]}); "
                f"first task started after {start:.2f} s (the driver prepares the models); "
                "seconds with n tasks running: "
                + ", ".join(f"{n}: {v:.2f}" for n, v in sorted(running.items()))
                + f"; load {os.getloadavg()}",
                flush=True,
            )
    best = {w: int(np.argmin(times[w])) for w in (1, 2)}
    result("space_dask_1_worker_seconds", times[1][best[1]], "s")
    result("space_dask_2_workers_seconds", times[2][best[2]], "s")
    result("space_dask_speedup", times[1][best[1]] / times[2][best[2]], "x")
    first_enum, longest, what, start = serial[2][best[2]]
    print(f"serial part of the best 2-worker build: longest task {what}")
    result("space_dask_2_workers_driver_before_first_task_seconds", start, "s")
    result("space_dask_2_workers_first_enumeration_after_seconds", first_enum, "s")
    result("space_dask_2_workers_longest_task_seconds", longest, "s")
    # the same builds without the driver's serial preparation (prepare: the national distance
    # model and the contexts, identical for 1 and 2 workers)
    result("space_dask_tasks_1_worker_seconds", min(phase[1]), "s")
    result("space_dask_tasks_2_workers_seconds", min(phase[2]), "s")
    result("space_dask_tasks_speedup", min(phase[1]) / min(phase[2]), "x")
    # the same tasks' seconds summed, 2 workers against 1: about 1 when the second worker had a
    # core of its own, about 2 when the machine had no second core to give (shared, loaded)
    ratio = busy_of[2][best[2]] / busy_of[1][best[1]]
    result("space_dask_task_seconds_2_over_1_workers", ratio, "x")
    payloads()


def timeline_stats(timeline: list[dict], wall0: float) -> tuple[float, tuple[float, str]]:
    """Seconds from the build's start to the first enumeration task of the jeugdregio with the
    most enumeration work (JZ39: before it, its valid parts and its 9 counting slices), and the
    longest single task (seconds, what)."""
    work: dict[str, float] = {}
    for e in timeline:
        if e["kind"] == "enum":
            work[e["region"]] = work.get(e["region"], 0.0) + e["seconds"]
    largest = max(work, key=lambda r: work[r]) if work else None
    enum = [e["started"] for e in timeline if e["kind"] == "enum" and e["region"] == largest]
    first = min(enum) - wall0 if enum else float("nan")
    top = max(timeline, key=lambda e: e["seconds"])
    return first, (top["seconds"], f"{top['kind']} {top['region']}")


def concurrency(timeline: list[dict], wall0: float, wall1: float) -> dict[int, float]:
    """Seconds of the build (``wall0`` to ``wall1``) during which 0, 1, 2, ... tasks ran: with
    2 workers the time with 0 or 1 running is what the build did not run in parallel."""
    events = [(wall0, 0), (wall1, 0)]
    for e in timeline:
        events += [(e["started"], 1), (e["started"] + e["seconds"], -1)]
    events.sort()
    out: dict[int, float] = {}
    running, last = 0, wall0
    for t, step in events:
        t = min(max(t, wall0), wall1)
        out[running] = out.get(running, 0.0) + t - last
        running, last = running + step, t
    return out


def payloads() -> None:
    """Pickled sizes of what the tasks of the largest jeugdregio (JZ39, 10 km) hand on: the
    valid parts (moved once to each worker), each counting slice's result (its memo of live
    states and its cut) and an enumeration task's own arguments."""
    import pickle

    ctx = prepare(load_dataset(), RELAXED)
    m = region_models(ctx, ["JZ39"])["JZ39"]
    rparts = region_parts(m, SpaceSettings().count_parts)
    sizes = [
        len(pickle.dumps(count_group(m, rparts, g, 10_000, 10**9))) for g in range(rparts.groups)
    ]
    print(
        f"payloads JZ39: model {len(pickle.dumps(m)) / 1e3:.0f} kB, valid parts "
        f"{len(pickle.dumps(rparts)) / 1e6:.2f} MB ({len(rparts.masks):,} masks), "
        f"{rparts.groups} counting slices: results {min(sizes) / 1e3:.0f}-"
        f"{max(sizes) / 1e3:.0f} kB",
        flush=True,
    )
    result("space_task_payload_parts_mb", len(pickle.dumps(rparts)) / 1e6, "MB")
    result("space_task_payload_count_max_kb", max(sizes) / 1e3, "kB")


def national_build(tmp: Path) -> None:
    """Section 4 of the module docstring."""
    # 4. the national build with the default settings, in a fresh process
    s_sync, rss_sync = national_subprocess(tmp / "sync", "synchronous")
    s_dask, rss_dask = national_subprocess(tmp / "dask", None)
    result("space_national_build_seconds", s_dask, "s")
    result("space_national_peak_rss_mb", rss_dask, "MB")
    result("space_national_build_synchronous_seconds", s_sync, "s")
    result("space_national_synchronous_peak_rss_mb", rss_sync, "MB")


if __name__ == "__main__":
    main()
