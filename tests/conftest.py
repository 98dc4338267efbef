"""Shared fixtures: the real-data dataset (built once per session into a temporary cache)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from geo.config import DEFAULT_SHARED_DATA

# Property tests check values, not speed: a loaded CI machine must not fail them on Hypothesis'
# 200 ms per-example deadline (speed goals live in benchmarks/).
settings.register_profile("regiokompas", deadline=None)
settings.load_profile("regiokompas")


def real_data_dir() -> Path:
    """The real data directory: $REGIOKOMPAS_DATA or ../shared/data."""
    return Path(os.environ.get("REGIOKOMPAS_DATA", DEFAULT_SHARED_DATA))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = real_data_dir()
    if not (path / "cbs" / "gemeente_2025.topojson").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"real data not found in {path} (CI must have ../shared/data)")
        pytest.skip(f"real data not found in {path}")
    return path


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One store cache for the whole test session (never the user's cache)."""
    path = tmp_path_factory.mktemp("regiokompas-cache")
    os.environ["REGIOKOMPAS_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def dataset(data_dir: Path, cache_dir: Path):
    """The real-data :class:`geo.dataset.Dataset` (gemeenten 2025 with all divisions)."""
    from geo.data.store import load_dataset

    return load_dataset(data_dir, cache_dir)


@pytest.fixture(scope="session")
def sign_in():
    """``sign_in(client, name="planner", admin=False)``: the client now sends a bearer token of
    that user (created on first use) with every request."""
    from fixtures.accounts import sign_in

    return sign_in
