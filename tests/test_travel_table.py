"""The operator's travel table (issue 19, item 3) on synthetic data: the reader's checks and the
travel model behind P2 (figures computed here independently from the tables' formulas)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fixtures.proposal_grids import centres, layout_dataset
from fixtures.travel_tables import synthetic_km, write_table
from geo.checks import build_context, verdict
from geo.checks.table import CALIBRATION_MIN_PAIRS, dataset_model
from geo.config import CRS_METRIC
from geo.data.travel_table import read_travel_table
from geo.errors import SourceError

SCHOOLS = [("GM0000", "SO"), ("GM0003", "SBAO"), ("GM0107", "(V)SO"), ("GM0204", "SO")]


@pytest.fixture(scope="module")
def ds():
    """3 x 8 gemeenten of 2 km, one jeugdregio, two PO SWVs, four PO locations."""
    return layout_dataset(["AAAAAAAA"] * 3, ["AAAABBBB"] * 3, schools=SCHOOLS, size=2000.0)


def _read(ds, path: Path, pc4s=()):
    return read_travel_table(
        path,
        units=ds.units.index,
        locations=ds.special_schools["vestigingscode"],
        pc4s=pc4s,
    )


def _with(ds, table, postcodes=None, special=None):
    return dataclasses.replace(
        ds,
        travel_table=table,
        postcodes=postcodes if postcodes is not None else ds.postcodes,
        special_schools=special if special is not None else ds.special_schools,
    )


def _ids(ds) -> list[str]:
    return ds.special_schools["vestigingscode"].astype(str).tolist()


def _points(ds) -> np.ndarray:
    c = centres(ds)
    return np.c_[c.x.to_numpy(), c.y.to_numpy()]


def _school_points(ds) -> np.ndarray:
    s = ds.special_schools.to_crs(CRS_METRIC)
    return np.c_[s.geometry.x.to_numpy(), s.geometry.y.to_numpy()]


def test_gemeente_by_location_table_is_the_travel_model(ds, tmp_path: Path) -> None:
    units, ids = list(ds.units.index), _ids(ds)
    path = write_table(
        tmp_path / "reistabel.csv",
        ["gemeente", "vestiging", "km"],
        [(u, s) for u in units for s in ids],
    )
    table = _read(ds, path)
    assert table.layout == "location" and table.value == "km" and len(table.rows) == 96
    tds = _with(ds, table)
    ctx = build_context(tds, points=centres(ds))
    expected = np.array([[synthetic_km(u, s) for s in ids] for u in units])
    assert np.array_equal(ctx.travel["po"].dist, expected)
    assert ctx.distance["name"] == "afstand uit de reistabel van de beheerder"
    assert ctx.distance["levels"]["po"] == {
        "pairs": 96,
        "from_table": 96,
        "fallback": 0,
        "fallback_factor": None,
    }
    # today's distance, independently: nearest location of the gemeente's own SWV
    swv = ds.divisions["swv_po"].assignment()
    school_swv = dict(zip(ids, ds.special_schools["swv_po"], strict=True))
    before = [min(synthetic_km(u, s) for s in ids if school_swv[s] == swv[u]) for u in units]
    pupils = ds.weight("pupils_po").reindex(units).to_numpy()
    p2 = verdict(ctx, tds.divisions).result("P2")
    figures = p2.figures
    assert figures["distance_model"] == "afstand uit de reistabel van de beheerder"
    mean = figures["levels"]["po"]["weighted_mean_km"]["before"]
    assert mean == pytest.approx(float(np.dot(before, pupils) / pupils.sum()), abs=1e-3)
    assert "travel model: afstand uit de reistabel van de beheerder; all 120" in p2.summary
    assert "reistabel.csv" in figures["distance_rule"]


def test_minutes_only_count_one_km_a_minute_and_say_so(ds, tmp_path: Path) -> None:
    units, ids = list(ds.units.index), _ids(ds)
    path = write_table(
        tmp_path / "t.csv",
        ["gemeentecode", "vestigingscode", "minuten"],
        [(u[2:], s) for u in units for s in ids],  # numeric gemeente codes are accepted
    )
    table = _read(ds, path)
    assert table.value == "minutes"
    ctx = build_context(_with(ds, table), points=centres(ds))
    assert ctx.distance["name"] == "reistijd uit de reistabel van de beheerder (1 minuut = 1 km)"
    assert ctx.travel["vo"].dist[5, 0] == synthetic_km(units[5][2:], ids[2])  # S002: (V)SO


def test_missing_pairs_take_the_water_aware_distance_times_the_tables_ratio(
    ds, tmp_path: Path
) -> None:
    units, ids = list(ds.units.index), _ids(ds)
    straight = np.hypot(
        *(_points(ds)[:, None, :] - _school_points(ds)[None, :, :]).transpose(2, 0, 1)
    )
    km = pd.DataFrame(straight / 1e3 * 1.5, index=units, columns=ids)
    # PO pairs missing where (i + j) % 3 == 0; the one VO location (S002) is always there
    pairs = [
        (u, s) for i, u in enumerate(units) for j, s in enumerate(ids) if (i + j) % 3 or s == "S002"
    ]
    path = write_table(
        tmp_path / "t.csv",
        ["gemeente", "vestiging", "km"],
        pairs,
        lambda u, s: round(km.loc[u, s], 6),
    )
    ctx = build_context(_with(ds, _read(ds, path)), points=centres(ds))
    stats = ctx.distance["levels"]["po"]
    assert stats["from_table"] == len(pairs) and stats["fallback"] == 96 - len(pairs)
    assert stats["fallback_factor"] == pytest.approx(1.5, abs=1e-4)
    # every pair, in the table or not, is 1.5 x the straight line (no water on this grid)
    assert np.allclose(ctx.travel["po"].dist, km.to_numpy(), atol=1e-5)
    assert ctx.distance["levels"]["vo"]["fallback"] == 0
    p2 = verdict(ctx, ds.divisions).result("P2")
    assert f"{96 - len(pairs)} of 120 gemeente-location pairs not in the table" in p2.summary


def test_too_few_pairs_to_scale_the_missing_ones_is_refused(ds, tmp_path: Path) -> None:
    ids = _ids(ds)
    pairs = [(u, ids[0]) for u in list(ds.units.index)[: CALIBRATION_MIN_PAIRS - 5]]
    path = write_table(tmp_path / "reistabel.csv", ["gemeente", "vestiging", "km"], pairs)
    with pytest.raises(SourceError, match=r"reistabel\.csv.*not in the travel table.*fewer than"):
        build_context(_with(ds, _read(ds, path)), points=centres(ds))


def _pc4_layer(ds) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two PC4s per gemeente (children 1 and 3), each location in its gemeente's first PC4."""
    rows = []
    for k, unit in enumerate(ds.units.index):
        for n, young in enumerate((1.0, 3.0)):
            rows.append({"pc4": str(1000 + 2 * k + n), "unit": unit, "inhabitants_0_15": young,
                         "inhabitants": 10.0})  # fmt: skip
    postcodes = pd.DataFrame(rows)
    first = postcodes.groupby("unit")["pc4"].first()
    special = ds.special_schools.copy()
    special["pc4"] = first.reindex(special["unit"]).to_numpy()
    return postcodes, special


def test_pc4_table_weights_a_gemeentes_postcodes_by_children(ds, tmp_path: Path) -> None:
    postcodes, special = _pc4_layer(ds)
    targets = sorted(set(special["pc4"]))
    pairs = [(a, b) for a in postcodes["pc4"] for b in targets]
    dropped = ("1003", targets[-1])  # GM0001's second PC4 lacks a row to the last location PC4
    pairs.remove(dropped)
    path = write_table(
        tmp_path / "t.csv", ["from_pc4", "to_pc4", "minutes", "km"], pairs, columns=2
    )
    table = read_travel_table(
        path, units=ds.units.index, locations=special["vestigingscode"], pc4s=postcodes["pc4"]
    )
    assert table.layout == "pc4" and table.value == "km"
    tds = _with(ds, table, postcodes, special)
    ctx = build_context(tds, points=centres(ds))
    dist = ctx.travel["po"].dist
    for i, unit in enumerate(ds.units.index):
        a, b = postcodes[postcodes["unit"] == unit]["pc4"]
        for j, target in enumerate(special["pc4"]):
            if unit == "GM0001" and target == targets[-1]:
                continue  # filled by the fallback
            expected = (
                1.0 * synthetic_km(a, target) * 1.5 + 3.0 * synthetic_km(b, target) * 1.5
            ) / 4
            assert dist[i, j] == pytest.approx(expected), (unit, target)
    stats = ctx.distance["levels"]["po"]
    assert stats["fallback"] == int((special["pc4"] == targets[-1]).sum())
    assert "PC4s weighted by inhabitants aged 0-14" in ctx.point_rule


def test_without_a_table_the_water_aware_model_stays(ds) -> None:
    assert dataset_model(ds).name == "hemelsbreed over land, via vaste oeververbindingen"


BAD_ROWS = [
    ("gemeente,vestiging,tijd", [], "line 1: unknown column(s) 'tijd'"),
    ("van,naar,km", [], "line 1: unknown column(s) 'van', 'naar'"),
    ("gemeente,vestiging", [], "line 1: no value column"),
    ("from_pc4,vestiging,km", [], "line 1: no pair of key columns"),
    ("gemeente,vestiging,km", ["GM0000,S000,abc"], "line 2: km 'abc' is not a number"),
    ("gemeente,vestiging,km", ["GM0000,S000,-3"], "line 2: km -3 is negative"),
    ("gemeente,vestiging,km", ["GM0000,S000,inf"], "line 2: km 'inf' is not a number"),
    ("gemeente,vestiging,km", ["GM9999,S000,3"], "line 2: unknown gemeente 'GM9999'"),
    ("gemeente,vestiging,km", ["GM0000,ZZ99,3"], "line 2: unknown location 'ZZ99'"),
    ("gemeente,vestiging,km", ["GM0000,S000,3", "GM0000,S000,4"],
     "line 3: pair GM0000 -> S000 listed twice (first on line 2)"),
    ("gemeente,vestiging,km", ["GM0000,S000"], "line 2: expected 3 fields, got 2"),
    ("gemeente,vestiging,minutes,km", ["GM0000,S000,12,"], "line 2: km is empty"),
    ("from_pc4,to_pc4,km", ["1000,9999,3"], "line 2: unknown PC4 '9999' in to_pc4"),
    ("from_pc4,to_pc4,km", ["abcd,1000,3"], "line 2: unknown PC4 'abcd' in from_pc4"),
    ("gemeente,vestiging,km", [], "no rows after the header"),
]  # fmt: skip


@pytest.mark.parametrize(("header", "rows", "problem"), BAD_ROWS)
def test_bad_rows_are_named_with_file_and_line(ds, tmp_path: Path, header, rows, problem) -> None:
    path = tmp_path / "reistabel.csv"
    path.write_text("\n".join([header, *rows]) + "\n")
    with pytest.raises(SourceError) as info:
        _read(ds, path, pc4s=["1000", "1001"])
    message = str(info.value)
    assert "reistabel.csv" in message and problem in message


def test_every_bad_row_is_counted_and_nothing_loaded(ds, tmp_path: Path) -> None:
    lines = ["gemeente,vestiging,km", "GM0000,S000,1"] + [f"GM0000,S001,x{i}" for i in range(14)]
    path = tmp_path / "reistabel.csv"
    path.write_text("\n".join(lines))
    with pytest.raises(SourceError, match=r"14 bad row\(s\) \(and 4 more\).*nothing was loaded"):
        _read(ds, path)


def test_semicolons_and_decimal_commas_as_dutch_spreadsheets_write_them(ds, tmp_path: Path) -> None:
    path = tmp_path / "reistabel.csv"
    path.write_text("Gemeente;Vestiging;Minuten;KM\nGM0000;s000;12,5;1.234,5\n")
    table = _read(ds, path)
    assert table.rows.to_dict("records") == [
        {"origin": "GM0000", "target": "S000", "minutes": 12.5, "km": 1234.5}
    ]


def test_proposals_use_the_table_and_name_it(ds, tmp_path: Path) -> None:
    from geo.proposals.problem import ProposalSettings, prepare

    units, ids = list(ds.units.index), _ids(ds)
    path = write_table(
        tmp_path / "t.csv", ["gemeente", "vestiging", "km"], [(u, s) for u in units for s in ids]
    )
    ctx = prepare(_with(ds, _read(ds, path)), ProposalSettings(), points=centres(ds))
    assert ctx.travel.distance_name == "afstand uit de reistabel van de beheerder"
    expected = np.array([[synthetic_km(u, s) for s in ids] for u in units])
    assert np.array_equal(ctx.travel.dist["po"], expected)
    assert ctx.point_rule.startswith("the gemeente as a whole (operator's gemeente x location")


def test_the_space_names_the_table_and_is_never_resumed_under_another_model(
    ds, tmp_path: Path
) -> None:
    import json

    from geo.space.build import SpaceSettings, build_space
    from geo.space.errors import SpaceError

    ds = layout_dataset(
        ["AAB", "AAB"], ["ppq", "ppq"], schools=[("GM0000", "SO"), ("GM0102", "SO")]
    )
    units, ids = list(ds.units.index), _ids(ds)
    path = write_table(
        tmp_path / "t.csv", ["gemeente", "vestiging", "km"], [(u, s) for u in units for s in ids]
    )
    tds = _with(ds, _read(ds, path))
    settings = ProposalSettingsForSpace()
    out = tmp_path / "space"
    build_space(
        tds, out, proposal=settings, space=SpaceSettings(task_plans=5), scheduler="synchronous"
    )
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["distance_model"] == "afstand uit de reistabel van de beheerder"
    assert manifest["settings"]["travel_table"] == tds.travel_table.sha256
    with pytest.raises(SpaceError, match="other settings"):  # the water-aware model: refused
        build_space(ds, out, proposal=settings, space=SpaceSettings(task_plans=5),
                    scheduler="synchronous")  # fmt: skip


def ProposalSettingsForSpace():  # noqa: N802 - reads as the settings it returns
    """Generous bounds for a 2 x 3 grid (two jeugdregio's, six gemeenten)."""
    from geo.proposals.problem import ProposalSettings

    return ProposalSettings(min_pupils=100, max_pupils=5000, max_extra_km=500.0,
                            max_extra_mean_km=500.0)  # fmt: skip
