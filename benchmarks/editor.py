"""Benchmark: the map editor's evaluation of one click, live (incremental) vs full recompute.

Real data: huidig's ``swv_po`` against ``jeugdregio``, weight ``pupils_po``. A planner's session
of ``CLICKS`` actions is replayed: single-gemeente border moves (mostly), moves of a share of a
split gemeente, merges, renames and a new region (``assign``), each one scenario edit. Per
click the server gets the *whole* list of tentative edits and answers with every live figure
(headline metrics, every region, containment before -> after, pupils changing SWV, travel):

- live: :class:`geo.overlap.live_cache.LiveCache` (the list minus its last edit is cached: one
  edit applied, figures from the maintained tables);
- baseline, same run: full recompute - apply the whole edit list to the division with the
  scenario edit functions, then ``score``, ``disruption`` and ``TravelModel.after`` from
  scratch (what the editor's server did before), on a sample of the clicks.

The script asserts that both give the same figures (1e-9) on every sampled click and ends with
``RESULT`` lines (``editor_eval_p95``, wall time, must stay <= 20 ms; ``editor_eval_cpu_p95`` is
the same in CPU time of this process, which other processes on a shared machine do not
inflate). Sections are functions called from :func:`main`; add a section (e.g. the
real-browser p95) as another function.

Run: ``.venv/bin/python benchmarks/editor.py``
"""

from __future__ import annotations

import json
import os
import random
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from pydantic import TypeAdapter

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

CLICKS = 120
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
        while len(edits) < CLICKS:
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


def main() -> None:
    ds = load_dataset()
    live, full, cpu = server_eval(ds)
    print(f"RESULT editor_eval_p95 {live:.2f} ms")
    print(f"RESULT editor_eval_cpu_p95 {cpu:.2f} ms")
    print(f"RESULT editor_eval_baseline_p95 {full:.1f} ms")
    print(f"RESULT editor_eval_speedup {full / live:.1f} x")


if __name__ == "__main__":
    main()
