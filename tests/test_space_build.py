"""geo.space build, distributions and placement on synthetic data: the convolution against
brute-force products, the Parquet space and manifest, resuming, Dask, placement counts."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fixtures.proposal_grids import layout_dataset
from geo.division import Division
from geo.proposals.problem import ProposalSettings
from geo.space.build import SpaceSettings, build_space
from geo.space.distributions import Discrete, convolve, national, placement, read_plans
from geo.space.errors import SpaceError
from geo.space.placement import place

LAYOUT = ["AAABB", "AAABB", "CCCBB"]
PO = ["ppqrr", "ppqrr", "sssrr"]
SCHOOLS = [(f"GM{r:02d}{c:02d}", "(V)SO") for r in range(3) for c in range(5) if (r + c) % 2 == 0]
PUPILS = {f"GM{r:02d}{c:02d}": 50.0 + 11 * r + 5 * c for r in range(3) for c in range(5)}
SETTINGS = ProposalSettings(
    min_pupils=100, max_pupils=420, max_extra_km=100.0, max_extra_mean_km=100.0
)


@pytest.fixture(scope="module")
def ds():
    return layout_dataset(LAYOUT, PO, pupils_po=PUPILS, pupils_vo=30.0, schools=SCHOOLS)


@pytest.fixture(scope="module")
def space(ds, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("space")
    build_space(
        ds, out, proposal=SETTINGS, space=SpaceSettings(task_plans=5), scheduler="synchronous"
    )
    return out


def test_convolution_equals_the_brute_force_product() -> None:
    rng = np.random.default_rng(3)
    regions = []
    for n in (4, 3, 5):
        values = rng.integers(0, 40, size=n).astype(float)
        weights = rng.random(n)
        regions.append((values, weights / weights.sum()))
    d = convolve([Discrete.of(v, w, 1.0) for v, w in regions])
    brute: dict[float, float] = {}
    for combo in itertools.product(*[list(zip(v, w, strict=True)) for v, w in regions]):
        total = sum(c[0] for c in combo)
        brute[total] = brute.get(total, 0.0) + float(np.prod([c[1] for c in combo]))
    got = {float(v): float(p) for v, p in zip(d.values, d.p, strict=True) if p > 0}
    assert got.keys() == brute.keys()
    for k, p in brute.items():
        assert got[k] == pytest.approx(p, abs=1e-12)


def test_the_space_is_stored_with_a_manifest(space: Path) -> None:
    manifest = json.loads((space / "manifest.json").read_text())
    assert manifest["jeugdregios"] == 3 and manifest["exact"] == 3 and manifest["missing"] == []
    plans = read_plans(space)
    for e in manifest["regions"]:
        rows = plans[plans["jeugdregio"] == e["jeugdregio"]]
        assert len(rows) == e["count"] == e["rows"] == rows["plan"].nunique()
        assert rows["weight"].sum() == pytest.approx(1.0)
    assert int(manifest["valid_divisions_national"]) == np.prod(
        [e["count"] for e in manifest["regions"]]
    )
    # the largest jeugdregio was split into several tasks
    assert max(e["tasks"] for e in manifest["regions"]) > 2


def test_national_sums_equal_the_product_by_brute_force(space: Path) -> None:
    plans = read_plans(space)
    groups = [g for _, g in plans.groupby("jeugdregio")]
    nat = national(plans)
    totals: dict[float, float] = {}
    maxima: dict[float, float] = {}
    for combo in itertools.product(*[g.itertuples() for g in groups]):
        p = float(np.prod([c.weight for c in combo]))
        key = float(sum(round(c.disrupted) for c in combo))
        totals[key] = totals.get(key, 0.0) + p
        m = max(c.max_increase_km for c in combo)
        maxima[m] = maxima.get(m, 0.0) + p
    d = nat["disrupted"]
    got = {float(v): float(p) for v, p in zip(d["values"], d["p"], strict=True) if p > 1e-15}
    assert got.keys() == totals.keys()
    assert all(got[k] == pytest.approx(v, abs=1e-12) for k, v in totals.items())
    mx = nat["max_increase_km"]
    values, probs = np.asarray(mx["values"]), np.asarray(mx["p"])
    for x in sorted(maxima):  # CDFs agree at every brute-force value (ties within 1e-9)
        brute_cdf = sum(p for k, p in maxima.items() if k <= x + 1e-9)
        assert float(probs[values <= x + 1e-9].sum()) == pytest.approx(brute_cdf, abs=1e-12)


def test_resume_skips_complete_jeugdregios_and_other_settings_are_refused(ds, space) -> None:
    before = {p: p.stat().st_mtime for p in space.glob("plans/*/part-*.parquet")}
    again = build_space(
        ds, space, proposal=SETTINGS, space=SpaceSettings(task_plans=5), scheduler="synchronous"
    )
    assert sorted(again.skipped) == ["JA", "JB", "JC"] and again.tasks == 0
    assert {p: p.stat().st_mtime for p in space.glob("plans/*/part-*.parquet")} == before
    with pytest.raises(SpaceError, match="other settings"):
        build_space(
            ds, space, proposal=SETTINGS, space=SpaceSettings(cap=3), scheduler="synchronous"
        )


def test_an_interrupted_jeugdregio_is_redone(ds, space, tmp_path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(space, copy)
    (copy / "plans" / "jeugdregio=JA" / "_region.json").unlink()
    (copy / "plans" / "jeugdregio=JA" / "part-0000.parquet").write_bytes(b"broken")
    result = build_space(
        ds, copy, proposal=SETTINGS, space=SpaceSettings(task_plans=5), scheduler="synchronous"
    )
    assert sorted(result.skipped) == ["JB", "JC"]
    a, b = read_plans(space), read_plans(copy)
    assert sorted(a["plan"] + a["jeugdregio"]) == sorted(b["plan"] + b["jeugdregio"])


def test_above_the_cap_a_jeugdregio_is_sampled(ds, tmp_path) -> None:
    s = SpaceSettings(cap=5, draws=300, draw_tasks=2, chains=2, chain_steps=30, recom_chains=1)
    result = build_space(
        ds, tmp_path / "capped", proposal=SETTINGS, space=s, scheduler="synchronous"
    )
    entries = {e["jeugdregio"]: e for e in result.manifest["regions"]}
    sampled = [e for e in entries.values() if e["method"] == "sampled"]
    assert sampled and result.manifest["sampled"] == len(sampled)

    def draws_of(e: dict) -> pd.Series:
        d = tmp_path / "capped" / "plans" / f"jeugdregio={e['jeugdregio']}"
        return pd.concat(pd.read_parquet(f) for f in sorted(d.glob("part-*.parquet")))["swvs"]

    for e in sampled:
        assert e["count"] > 5 and e["draws"] == 300
        assert e["chain_method"].startswith("merge-split")
        assert set(e["chains"]) == set(e["recom"]) == set(e["count_by_swvs"])
        for diag in e["chains"].values():
            assert diag["chains"] == 2 and "rhat_disrupted" in diag and "ess_disrupted" in diag
            assert 0 < diag["acceptance"] <= 1 and diag["steps"] == 2 * 30
        for diag in e["recom"].values():
            assert diag["chains"] == 1 and "rhat_disrupted" in diag
        for k, check in e["chains_vs_draws"].items():
            assert check["draws"] == int((draws_of(e) == int(k)).sum())
            assert 0 <= check["ks"] <= 1 and check["critical"] > 0


def comparable(manifest: dict) -> dict:
    """A manifest without what depends on the run (timings) or on the cut of the work (tasks)."""
    out = {k: v for k, v in manifest.items() if k not in ("build_seconds",)}
    out["regions"] = [
        {k: v for k, v in e.items() if k not in ("seconds", "tasks")} for e in manifest["regions"]
    ]
    return out


def sorted_plans(space: Path) -> pd.DataFrame:
    key = ["jeugdregio", "plan"]
    return read_plans(space).sort_values(key).reset_index(drop=True)


def test_split_counting_builds_the_same_space(ds, space, tmp_path) -> None:
    """One counting task per first part against one per jeugdregio: the same manifest and
    plans (the fixture's space counts every jeugdregio in one task)."""
    split = build_space(
        ds,
        tmp_path / "split",
        proposal=SETTINGS,
        space=SpaceSettings(task_plans=5, count_parts=1),
        scheduler="synchronous",
    )
    counts = [e for e in split.timeline if e["kind"] == "count"]
    assert len(counts) > len({e["region"] for e in counts})  # some region was split
    whole = json.loads((space / "manifest.json").read_text())
    assert comparable(split.manifest) == comparable(whole)
    pd.testing.assert_frame_equal(sorted_plans(space), sorted_plans(tmp_path / "split"))
    # the split is not a setting: a space resumes whatever the counting tasks
    again = build_space(
        ds, tmp_path / "split", proposal=SETTINGS, space=SpaceSettings(task_plans=5)
    )
    assert again.tasks == 0 and len(again.skipped) == 3


def test_dask_with_one_and_two_workers_gives_the_same_space(ds, space, tmp_path) -> None:
    whole = comparable(json.loads((space / "manifest.json").read_text()))
    s = SpaceSettings(task_plans=5, count_parts=2)
    for workers in (1, 2):
        out = tmp_path / f"dask{workers}"
        r = build_space(ds, out, proposal=SETTINGS, space=s, workers=workers)
        assert comparable(r.manifest) == whole
        pd.testing.assert_frame_equal(sorted_plans(space), sorted_plans(out))
        kinds = {e["kind"] for e in r.timeline}
        assert kinds == {"parts", "count", "enum"} and len(r.timeline) >= r.tasks


def test_placement_counts_match_the_stored_plans(ds, space) -> None:
    plans = read_plans(space)
    # a plan from the space: one stored plan per jeugdregio, as a division of whole gemeenten
    from geo.proposals.problem import prepare
    from geo.space.model import parts_of_text, region_models

    ctx = prepare(ds, SETTINGS)
    models = region_models(ctx)
    assignment = {}
    chosen = plans.groupby("jeugdregio").nth(1)
    for row in chosen.itertuples():
        m = models[row.jeugdregio]
        for k, mask in enumerate(parts_of_text(row.plan)):
            for i in range(m.n):
                if mask >> i & 1:
                    assignment[m.units[i]] = f"{row.jeugdregio}-{k}"
    division = Division.from_assignment("swv", assignment)
    placed = place(ds, division, space, scenario="plan")
    assert placed["in_space"] is True
    for row in chosen.itertuples():
        g = plans[plans["jeugdregio"] == row.jeugdregio]
        fig = placed["jeugdregios_placement"][row.jeugdregio]["figures"]["disrupted"]
        assert fig["value"] == pytest.approx(row.disrupted)
        assert fig["better"] == int((g["disrupted"] < row.disrupted - 1e-6).sum())
        assert fig["below"] == pytest.approx(
            (g["disrupted"] < row.disrupted - 1e-6).mean(), abs=1e-6
        )
    # a division across jeugdregio borders lies in no jeugdregio's space
    nested = place(ds, ds.division("swv_po"), space, scenario="today")  # nested, too small
    assert nested["in_space"] is False and nested["reason_outside"] is None
    one = Division.from_assignment("swv", {u: "X" for u in ds.units.index})
    outside = place(ds, one, space, scenario="one")
    assert outside["in_space"] is False and outside["reason_outside"]
    total = float(ds.weight("pupils_po").sum() + ds.weight("pupils_vo").sum())
    assert outside["national"]["swvs"]["value"] == 3  # one piece per jeugdregio
    assert outside["national"]["disrupted"]["value"] < total


def test_placement_of_a_value() -> None:
    p = placement(np.array([1.0, 2.0, 2.0, 3.0]), np.full(4, 0.25), 2.0)
    assert p == {"below": 0.25, "equal": 0.5, "above": 0.25, "percentile": 50.0}


def test_readers_number_the_gemeenten_as_the_manifest_does(ds, space, monkeypatch) -> None:
    """A plan is stored as text in the build's numbering of the gemeenten (the manifest's
    ``units``). A reader that would number them otherwise (networkx's ordering used to change
    with each process's string hash seed) still reads the stored plans right: the placement
    of a stored plan finds it in the space with its stored disruption."""
    import geo.space.model as model
    from geo.space.model import parts_of_text

    manifest = json.loads((space / "manifest.json").read_text())
    units = {e["jeugdregio"]: e["units"] for e in manifest["regions"]}
    plans = read_plans(space)
    chosen = plans.groupby("jeugdregio").nth(1)
    assignment = {}
    for row in chosen.itertuples():  # read with the manifest's numbering, not geo.space.model
        for k, mask in enumerate(parts_of_text(row.plan)):
            for i, unit in enumerate(units[row.jeugdregio]):
                if mask >> i & 1:
                    assignment[unit] = f"{row.jeugdregio}-{k}"
    other = lambda graph: sorted((str(u) for u in graph.nodes), reverse=True)  # noqa: E731
    assert any(other(g) != units[r] for r, g in _graphs(ds).items())
    monkeypatch.setattr(model, "search_order", other)
    placed = place(ds, Division.from_assignment("swv", assignment), space, scenario="plan")
    assert placed["in_space"] is True
    for row in chosen.itertuples():
        fig = placed["jeugdregios_placement"][row.jeugdregio]["figures"]["disrupted"]
        assert fig["value"] == pytest.approx(row.disrupted)


def _graphs(ds) -> dict:
    from geo.proposals.problem import prepare

    return prepare(ds, SETTINGS).graphs


def test_the_numbering_is_the_same_in_every_process() -> None:
    """The build's numbering does not depend on the process's string hash seed."""
    import subprocess
    import sys

    code = (
        "import networkx as nx; from geo.space.model import search_order; "
        "g = nx.grid_2d_graph(4, 5); "
        "g = nx.relabel_nodes(g, {n: f'GM{n[0]}{n[1]}' for n in g}); print(search_order(g))"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**__import__("os").environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in (1, 2, 3, 4)
    }
    assert len(outs) == 1
