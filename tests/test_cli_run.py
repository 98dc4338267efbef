"""``regio run``: tidy tables for every scenario x comparison, locally and on a Dask cluster."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from fixtures.synthetic import synthetic_dataset
from regio import app
from regio import common as cli_common
from regio.run import split_option

runner = CliRunner()

PLAN = """\
name: plan
description: PO and VO together, vo_base rule
principles: [2]
edits:
  - {op: derive_swv, rule: vo_base}
"""


@pytest.fixture()
def synthetic(monkeypatch, tmp_path):
    ds = synthetic_dataset()
    monkeypatch.setattr(cli_common, "load_data", lambda data: ds)
    (tmp_path / "plan.yaml").write_text(PLAN)
    return ds


def run(tmp_path, out: str, *extra: str) -> object:
    return runner.invoke(
        app, ["run", "huidig", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / out), *extra]
    )


def test_run_writes_tidy_tables_for_every_comparison(synthetic, tmp_path) -> None:
    result = run(
        tmp_path,
        "out",
        "--division",
        "swv_po,swv_vo",
        "--weight",
        "area",
        "--weight",
        "pupils",
        "--jobs",
        "1",
    )
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == 2 * 2 * 1 * 2  # scenarios x divisions x against x weights
    keys = summary[["scenario", "division", "against", "weight"]]
    assert not keys.duplicated().any()
    assert set(summary["scenario"]) == {"huidig", "plan"}
    assert set(summary["against"]) == {"jeugdregio"}
    parquet = pd.read_parquet(out / "summary.parquet")
    pd.testing.assert_frame_equal(
        parquet[["scenario", "congruence"]].astype({"scenario": object}),
        summary[["scenario", "congruence"]].astype({"scenario": object}),
    )
    regions = pd.read_parquet(out / "regions.parquet")
    assert {
        "scenario",
        "division",
        "against",
        "weight",
        "direction",
        "region",
        "containment",
        "nested",
        "splits",
    } <= set(regions.columns)
    # one row per region of the scored division (forward) and of jeugdregio (reverse)
    n_forward = regions[
        (regions["direction"] == "forward")
        & (regions["scenario"] == "huidig")
        & (regions["division"] == "swv_po")
        & (regions["weight"] == "area")
    ]
    assert sorted(n_forward["region"]) == sorted(synthetic.divisions["swv_po"].regions)
    n_reverse = regions[
        (regions["direction"] == "reverse")
        & (regions["scenario"] == "huidig")
        & (regions["division"] == "swv_po")
        & (regions["weight"] == "area")
    ]
    assert len(n_reverse) == synthetic.divisions["jeugdregio"].n_regions
    # nested count in the summary agrees with the region table
    for row in summary.itertuples():
        part = regions[
            (regions["scenario"] == row.scenario)
            & (regions["division"] == row.division)
            & (regions["weight"] == row.weight)
            & (regions["direction"] == "forward")
        ]
        assert int(part["nested"].sum()) == row.nested_regions
    meta = json.loads((out / "run.json").read_text())
    assert [s["name"] for s in meta["scenarios"]] == ["huidig", "plan"]


def test_default_comparisons_skip_missing_divisions(synthetic, tmp_path) -> None:
    result = run(tmp_path, "out", "--weight", "area", "--jobs", "1")
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    pairs = set(zip(summary["scenario"], summary["division"], strict=True))
    assert pairs == {
        ("huidig", "swv_po"),
        ("huidig", "swv_vo"),
        ("plan", "swv_po"),
        ("plan", "swv_vo"),
        ("plan", "swv"),
    }
    assert (
        "huidig: no division 'swv'"
        in json.loads((tmp_path / "out" / "run.json").read_text())["skipped"]
    )


def test_process_pool_gives_the_same_tables_as_a_single_process(synthetic, tmp_path) -> None:
    assert run(tmp_path, "one", "--jobs", "1").exit_code == 0
    result = run(tmp_path, "two", "--jobs", "2")
    assert result.exit_code == 0, result.output
    for name in ("summary.parquet", "regions.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "one" / name), pd.read_parquet(tmp_path / "two" / name)
        )


def test_dask_scheduler_gives_the_same_tables(synthetic, tmp_path) -> None:
    from distributed import LocalCluster

    assert run(tmp_path, "local", "--jobs", "1").exit_code == 0
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        result = run(tmp_path, "dask", "--scheduler", cluster.scheduler_address)
    assert result.exit_code == 0, result.output
    for name in ("summary.parquet", "regions.parquet"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(tmp_path / "local" / name), pd.read_parquet(tmp_path / "dask" / name)
        )
    assert "Dask scheduler" in json.loads((tmp_path / "dask" / "run.json").read_text())["executor"]


def test_unreachable_scheduler_is_a_clear_error(synthetic, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("regio.run.SCHEDULER_TIMEOUT", "1s")
    result = run(tmp_path, "x", "--scheduler", "tcp://127.0.0.1:9", "--weight", "area")
    assert result.exit_code == 2
    assert "cannot run on Dask scheduler tcp://127.0.0.1:9" in " ".join(result.stderr.split())


def test_an_invalid_scenario_stops_the_run_before_anything_is_written(synthetic, tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\ndescription: d\nedits:\n  - {op: copy, division: x, from: swv}\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", "huidig", str(bad), "--out", str(out)])
    assert result.exit_code == 2
    assert "bad.yaml: edits[0].from: no division 'swv'" in " ".join(result.stderr.split())
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--division", "swv"], "unknown division 'swv' in scenario 'huidig'"),
        (["--weight", "area,kids"], "unknown weight 'kids'"),
    ],
)
def test_bad_options_exit_2(synthetic, tmp_path, args, words) -> None:
    result = run(tmp_path, "out", *args)
    assert result.exit_code == 2 and words in " ".join(result.stderr.split())
    assert not (tmp_path / "out").exists()


def test_two_scenarios_with_one_name_are_refused(synthetic, tmp_path) -> None:
    result = runner.invoke(app, ["run", "huidig", "huidig", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "two scenarios are named 'huidig'" in result.stderr


def test_split_option() -> None:
    assert split_option(None) == []
    assert split_option(["a,b", "b", "c,,"]) == ["a", "b", "c"]


@pytest.mark.integration
def test_run_on_the_real_library(dataset, data_dir, tmp_path) -> None:
    out = tmp_path / "real"
    result = runner.invoke(
        app,
        [
            "run",
            "huidig",
            "jeugdregio_41",
            "swv_binnen_jeugdregio",
            "--out",
            str(out),
            "--division",
            "swv_po",
            "--weight",
            "area",
            "--jobs",
            "2",
            "--data",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = pd.read_parquet(out / "summary.parquet").set_index("scenario")
    assert summary.loc["swv_binnen_jeugdregio", "nested_share"] == pytest.approx(1.0)
    assert summary.loc["huidig", "regions"] == 76
    assert summary.loc["jeugdregio_41", "reverse_regions"] == 41
