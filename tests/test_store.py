"""Tests for geo.data.store: fingerprinted rebuilds, atomic writes, clear errors on bad sources."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geo.data import store
from geo.errors import SourceError


@pytest.fixture()
def data_copy(tmp_path: Path, data_dir: Path) -> Path:
    """A writable copy of the real data (the test may corrupt it; ../shared stays untouched)."""
    target = tmp_path / "data"
    shutil.copytree(data_dir, target, ignore=shutil.ignore_patterns("*.zip"))
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target


def test_store_round_trip_equals_build(dataset, cache_dir: Path, data_dir: Path) -> None:
    from geo.data.build import build_dataset

    fresh = build_dataset(data_dir)
    assert list(fresh.units.index) == list(dataset.units.index)
    for name, division in fresh.divisions.items():
        stored = dataset.divisions[name]
        assert list(stored.regions) == list(division.regions)
        assert abs(stored.shares - division.shares).max() < 1e-12
    assert fresh.units.drop(columns="geometry").equals(dataset.units.drop(columns="geometry"))
    assert fresh.units.geometry.geom_equals(dataset.units.geometry).all()


def test_rebuild_only_when_a_source_changes(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path1, built1 = store.build_store(data_copy, cache)
    path2, built2 = store.build_store(data_copy, cache)
    assert built1 and not built2 and path1 == path2
    pop = data_copy / "population" / "cbs_kwb2024_85984NED_gm_wk_stripped.json"
    pop.write_text(
        pop.read_text().replace('"AantalInwoners_5": 931298', '"AantalInwoners_5": 931299')
    )
    path3, built3 = store.build_store(data_copy, cache)
    assert built3 and path3 != path1


def test_corrupt_source_names_file_and_keeps_previous_store(
    data_copy: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    good, _ = store.build_store(data_copy, cache)
    csv = data_copy / "swv" / "swv_pc4_2015.csv"
    csv.write_text(csv.read_text().replace("po_swv", "po_code", 1))
    with pytest.raises(SourceError, match=r"swv_pc4_2015\.csv.*'po_swv'"):
        store.build_store(data_copy, cache)
    assert (good / "manifest.json").is_file()
    assert store.read_store(good).divisions["swv_po"].n_regions == 76
    assert not list((cache / "store").glob(".build-*"))  # no half-written store left behind


def test_missing_source_is_named(data_copy: Path, tmp_path: Path) -> None:
    (data_copy / "cbs" / "jeugdregio_2025.topojson").unlink()
    with pytest.raises(SourceError, match="jeugdregio_2025.topojson: file not found"):
        store.build_store(data_copy, tmp_path / "cache")


def test_truncated_topojson_is_named(data_copy: Path, tmp_path: Path) -> None:
    path = data_copy / "cbs" / "provincie_2025.topojson"
    path.write_text(path.read_text()[:500])
    with pytest.raises(SourceError, match="provincie_2025.topojson: cannot be read"):
        store.build_store(data_copy, tmp_path / "cache")


def test_every_module_the_build_imports_keys_the_store() -> None:
    """No rebuild trap: the store key covers all code the build runs (read off the import graph,
    function-level imports included), except the error types, which cannot change the data."""
    import grimp

    from geo.data.store import GEO_DIR, build_code_files

    graph = grimp.build_graph("geo", cache_dir=None)
    used = graph.find_upstream_modules("geo.data.build") | {"geo.data.build", "geo.data.store"}
    keyed = {
        ".".join(("geo", *p.relative_to(GEO_DIR).with_suffix("").parts)).removesuffix(".__init__")
        for p in build_code_files()
    }
    assert used - keyed <= {"geo.errors"}, sorted(used - keyed)
