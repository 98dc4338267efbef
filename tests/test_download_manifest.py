"""Tests for geo.data.download_manifest: a consistent layout, and known-good values that match the
verified copies in ../shared/data."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

import pytest

from geo.config import DEFAULT_SHARED_DATA
from geo.data.download_manifest import MANIFEST


def test_layout_is_consistent() -> None:
    paths = [s.path for s in MANIFEST]
    assert len(paths) == len(set(paths))
    assert {s.group for s in MANIFEST} == {"cbs", "pc4", "population", "schools", "swv"}
    for i, source in enumerate(MANIFEST):
        assert len(source.sha256) == 64 and int(source.sha256, 16) >= 0
        assert source.size > 0 and source.urls
        assert all(u.startswith("https://") for u in source.urls)
        assert not PurePosixPath(source.path).is_absolute() and ".." not in source.path
        if source.make == "unzip":
            assert source.member and source.derived_from in paths[:i]


def test_short_names_are_unique() -> None:
    names = [s.name for s in MANIFEST]
    assert len(names) == len(set(names))


@pytest.mark.integration
def test_known_good_values_match_the_shared_data() -> None:
    if not (DEFAULT_SHARED_DATA / "cbs").is_dir():
        pytest.skip(f"real data not found in {DEFAULT_SHARED_DATA}")
    on_disk = {
        p.relative_to(DEFAULT_SHARED_DATA).as_posix()
        for p in DEFAULT_SHARED_DATA.rglob("*")
        if p.is_file() and p.name != "SOURCES.md"
    }
    assert on_disk == {s.path for s in MANIFEST}
    for source in MANIFEST:
        data = (DEFAULT_SHARED_DATA / source.path).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (source.sha256, source.size)
