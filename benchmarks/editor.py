"""Benchmark: the map editor, one click on the national data, server side and in a real browser.

1. Server side (:func:`server_eval`): huidig's ``swv_po`` against ``jeugdregio``, weight
   ``pupils_po``. A planner's session of ``SERVER_CLICKS`` actions is replayed: single-gemeente
   border moves (mostly), moves of a share of a split gemeente, merges, renames and new regions
   (``assign``), each one scenario edit. Per click the server gets the *whole* list of tentative
   edits (JSON, parsed as the API does) and answers with every live figure (headline metrics,
   every region, containment before -> after, pupils changing SWV, travel):

   - live: :class:`geo.overlap.live_cache.LiveCache` (the list minus its last edit is cached:
     one edit applied, figures from the maintained tables);
   - baseline, same run: full recompute - apply the whole edit list to the division with the
     scenario edit functions, then ``score``, ``disruption`` and ``TravelModel.after`` from
     scratch, on a sample of the clicks.

   Both must give the same figures (asserted, 1e-9). ``RESULT editor_eval_p95`` (wall time,
   target <= 20 ms) and ``editor_eval_cpu_p95`` (CPU time of this process, which other
   processes on a shared machine do not inflate).

2. Real browser (:func:`browser_eval`): starts ``regio serve`` on a free loopback port (fresh
   state dir) and headless Chromium, opens
   ``/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po``, switches to paint mode
   and clicks four gemeenten around Eindhoven 50 times, each into PO3008 and back home (every
   click is one more ``move`` edit, evaluated by ``POST /api/scenarios/huidig/evaluate``). Each
   click is a DOM click on the gemeente's SVG path; the time is measured inside the page from
   the click to the end of the panel's redraw (``performance.now()``), so the webdriver's own
   overhead is not counted. Baseline measured in the same run: reloading the editor page (what a
   planner would do without live figures), median of 5. ``RESULT editor_browser_p95`` (target
   <= 150 ms) and the baseline.

Run: ``.venv/bin/python benchmarks/editor.py [server|browser]`` (default both; the browser part
needs /usr/bin/chromium and chromedriver). Sections are functions called from :func:`main`.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from geo.adjacency import queen_adjacency
from geo.data.store import load_dataset
from geo.dataset import Dataset
from geo.division import NO_REGION, Division
from geo.overlap import MoveEvaluator, score
from geo.overlap.disruption import disruption
from geo.overlap.live import LiveSession
from geo.overlap.live_cache import LiveCache
from geo.overlap.live_context import live_context
from geo.proposals.travel import travel_model
from geo.scenarios import edits as division_edits
from geo.scenarios.errors import EmptiedRegionWarning
from geo.scenarios.model import Edit

SERVER_CLICKS = 120
"""Actions in the replayed editing session."""
BASELINE_SAMPLE = 15
"""Clicks recomputed in full (slow; a sample gives its distribution)."""
DIVISION, AGAINST, WEIGHT = "swv_po", "jeugdregio", "pupils_po"
EDIT_LIST = TypeAdapter(list[Edit])


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def session_edits(ds: Dataset, rng: random.Random) -> list[dict[str, Any]]:
    """A plausible editing session: valid edits, applied in order."""
    division = ds.division(DIVISION)
    neighbours, _ = queen_adjacency(ds.units, link_islands=True)
    edits: list[dict[str, Any]] = []
    current = division
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptiedRegionWarning)
        while len(edits) < SERVER_CLICKS:
            kind = rng.choices(["move", "share", "merge", "rename", "new"], [12, 2, 1, 1, 1])[0]
            if kind == "move":
                evaluator = MoveEvaluator(current, current, ds.weight(WEIGHT))
                unit, to = rng.choice(evaluator.border_moves(neighbours))
                edit = {"op": "move", "division": DIVISION, "unit": unit, "to": to}
                current = division_edits.move(current, unit, to)
            elif kind == "share":
                split = [u for u in current.split_units() if len(current.unit_regions(u)) > 1]
                unit = rng.choice(split)
                row = {r: s for r, s in current.unit_regions(unit).items() if r != NO_REGION}
                if len(row) < 2:
                    continue
                frm, to = rng.sample(sorted(row), 2)
                share = round(row[frm] / 2, 6)
                edit = {"op": "move", "division": DIVISION, "unit": unit, "from": frm,
                        "to": to, "share": share}  # fmt: skip
                current = division_edits.move(current, unit, to, from_=frm, share=share)
            elif kind == "merge":
                a, b = rng.sample(list(current.regions), 2)
                edit = {"op": "merge", "division": DIVISION, "regions": [a, b], "into": a}
                current = division_edits.merge(current, [a, b], a)
            elif kind == "rename":
                region = rng.choice(list(current.regions))
                name = f"renamed {len(edits)}"
                edit = {"op": "rename", "division": DIVISION, "region": region, "name": name}
                current = division_edits.rename(current, region, name=name)
            else:
                unit = rng.choice([u for u in current.units if u not in current.split_units()])
                m = current.membership
                m.loc[m["unit"] == unit, "region"] = f"NIEUW{len(edits)}"
                names = {**current.region_names, f"NIEUW{len(edits)}": "nieuw"}
                used = set(m["region"]) - {NO_REGION}
                edit = {"op": "assign", "division": DIVISION,
                        "membership": m.to_dict("records"),
                        "region_names": {c: n for c, n in names.items() if c in used}}  # fmt: skip
                current = division_edits.assign(
                    DIVISION, m, current.units, region_names=edit["region_names"]
                )
            edits.append(edit)
    return edits


def full_recompute(ds: Dataset, model: Any, edits: list[dict[str, Any]]) -> dict[str, Any]:
    """The baseline: every edit applied again, every figure from scratch."""
    d: Division = ds.division(DIVISION)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptiedRegionWarning)
        for e in edits:
            if e["op"] == "move":
                d = division_edits.move(d, e["unit"], e["to"], from_=e.get("from"),
                                        share=e.get("share"))  # fmt: skip
            elif e["op"] == "merge":
                d = division_edits.merge(d, e["regions"], e["into"])
            elif e["op"] == "rename":
                d = division_edits.rename(d, e["region"], name=e["name"])
            else:
                d = division_edits.assign(DIVISION, pd.DataFrame(e["membership"]), d.units,
                                          region_names=e["region_names"])  # fmt: skip
    summary = score(d, ds.division(AGAINST), ds.weight(WEIGHT), weight_name=WEIGHT).summary
    po = ds.weight("pupils_po")
    moved = disruption(d, ds.division("swv_po"), ds.division("swv_vo"), po, po * 0.0)
    km = model.after("po", d.assignment())
    return {"summary": summary, "disrupted": moved.totals["disrupted"], "km": km}


def server_eval(ds: Dataset) -> tuple[float, float, float]:
    """p95 (ms) of one click's server-side evaluation: live and full recompute (wall time),
    and live in CPU time of this process (what the click costs without other load)."""
    rng = random.Random(7)
    edits = session_edits(ds, rng)
    ctx = live_context(ds)
    model = travel_model(ds.units, ds.special_schools)

    def start() -> LiveSession:
        return LiveSession.start(
            ds.division(DIVISION), ds.division(AGAINST), ds.weight(WEIGHT),
            weight_name=WEIGHT, context=ctx,
        )  # fmt: skip

    cache = LiveCache()
    cache.session("huidig@1", [], start).figures()  # the page load: start state
    live_ms: list[float] = []
    cpu_ms: list[float] = []
    sessions = {}
    bodies = {k: json.dumps(edits[:k]).encode() for k in range(1, len(edits) + 1)}
    for k in range(1, len(edits) + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        models = EDIT_LIST.validate_json(bodies[k])  # what the API does with the request body
        session = cache.session("huidig@1", models, start)
        session.figures()
        live_ms.append(1e3 * (time.perf_counter() - t0))
        cpu_ms.append(1e3 * (time.process_time() - c0))
        sessions[k] = session
    sample = sorted(rng.sample(range(1, len(edits) + 1), BASELINE_SAMPLE))
    full_ms: list[float] = []
    for k in sample:
        t0 = time.perf_counter()
        full = full_recompute(ds, model, edits[:k])
        full_ms.append(1e3 * (time.perf_counter() - t0))
        live = sessions[k].figures()
        for key in ("congruence", "nested_regions", "ari", "nmi", "vi"):
            assert abs(live["summary"][key] - full["summary"][key]) <= 1e-9, (k, key)
        assert abs(live["disruption"]["after"] - full["disrupted"]) <= 1e-9 * max(
            1.0, full["disrupted"]
        )
        np.testing.assert_array_equal(sessions[k].distance["po"], full["km"].to_numpy())
    ops = pd.Series([e["op"] for e in edits]).value_counts().to_dict()
    print(f"{DIVISION} x {AGAINST}, weight {WEIGHT}, {len(edits)} clicks {ops}")
    print("  live: parse the JSON edit list, prefix cache, one edit applied, all figures")
    print(f"    wall p50 {np.median(live_ms):.2f} ms, p95 {p95(live_ms):.2f} ms, "
          f"max {max(live_ms):.2f} ms; CPU p95 {p95(cpu_ms):.2f} ms "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")  # fmt: skip
    print(f"  full recompute (all edits again, {len(sample)} clicks): p50 "
          f"{np.median(full_ms):7.2f} ms, p95 {p95(full_ms):7.2f} ms")  # fmt: skip
    print(f"  figures agree on every sampled click (1e-9); speed-up at p95 "
          f"{p95(full_ms) / p95(live_ms):.1f}x")  # fmt: skip
    return p95(live_ms), p95(full_ms), p95(cpu_ms)


CLICKS = 50
HOME = {"GM0753": "PO3007", "GM0848": "PO3007", "GM0866": "PO3009", "GM0861": "PO3009"}
"""Best, Son en Breugel (PO3007, which keeps Eindhoven), Waalre, Veldhoven (PO3009, which keeps
Eersel): each click moves one of them into PO3008 or back home."""
UNITS = tuple(HOME)

CLICK = """
const [code, done] = [arguments[0], arguments[arguments.length - 1]];
const s = window.rkEditor;
const before = s.evalCount;
const path = s.layers[code]._path;
const box = path.getBoundingClientRect();
const t0 = performance.now();
path.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true,
    clientX: box.left + box.width / 2, clientY: box.top + box.height / 2}));
(function wait() {
    if (s.evalCount > before) { done([s.lastRender - t0, s.figures.timing_ms]); return; }
    if (performance.now() - t0 > 30000) { done(null); return; }
    setTimeout(wait, 1);
})();
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(state: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    regio = Path(sys.executable).parent / "regio"
    proc = subprocess.Popen(
        [str(regio), "serve", "--host", "127.0.0.1", "--port", str(port), "--state", state]
        + ["--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{base}/api/scenarios", timeout=5):
                return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("regio serve did not start")


def _browser(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def _open(d: webdriver.Chrome, url: str) -> float:
    start = time.perf_counter()
    d.get(url)
    for _ in range(6000):
        if d.execute_script("return document.body.dataset.ready") == "true":
            return (time.perf_counter() - start) * 1e3
        time.sleep(0.01)
    raise SystemExit("the editor did not become ready")


def browser_eval() -> tuple[float, float]:
    """p95 (ms) of click -> updated panel in Chromium, and the median page reload (ms)."""
    state = tempfile.mkdtemp(prefix="rk-bench-state-")
    profile = tempfile.mkdtemp(prefix="rk-bench-chromium-")
    proc, base = _serve(state)
    d = _browser(profile)
    try:
        url = f"{base}/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po"
        _open(d, url)  # warm-up: geometry, dataset, checks context
        reloads = [_open(d, url) for _ in range(5)]
        d.set_script_timeout(60)
        d.execute_script("document.getElementById('mode-paint').click();")
        times: list[float] = []
        server: list[float] = []
        for i in range(CLICKS):
            unit = UNITS[i % len(UNITS)]
            target = "PO3008" if (i // len(UNITS)) % 2 == 0 else HOME[unit]
            d.execute_script(
                "const p = document.getElementById('paint-region'); p.value = arguments[0];",
                target,
            )
            got = d.execute_async_script(CLICK, unit)
            if not isinstance(got, list):
                raise SystemExit(f"click {i} did not update the panel")
            times.append(float(got[0]))
            server.append(float(got[1]))
        edits = d.execute_script("return window.rkEditor.edits.length")
        d.execute_script("window.rkEditor.edits.length = 0;")
    finally:
        d.quit()
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)
    p95 = float(np.percentile(times, 95))
    print(f"clicks: {len(times)} ({edits} edits in the page at the end)")
    print(
        f"click -> panel: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(times):.1f} ms"
    )
    print(
        f"of which the server's evaluate: median {statistics.median(server):.1f} ms, "
        f"p95 {np.percentile(server, 95):.1f} ms"
    )
    print(f"baseline, reloading the editor page: median {statistics.median(reloads):.0f} ms")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    return p95, float(statistics.median(reloads))


def main() -> None:
    sections = sys.argv[1:] or ["server", "browser"]
    results: list[str] = []
    if "server" in sections:
        live, full, cpu = server_eval(load_dataset())
        results += [
            f"RESULT editor_eval_p95 {live:.2f} ms",
            f"RESULT editor_eval_cpu_p95 {cpu:.2f} ms",
            f"RESULT editor_eval_baseline_p95 {full:.1f} ms",
            f"RESULT editor_eval_speedup {full / live:.1f} x",
        ]
    if "browser" in sections:
        p95, reload_ms = browser_eval()
        results += [
            f"RESULT editor_browser_p95 {p95:.1f} ms",
            f"RESULT editor_reload_baseline_ms {reload_ms:.0f} ms",
        ]
    print("\n".join(results))


if __name__ == "__main__":
    main()
