"""``regio variants``: every border move, ranked by gain in congruence (checked independently)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from fixtures.synthetic import synthetic_dataset
from geo.division import NO_REGION, Division
from geo.scenarios import edits
from regio import app
from regio import common as cli_common
from regio.variants import rank_variants

runner = CliRunner()


@pytest.fixture()
def synthetic(monkeypatch):
    ds = synthetic_dataset()
    monkeypatch.setattr(cli_common, "load_data", lambda data: ds)
    return ds


def congruence(a: Division, b: Division, w: pd.Series) -> float:
    """(sum of row maxima + sum of column maxima) / 2N over real regions, with pandas (each
    division's shares for the weight ``w.name``, as the engine uses them)."""
    ma, mb = a.for_weight(w.name).membership, b.for_weight(w.name).membership
    ma, mb = ma[ma["region"] != NO_REGION], mb[mb["region"] != NO_REGION]
    pieces = ma.merge(mb, on="unit", suffixes=("_a", "_b"))
    pieces["n"] = pieces["share_a"] * pieces["share_b"] * pieces["unit"].map(w)
    n = pieces.pivot_table(
        index="region_a", columns="region_b", values="n", aggfunc="sum", fill_value=0.0
    )
    return float((n.max(axis=1).sum() + n.max(axis=0).sum()) / (2 * n.to_numpy().sum()))


def grid_neighbours(units: pd.DataFrame) -> dict[str, set[str]]:
    """Queen neighbours on the synthetic grid from row/col arithmetic (no geometry)."""
    pos = {
        (int(r), int(c)): code
        for code, r, c in zip(units.index, units["row"], units["col"], strict=True)
    }
    return {
        code: {
            pos[(r + dr, c + dc)]
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            if (dr or dc) and (r + dr, c + dc) in pos
        }
        for (r, c), code in pos.items()
    }


def test_variants_json_ranks_every_border_move_by_gain(synthetic) -> None:
    result = runner.invoke(
        app,
        [
            "variants",
            "huidig",
            "--division",
            "swv_vo",
            "--against",
            "jeugdregio",
            "--weight",
            "pupils",
            "--top",
            "1000",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    variants = payload["variants"]
    gains = [v["gain"] for v in variants]
    assert gains == sorted(gains, reverse=True)
    assert [v["rank"] for v in variants] == list(range(1, len(variants) + 1))
    # the candidate set: each unit to each other region of a queen neighbour
    from fixtures.synthetic import grid

    units = grid(6, 8)
    vo = synthetic.divisions["swv_vo"]
    own = vo.assignment()
    expected = {
        (u, own[v]) for u, ns in grid_neighbours(units).items() for v in ns if own[v] != own[u]
    }
    assert {(v["unit"], v["to"]) for v in variants} == expected
    assert payload["evaluated"] == len(expected)
    # gains recomputed by applying the move and scoring with pandas
    w = synthetic.weight("pupils")
    jz = synthetic.divisions["jeugdregio"]
    base = congruence(vo, jz, w)
    assert payload["baseline_congruence"] == pytest.approx(base)
    for v in variants[:3] + variants[-2:]:
        moved = edits.move(vo, v["unit"], v["to"], from_=v["from"])
        assert v["gain"] == pytest.approx(congruence(moved, jz, w) - base, abs=1e-12)
    assert payload["improving"] == sum(g > 0 for g in gains)


def test_variants_table_and_csv(synthetic, tmp_path) -> None:
    out = tmp_path / "variants.csv"
    result = runner.invoke(app, ["variants", "huidig", "--top", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "best single-unit moves of swv_po" in " ".join(result.stdout.split())
    frame = pd.read_csv(out)
    assert list(frame["rank"]) == list(range(1, len(frame) + 1))
    assert frame["gain"].is_monotonic_decreasing
    assert {"unit", "unit_name", "from", "to", "to_name", "congruence", "gain"} <= set(frame)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--moves", "everything"], "unknown move set 'everything'; choose one of all-border"),
        (["--division", "jeugdregio"], "--division and --against are the same division"),
        (["--weight", "kids"], "unknown weight 'kids'"),
    ],
)
def test_variants_bad_options_exit_2(synthetic, args, words) -> None:
    result = runner.invoke(app, ["variants", "huidig", *args])
    assert result.exit_code == 2 and words in " ".join(result.stderr.split())


def test_rank_variants_breaks_ties_by_unit_and_region() -> None:
    a = Division.from_assignment("a", {"x": "A", "y": "B", "z": "C"})
    b = Division.from_assignment("b", {"x": "X", "y": "X", "z": "X"})
    ranked, base = rank_variants(
        a, b, pd.Series(1.0, index=["x", "y", "z"]), {"x": ["y", "z"], "y": ["z"]}
    )
    assert base == pytest.approx((1 + 1 + 1 + 1) / 6)
    assert list(zip(ranked["unit"], ranked["to"], strict=True)) == [
        ("x", "B"),
        ("x", "C"),
        ("y", "A"),
        ("y", "C"),
        ("z", "A"),
        ("z", "B"),
    ]
    assert (ranked["gain"] > 0).all()


@pytest.mark.integration
def test_variants_on_the_real_data(dataset, data_dir) -> None:
    result = runner.invoke(
        app,
        [
            "variants",
            "huidig",
            "--division",
            "swv_po",
            "--weight",
            "pupils",
            "--top",
            "5",
            "--json",
            "--data",
            str(data_dir),
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["evaluated"] > 300
    best = payload["variants"][0]
    moved = edits.move(dataset.divisions["swv_po"], best["unit"], best["to"], from_=best["from"])
    w, jz = dataset.weight("pupils"), dataset.divisions["jeugdregio"]
    gain = congruence(moved, jz, w) - congruence(dataset.divisions["swv_po"], jz, w)
    assert best["gain"] == pytest.approx(gain, abs=1e-9)
