"""Tests for geo.overlap.geometry: exact overlay agrees with the matrix mode; bad input named."""

from __future__ import annotations

import doctest
import importlib
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from fixtures.synthetic import ORIGIN, blocks, col_bands, grid, row_bands
from geo.config import CRS_METRIC
from geo.division import NO_REGION, Division
from geo.errors import GeometryError, RepairedGeometryWarning
from geo.overlap import contingency, overlay_contingency


def dissolve(units: gpd.GeoDataFrame, division: Division, key: str = "region") -> gpd.GeoDataFrame:
    """Regions of a whole-unit division as polygons."""
    frame = units[["geometry"]].assign(**{key: division.assignment().reindex(units.index)})
    return frame.dissolve(by=key).reset_index()


def assert_same_table(geometry_mode, matrix_mode) -> None:
    assert list(geometry_mode.row_labels) == list(matrix_mode.row_labels)
    assert list(geometry_mode.col_labels) == list(matrix_mode.col_labels)
    np.testing.assert_allclose(
        geometry_mode.table, matrix_mode.table, rtol=1e-6, atol=1e-9 * matrix_mode.total
    )


def test_matrix_and_geometry_mode_agree_on_unit_built_divisions() -> None:
    units = grid(6, 8, size=750.0)
    a, b = blocks(units, 2, 3, name="a"), col_bands(units, 3, name="b")
    regions_a, regions_b = dissolve(units, a), dissolve(units, b)
    area = overlay_contingency(regions_a, regions_b, "region", "region")
    assert_same_table(area, contingency(a, b, units["area_km2"]))
    for weight in ("inhabitants", "pupils_po"):
        prorated = overlay_contingency(
            regions_a, regions_b, "region", "region", units=units, weight=weight
        )
        assert_same_table(prorated, contingency(a, b, units[weight]))
        assert any("spread evenly" in note for note in prorated.notes)


def test_prorating_cuts_units_by_area() -> None:
    units = grid(1, 2, size=1000.0)  # two 1 km² units side by side
    x0, y0 = ORIGIN
    a = gpd.GeoDataFrame(  # A: a strip over the left 250 m of unit 0
        {"k": ["L"]}, geometry=[shapely.box(x0, y0, x0 + 250, y0 + 1000)], crs=CRS_METRIC
    )
    b = gpd.GeoDataFrame(  # B: everything from x0 + 100 to the right end
        {"k": ["B"]}, geometry=[shapely.box(x0 + 100, y0, x0 + 2000, y0 + 1000)], crs=CRS_METRIC
    )
    w = units["inhabitants"]
    c = overlay_contingency(a, b, "k", "k", units=units, weight="inhabitants")
    w0, w1 = w.iloc[0], w.iloc[1]
    expected = np.array(
        [
            [0.15 * w0, 0.10 * w0],  # L∩B = 150 m of unit 0; L outside B = 100 m
            [0.75 * w0 + w1, 0.0],  # B outside L; nothing outside both
        ]
    )
    np.testing.assert_allclose(c.table, expected)
    area = overlay_contingency(a, b, "k", "k")
    np.testing.assert_allclose(area.table, [[0.15, 0.10], [1.75, 0.0]])


def test_no_region_cell_counts_units_outside_both_layers() -> None:
    units = grid(2, 2)
    a = dissolve(units.iloc[:1], col_bands(units.iloc[:1], 1))
    b = dissolve(units.iloc[:2], row_bands(units.iloc[:2], 1))
    c = overlay_contingency(a, b, "region", "region", units=units, weight="area")
    assert list(c.row_labels) == ["C0", NO_REGION] and list(c.col_labels) == ["R0", NO_REGION]
    np.testing.assert_allclose(c.table, [[1.0, 0.0], [1.0, 2.0]])
    assert c.total == pytest.approx(units["area_km2"].sum())


def test_crs_must_be_projected_and_equal() -> None:
    units = grid(2, 2)
    a = dissolve(units, col_bands(units, 2))
    with pytest.raises(GeometryError, match="EPSG:4326.*not projected"):
        overlay_contingency(a.to_crs(4326), a.to_crs(4326), "region", "region")
    with pytest.raises(GeometryError, match="EPSG:3035.*differs.*EPSG:28992"):
        overlay_contingency(a, a.to_crs(3035), "region", "region")
    with pytest.raises(GeometryError, match="units"):
        overlay_contingency(a, a, "region", "region", units=units.to_crs(3035), weight="area")
    with pytest.raises(GeometryError, match="no CRS"):
        overlay_contingency(a.set_crs(None, allow_override=True), a, "region", "region")


def test_invalid_geometry_is_named_or_repaired() -> None:
    x0, y0 = ORIGIN
    bowtie = shapely.Polygon([(x0, y0), (x0 + 1000, y0 + 1000), (x0 + 1000, y0), (x0, y0 + 1000)])
    a = gpd.GeoDataFrame(
        {"code": ["GOOD", "BOWTIE"]},
        crs=CRS_METRIC,
        geometry=[shapely.box(x0 + 2000, y0, x0 + 3000, y0 + 1000), bowtie],
    )
    b = gpd.GeoDataFrame(
        {"code": ["ALL"]}, crs=CRS_METRIC, geometry=[shapely.box(x0, y0, x0 + 3000, y0 + 1000)]
    )
    with pytest.raises(GeometryError, match="regions_a has invalid geometry: BOWTIE"):
        overlay_contingency(a, b, "code", "code")
    with pytest.warns(RepairedGeometryWarning, match="BOWTIE"):
        c = overlay_contingency(a, b, "code", "code", repair=True)
    # the repaired bow-tie is two triangles of 0.25 km² each
    assert c.to_frame().loc["BOWTIE", "ALL"] == pytest.approx(0.5)
    assert c.to_frame().loc["GOOD", "ALL"] == pytest.approx(1.0)


def test_bad_input_names_the_field_or_feature() -> None:
    units = grid(2, 2)
    a = dissolve(units, col_bands(units, 2))
    with pytest.raises(GeometryError, match="no key field 'statcode'"):
        overlay_contingency(a, a, "statcode", "region")
    with pytest.raises(GeometryError, match="needs units"):
        overlay_contingency(a, a, "region", "region", weight="inhabitants")
    with pytest.raises(GeometryError, match="no weight field 'nope'"):
        overlay_contingency(a, a, "region", "region", units=units, weight="nope")
    overlapping = pd.concat([a, a.iloc[:1].assign(region="DUP")], ignore_index=True)
    with pytest.raises(GeometryError, match="'C0' and 'DUP' overlap"):
        overlay_contingency(overlapping, a, "region", "region")
    with pytest.raises(GeometryError, match="reserved code 'GEEN'"):
        overlay_contingency(a.assign(region=NO_REGION), a, "region", "region")
    empty = a.copy()
    empty.loc[0, "geometry"] = shapely.Polygon()
    with pytest.raises(GeometryError, match="empty geometry"):
        overlay_contingency(empty, a, "region", "region")


def test_multipart_regions_share_a_key() -> None:
    units = grid(1, 4)
    parts = units[["geometry"]].assign(region=["A", "B", "A", "B"]).reset_index(drop=True)
    whole = dissolve(units, col_bands(units, 2))
    c = overlay_contingency(parts, whole, "region", "region")
    np.testing.assert_allclose(c.real, [[1.0, 1.0], [1.0, 1.0]])


def test_docstring_examples() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert doctest.testmod(importlib.import_module("geo.overlap.geometry")).failed == 0


@pytest.mark.integration
def test_real_geometry_mode_agrees_with_matrix_mode(dataset) -> None:
    """swv_po and jeugdregio as whole-unit assignments of the real gemeenten: the overlay of the
    dissolved regions gives the same area table as the sparse product."""
    from geo.geometry.repair import repair

    units, _ = repair(dataset.units.to_crs(CRS_METRIC).reset_index(), key="code", warn=False)
    units = units.set_index("code")
    whole = {
        name: Division.from_assignment(name, dataset.division(name).assignment(), units=units.index)
        for name in ("swv_po", "jeugdregio")
    }
    area = pd.Series(shapely.area(units.geometry.to_numpy()) / 1e6, index=units.index)
    regions_a = dissolve(units, whole["swv_po"])
    regions_b = dissolve(units, whole["jeugdregio"])
    geometry_mode = overlay_contingency(regions_a, regions_b, "region", "region", repair=True)
    matrix_mode = contingency(whole["swv_po"], whole["jeugdregio"], area)
    print(
        f"\nreal swv_po x jeugdregio: {int((matrix_mode.real > 0).sum())} pieces, "
        f"max abs diff {np.abs(geometry_mode.table - matrix_mode.table).max():.3g} km²"
    )
    assert_same_table(geometry_mode, matrix_mode)
