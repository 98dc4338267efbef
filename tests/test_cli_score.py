"""``regio score``: JSON and table output, clear errors with exit code 2."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from fixtures.synthetic import synthetic_dataset
from geo.division import NO_REGION, Division
from regio import app
from regio import common as cli_common

runner = CliRunner()

REGION_KEYS = {"region", "name", "total", "best_match", "containment", "nested", "splits"}
SUMMARY_KEYS = {"nested_regions", "nested_share", "mean_containment", "congruence", "ari", "nmi"}


@pytest.fixture()
def synthetic(monkeypatch):
    ds = synthetic_dataset()
    monkeypatch.setattr(cli_common, "load_data", lambda data: ds)
    return ds


def pandas_table(a: Division, b: Division, w: pd.Series) -> pd.DataFrame:
    """n_ab over real regions by a plain merge + groupby (independent of the engine)."""
    ma, mb = a.membership, b.membership
    ma, mb = ma[ma["region"] != NO_REGION], mb[mb["region"] != NO_REGION]
    pieces = ma.merge(mb, on="unit", suffixes=("_a", "_b"))
    pieces["n"] = pieces["share_a"] * pieces["share_b"] * pieces["unit"].map(w)
    return pieces.pivot_table(
        index="region_a", columns="region_b", values="n", aggfunc="sum", fill_value=0.0
    )


def test_score_json_is_one_object_with_the_required_keys(synthetic) -> None:
    result = runner.invoke(
        app,
        [
            "score",
            "huidig",
            "--division",
            "swv_vo",
            "--against",
            "jeugdregio",
            "--weight",
            "pupils",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # raises if there is more than one JSON value
    assert (payload["division"], payload["against"], payload["weight"]) == (
        "swv_vo",
        "jeugdregio",
        "pupils",
    )
    assert all(REGION_KEYS <= set(r) for r in payload["regions"])
    assert SUMMARY_KEYS | {"vi"} <= set(payload["summary"])
    # containment per region, recomputed with pandas
    n = pandas_table(
        synthetic.divisions["swv_vo"], synthetic.divisions["jeugdregio"], synthetic.weight("pupils")
    )
    expected = (n.max(axis=1) / n.sum(axis=1)).to_dict()
    got = {r["region"]: r["containment"] for r in payload["regions"]}
    assert got == pytest.approx(expected)
    nested = sum(1 for c in expected.values() if c >= 0.995)
    assert payload["summary"]["nested_regions"] == nested


def test_score_table_output_and_tolerance(synthetic) -> None:
    result = runner.invoke(app, ["score", "huidig", "--division", "swv_po", "--weight", "area"])
    assert result.exit_code == 0, result.output
    assert "huidig: swv_po in jeugdregio, weight area" in result.stdout
    assert "C3" in result.stdout and "congruence" in result.stdout
    n = pandas_table(
        synthetic.divisions["swv_vo"], synthetic.divisions["jeugdregio"], synthetic.weight("area")
    )
    containment = n.max(axis=1) / n.sum(axis=1)
    for tolerance in ("0.995", "0.1"):
        payload = json.loads(
            runner.invoke(
                app, ["score", "huidig", "--division", "swv_vo", "--tolerance", tolerance, "--json"]
            ).stdout
        )
        expected = int((containment >= float(tolerance)).sum())
        assert payload["summary"]["nested_regions"] == expected
    assert (containment >= 0.1).sum() > (containment >= 0.995).sum()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--division", "swv_px"], "unknown division 'swv_px'"),
        (["--against", "jeugd"], "choose one of arbeidsmarktregio, ggdregio, jeugdregio"),
        (["--weight", "leerlingen"], "choose one of area, inhabitants"),
    ],
)
def test_bad_names_exit_2_listing_the_options(synthetic, args, words) -> None:
    result = runner.invoke(app, ["score", "huidig", *args])
    assert result.exit_code == 2
    assert words in " ".join(result.stderr.split())
    assert "Traceback" not in result.output


def test_scenario_file_and_invalid_scenario(synthetic, tmp_path) -> None:
    good = tmp_path / "plan.yaml"
    good.write_text(
        "name: plan\ndescription: merge two columns\nedits:\n"
        "  - {op: merge, division: swv_po, regions: [C0, C1], into: C01}\n"
    )
    result = runner.invoke(app, ["score", str(good), "--json"])
    assert result.exit_code == 0, result.output
    assert {r["region"] for r in json.loads(result.stdout)["regions"]} == {"C01", "C2", "C3"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ndescription: d\nedits:\n  - {op: merge, division: swv_po, regions: [C0, C9],"
        " into: X}\n"
    )
    result = runner.invoke(app, ["score", str(bad)])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "bad.yaml: edits[0].regions: unknown region 'C9'" in message


@pytest.mark.integration
def test_score_json_on_the_real_data(dataset, data_dir) -> None:
    result = runner.invoke(
        app,
        [
            "score",
            "huidig",
            "--division",
            "swv_po",
            "--weight",
            "area",
            "--json",
            "--data",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert len(payload["regions"]) == 76 and len(payload["reverse_regions"]) == 42
    n = pandas_table(
        dataset.divisions["swv_po"], dataset.divisions["jeugdregio"], dataset.weight("area")
    )
    nested = int(((n.max(axis=1) / n.sum(axis=1)) >= 0.995).sum())
    assert payload["summary"]["nested_regions"] == nested
