"""Tests for geo.overlap.score: per-region metrics both ways, summary, no-region reporting."""

from __future__ import annotations

import doctest
import importlib
import json

import numpy as np
import pandas as pd
import pytest

from fixtures.synthetic import blocks, col_bands, grid, row_bands, split_unit
from geo.division import NO_REGION, Division
from geo.overlap import score
from geo.overlap.contingency import contingency
from geo.overlap.score import score_contingency


def groupby_containment(
    a: Division, b: Division, w: pd.Series, tolerance: float = 0.995
) -> pd.DataFrame:
    """Per region of a: total, containment and nested, from a plain pandas merge + groupby of
    the two membership tables ('no region' on either side left out, as docs/metrics.md says);
    a division with weight-specific shares contributes its table for the weight ``w.name``."""
    ma = a.membership if not a.weight_shares else a.weight_membership()
    mb = b.membership if not b.weight_shares else b.weight_membership()
    key = {"area": "area_km2", "pupils": "pupils_total"}.get(str(w.name), str(w.name))
    ma = ma[ma["weight"] == key] if "weight" in ma.columns else ma
    mb = mb[mb["weight"] == key] if "weight" in mb.columns else mb
    m = ma.drop(columns="weight", errors="ignore").merge(
        mb.drop(columns="weight", errors="ignore"), on="unit", suffixes=("_a", "_b")
    )
    m = m[(m["region_a"] != NO_REGION) & (m["region_b"] != NO_REGION)]
    m = m.assign(weight=m["share_a"] * m["share_b"] * m["unit"].map(w).astype(float))
    cells = m.groupby(["region_a", "region_b"])["weight"].sum()
    per_region = cells.groupby(level="region_a").agg(["sum", "max"])
    per_region["containment"] = per_region["max"] / per_region["sum"]
    per_region["nested"] = per_region["containment"] >= tolerance
    return per_region


def test_independent_bands_by_hand() -> None:
    units = grid(4, 4)
    a = col_bands(units, 4, name="cols")  # 4 columns of 4 km²
    b = row_bands(units, 2, name="rows")  # 2 bands of 8 km²
    s = score(a, b, units["area_km2"], weight_name="area")
    for r in s.regions:
        assert r.total == pytest.approx(4.0)
        assert r.containment == pytest.approx(0.5)
        assert not r.nested
        assert r.splits == 2 and r.splits_above_threshold == 2
        assert r.effective_parts == pytest.approx(2.0)
        assert r.entropy == pytest.approx(1.0)
        assert r.iou == pytest.approx({"R0": 2 / (4 + 8 - 2), "R1": 2 / (4 + 8 - 2)})
    for r in s.reverse_regions:
        assert r.containment == pytest.approx(0.25) and r.splits == 4
        assert r.entropy == pytest.approx(2.0)
    summary = s.summary
    assert summary["nested_regions"] == 0 and summary["nested_share"] == 0.0
    assert summary["mean_containment"] == pytest.approx(0.5)
    assert summary["reverse_mean_containment"] == pytest.approx(0.25)
    assert summary["congruence"] == pytest.approx(0.375)
    # an independent (product) table: no information shared
    assert summary["ari"] == pytest.approx(0.0, abs=1e-12)
    assert summary["nmi"] == pytest.approx(0.0, abs=1e-12)
    assert summary["vi"] == pytest.approx(2.0 + 1.0)  # H(A) + H(B) in bits
    assert summary["total_pieces"] == 8
    assert summary["no_region_total"] == 0.0


def test_nested_blocks_in_bands() -> None:
    units = grid(4, 4)
    a = blocks(units, 2, 2)  # 4 blocks, each inside one column band
    b = col_bands(units, 2)
    w = units["inhabitants"]
    s = score(a, b, w, weight_name="inhabitants")
    assert s.summary["nested_regions"] == 4 and s.summary["nested_share"] == pytest.approx(1.0)
    assert [r.best_match for r in s.regions] == ["C0", "C1", "C0", "C1"]
    assert s.regions[0].best_match_name == "cols C0"
    # reverse: each band holds two blocks; its containment is the larger block's weight share
    by_block = w.groupby(a.assignment()).sum()
    for r in s.reverse_regions:
        inside = by_block[[f"B0_{r.region[1]}", f"B1_{r.region[1]}"]]
        assert r.containment == pytest.approx(inside.max() / inside.sum())
    expected = (w.sum() + sum(r.total * r.containment for r in s.reverse_regions)) / (2 * w.sum())
    assert s.summary["congruence"] == pytest.approx(expected)


def test_matches_groupby_with_fractional_shares() -> None:
    units = grid(3, 4)
    a = split_unit(col_bands(units, 2, name="a"), "GM0001", {"C0": 0.3, "C1": 0.7})
    a = split_unit(a, "GM0006", {"C1": 0.4, NO_REGION: 0.6})
    b = split_unit(row_bands(units, 3, name="b"), "GM0005", {"R0": 0.5, "R1": 0.5})
    w = units["pupils_po"]
    s = score(a, b, w, weight_name="pupils_po", tolerance=0.9)
    expected = groupby_containment(a, b, w, tolerance=0.9)
    got = pd.DataFrame([r.to_dict() for r in s.regions]).set_index("region")
    np.testing.assert_allclose(got["total"], expected["sum"].reindex(got.index))
    np.testing.assert_allclose(got["containment"], expected["containment"].reindex(got.index))
    assert got["nested"].tolist() == expected["nested"].reindex(got.index).tolist()
    # no region: GM0006 (row 1) has 0.6 of its weight in no region of a
    assert s.summary["no_region_division"] == pytest.approx(0.6 * w["GM0006"])
    assert s.summary["no_region_total"] == pytest.approx(0.6 * w["GM0006"])
    assert s.reverse_regions[1].no_region == pytest.approx(0.6 * w["GM0006"])
    assert s.summary["total"] + s.summary["no_region_total"] == pytest.approx(w.sum())
    assert any("no region (GEEN) of 'a'" in note for note in s.notes)


def test_region_only_in_no_region_is_reported() -> None:
    units = grid(2, 3)
    a = split_unit(col_bands(units, 3, name="swv"), "GM0000", {NO_REGION: 1.0})
    b = Division.from_assignment(
        "jr", {u: ("PORT" if u == "GM0000" else "LAND") for u in units.index}
    )
    s = score(a, b, units["area_km2"], weight_name="area")
    port = next(r for r in s.reverse_regions if r.region == "PORT")
    assert port.total == 0.0 and port.no_region == pytest.approx(1.0)
    assert port.containment is None and port.nested is False and port.splits == 0
    assert s.summary["reverse_empty_regions"] == ["PORT"]
    assert any("PORT" in note and "only in no region" in note for note in s.notes)
    assert json.dumps(s.to_dict(), allow_nan=False)


def test_to_dict_is_the_json_contract() -> None:
    units = grid(3, 3)
    s = score(
        col_bands(units, 3, "swv_po"),
        row_bands(units, 3, "jeugdregio"),
        units["area_km2"],
        weight_name="area",
    )
    d = json.loads(json.dumps(s.to_dict(), allow_nan=False))
    assert set(d) == {
        "division",
        "against",
        "weight",
        "regions",
        "reverse_regions",
        "summary",
        "notes",
    }
    assert (d["division"], d["against"], d["weight"]) == ("swv_po", "jeugdregio", "area")
    region_keys = {
        "region",
        "name",
        "total",
        "best_match",
        "best_match_name",
        "containment",
        "nested",
        "splits",
        "splits_above_threshold",
        "effective_parts",
        "entropy",
        "iou",
    }
    assert region_keys <= set(d["regions"][0]) and region_keys <= set(d["reverse_regions"][0])
    summary_keys = {
        "nested_regions",
        "regions",
        "nested_share",
        "mean_containment",
        "reverse_mean_containment",
        "congruence",
        "ari",
        "nmi",
        "vi",
        "total_pieces",
        "no_region_total",
    }
    assert summary_keys <= set(d["summary"])
    frame = s.regions_frame()
    assert len(frame) == 3 and "iou" not in frame.columns


def test_tolerance_and_min_piece() -> None:
    t = np.array([[996.0, 4.0, 0.0], [0.0, 0.0, 0.0]])
    c = score_contingency(contingency_like(t), weight_name="w", tolerance=0.995, min_piece=0.0)
    assert c.regions[0].nested and c.regions[0].splits == 2
    strict = score_contingency(
        contingency_like(t), weight_name="w", tolerance=0.999, min_piece=0.01
    )
    assert not strict.regions[0].nested and strict.regions[0].splits_above_threshold == 1
    with pytest.raises(ValueError, match="tolerance"):
        score_contingency(contingency_like(t), weight_name="w", tolerance=1.5)
    with pytest.raises(ValueError, match="min_piece"):
        score_contingency(contingency_like(t), weight_name="w", min_piece=1.0)


def contingency_like(table: np.ndarray):
    from geo.overlap.contingency import Contingency

    return Contingency(
        table, pd.Index(["A", NO_REGION]), pd.Index(["B1", "B2", NO_REGION]), "a", "b"
    )


def test_score_equals_score_of_its_contingency() -> None:
    units = grid(3, 4)
    a, b = blocks(units, 1, 2), col_bands(units, 2)
    w = units["inhabitants_0_15"]
    direct = score(a, b, w, weight_name="inhabitants_0_15").to_dict()
    via = score_contingency(contingency(a, b, w), weight_name="inhabitants_0_15").to_dict()
    assert direct == via
    assert any("age groups 0-4, 5-9, 10-14" in note for note in direct["notes"])


def test_docstring_examples() -> None:
    assert doctest.testmod(importlib.import_module("geo.overlap.score")).failed == 0


# ---------------------------------------------------------------------------- real data


@pytest.mark.integration
@pytest.mark.parametrize(
    ("division", "weight"),
    [("swv_po", "area"), ("swv_po", "pupils_po"), ("swv_vo", "area"), ("swv_vo", "pupils_vo")],
)
def test_real_swv_nested_in_one_jeugdregio(dataset, division: str, weight: str) -> None:
    """Today's headline: how many SWVs lie (>= 99.5%) in one jeugdregio, by area and pupils."""
    swv, jr, w = dataset.division(division), dataset.division("jeugdregio"), dataset.weight(weight)
    s = score(swv, jr, w, weight_name=weight)
    expected = groupby_containment(swv, jr, w)
    nested = sorted(r.region for r in s.regions if r.nested)
    print(
        f"\n{division} x jeugdregio by {weight}: {len(nested)} of {s.summary['regions']} SWVs "
        f"nested ({100 * s.summary['nested_share']:.1f}% of weight), congruence "
        f"{s.summary['congruence']:.4f}, ARI {s.summary['ari']:.4f}, NMI {s.summary['nmi']:.4f}, "
        f"VI {s.summary['vi']:.4f} bits; jeugdregio's nested in one SWV: "
        f"{s.summary['reverse_nested_regions']} of 42"
    )
    assert s.summary["regions"] == {"swv_po": 76, "swv_vo": 74}[division]
    assert nested == sorted(expected.index[expected["nested"]])
    assert s.summary["nested_regions"] == int(expected["nested"].sum())
    assert s.summary["mean_containment"] == pytest.approx(
        expected["max"].sum() / expected["sum"].sum(), rel=1e-12
    )
    assert 0 < s.summary["nested_regions"] < s.summary["regions"]
    # Europoort (in Rotterdam) is in no SWV: reported, not hidden (it has no schools)
    if weight == "area":
        assert s.summary["no_region_division"] > 0
    else:
        assert s.summary["no_region_division"] == 0
    assert s.summary["total"] + s.summary["no_region_total"] == pytest.approx(w.sum(), rel=1e-12)


def test_region_arrays_equal_the_metric_functions_exactly() -> None:
    """The vectorised per-region arrays behind score() are bit-for-bit the functions of
    geo.overlap.metrics applied to the table, both ways, with empty rows and split units."""
    from geo.overlap import metrics

    units = grid(4, 5)
    a = split_unit(blocks(units, 2, 2, name="a"), "GM0003", {"B0_1": 0.25, "B0_2": 0.75})
    a = split_unit(a, "GM0007", {NO_REGION: 1.0})
    b = split_unit(row_bands(units, 4, name="b"), "GM0011", {"R2": 0.4, NO_REGION: 0.6})
    w = units["pupils_vo"]
    s = score(a, b, w, weight_name="pupils_vo", tolerance=0.9, min_piece=0.05)
    real = contingency(a, b, w).real
    for m, n in ((s.metrics, real), (s.reverse_metrics, real.T)):
        np.testing.assert_array_equal(m.totals, metrics.row_totals(n))
        np.testing.assert_array_equal(m.best, metrics.best_match(n))
        np.testing.assert_array_equal(m.containment, metrics.containment(n))
        np.testing.assert_array_equal(m.nested, metrics.nested(n, 0.9))
        np.testing.assert_array_equal(m.splits, metrics.splits(n))
        np.testing.assert_array_equal(m.splits_above_threshold, metrics.splits(n, 0.05))
        np.testing.assert_array_equal(m.effective_parts, metrics.effective_parts(n))
        np.testing.assert_array_equal(m.entropy, metrics.row_entropy(n))
        np.testing.assert_array_equal(m.iou, metrics.iou(n))
    summary = s.summary
    assert summary["ari"] == metrics.adjusted_rand_index(real)
    assert summary["nmi"] == metrics.normalized_mutual_information(real)
    assert summary["vi"] == metrics.variation_of_information(real)
    assert summary["congruence"] == metrics.congruence(real)
    assert summary["mean_containment"] == metrics.mean_containment(real)
    assert summary["reverse_mean_containment"] == metrics.mean_containment(real.T)
    assert summary["nested_share"] == metrics.nested_share(real, 0.9)
    # the lazily built objects carry the same numbers
    assert [r.containment for r in s.regions][:2] == s.metrics.containment[:2].tolist()
