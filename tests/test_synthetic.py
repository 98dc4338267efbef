"""Tests for fixtures/synthetic.py: the grid and band divisions other tests stand on."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from fixtures.synthetic import blocks, col_bands, grid, row_bands, split_unit, synthetic_dataset
from geo.dataset import WEIGHTS
from geo.division import NO_REGION


def test_grid_geometry_and_weights() -> None:
    units = grid(3, 5, size=200.0, seed=7)
    assert len(units) == 15 and units.crs.to_epsg() == 28992
    assert units.index[7] == "GM0007" and (units.loc["GM0007", ["row", "col"]] == [1, 2]).all()
    np.testing.assert_allclose(units["area_km2"], units.area / 1e6)
    assert units["area_km2"].sum() == pytest.approx(15 * 0.04)
    # squares tile the grid: the union is one rectangle of the total area
    assert units.union_all().area == pytest.approx(units.area.sum())
    assert (
        units["pupils_total"] == units[["pupils_po", "pupils_vo", "pupils_special"]].sum(axis=1)
    ).all()
    assert grid(3, 5, seed=7).equals(grid(3, 5, seed=7))
    assert not grid(3, 5, seed=7)["inhabitants"].equals(grid(3, 5, seed=8)["inhabitants"])
    with pytest.raises(ValueError, match="at least one row"):
        grid(0, 3)


def test_band_divisions() -> None:
    units = grid(4, 6)
    assert row_bands(units, 2).assignment().value_counts().to_dict() == {"R0": 12, "R1": 12}
    assert col_bands(units, 3).assignment().value_counts().to_dict() == {
        "C0": 8,
        "C1": 8,
        "C2": 8,
    }
    b = blocks(units, 2, 3)
    assert b.n_regions == 4 and b.assignment()["GM0023"] == "B1_1"
    s = split_unit(b, "GM0000", {"B0_0": 0.5, NO_REGION: 0.5})
    assert s.split_units() == ["GM0000"] and s.unassigned()["GM0000"] == 0.5


def test_synthetic_dataset_has_every_division_and_weight() -> None:
    ds = synthetic_dataset()
    assert set(ds.divisions) == {
        "jeugdregio",
        "provincie",
        "ggdregio",
        "veiligheidsregio",
        "arbeidsmarktregio",
        "swv_po",
        "swv_vo",
    }
    assert ds.units.crs.to_epsg() == 4326
    for name in WEIGHTS:
        assert ds.weight(name).notna().all()
    for division in ds.divisions.values():
        assert division.units.equals(ds.units.index)


def test_docstring_examples() -> None:
    assert doctest.testmod(importlib.import_module("fixtures.synthetic")).failed == 0
