"""The embedded store: the built :class:`Dataset` as Parquet files under the cache dir.

Rule: the store's key is a fingerprint (sha256) of every source file's bytes and of the build
code. ``load_dataset`` rebuilds only when that fingerprint has no store yet. A build is written
into a temporary directory and renamed into place; the pointer ``current.json`` is replaced
atomically last, so a failed build never damages the previous store.

Layout: ``<cache>/store/<fingerprint>/{units.parquet, memberships.parquet, regions.parquet,
special_schools.parquet, postcodes.parquet, unit_parts.parquet, report.json, manifest.json}``,
plus ``travel.parquet`` and ``travel.json`` when the data directory has the operator's travel
table (:mod:`geo.data.travel_table`; its bytes are part of the fingerprint, present or not).
``memberships.parquet`` holds every division's shares (column ``weight`` empty) and the
weight-specific shares (``weight`` = the weight column, see
:meth:`geo.division.Division.shares_for`).

>>> STORE_FORMAT >= 1
True
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo import config
from geo.atomic import write_atomic
from geo.data import sources
from geo.data.travel_table import travel_table_path
from geo.dataset import Dataset, TravelTable
from geo.division import Division
from geo.errors import SourceError
from geo.names import apply_names, names_signature

STORE_FORMAT = 2
"""Bump when the layout of the store changes."""

GEO_DIR = Path(__file__).resolve().parent.parent
BUILD_CODE = (
    "data/**/*.py",
    "geometry/**/*.py",
    "division.py",
    "dataset.py",
    "preconditions.py",
    "config.py",
    "messages.py",
)
"""Globs (under geo/) of the code that keys the store: the whole build package, the geometric
verbs it uses, the core types it writes, the settings (CRS) it reads and the message markers the
core types' notes use - every module the build
imports but the error types (tests/test_store.py checks this on the import graph). A change to
any of these files triggers a rebuild."""


def build_code_files() -> list[Path]:
    """Every file whose code keys the store, sorted (so the key does not depend on disk order)."""
    return sorted({path for pattern in BUILD_CODE for path in GEO_DIR.glob(pattern)})


_lock = threading.Lock()
_memo: dict[tuple[str, str], Dataset] = {}


def fingerprint(data: Path) -> str:
    """sha256 over the sources' relative paths and bytes, the optional travel table's bytes, the
    build code and STORE_FORMAT."""
    digest = hashlib.sha256(f"format={STORE_FORMAT}".encode())
    for key in sorted(sources.SOURCE_FILES):
        path = sources.source_path(data, key)
        digest.update(sources.SOURCE_FILES[key].encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    travel = travel_table_path(data)  # optional: its bytes key the store when present
    digest.update(hashlib.sha256(travel.read_bytes()).digest() if travel else b"no travel table")
    for path in build_code_files():
        digest.update(path.relative_to(GEO_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def store_root(cache: Path | None = None) -> Path:
    """Directory holding the stores."""
    return (cache or config.cache_dir()) / "store"


def write_store(dataset: Dataset, root: Path, key: str) -> Path:
    """Write ``dataset`` as store ``key`` under ``root`` (temp dir + rename + pointer swap)."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".build-{key}-", dir=root))
    try:
        units = dataset.units.reset_index()
        units.to_parquet(tmp / "units.parquet")
        memberships = pd.concat(
            [d.membership.assign(division=name, weight="") for name, d in dataset.divisions.items()]
            + [
                d.weight_membership().assign(division=name)
                for name, d in dataset.divisions.items()
                if d.weight_shares
            ],
            ignore_index=True,
        )
        memberships.to_parquet(tmp / "memberships.parquet")
        regions = pd.DataFrame(
            [
                {
                    "division": name,
                    "code": code,
                    "name": d.region_names[code],
                    "meta": json.dumps(dict(d.meta)),
                }
                for name, d in dataset.divisions.items()
                for code in d.regions
            ]
        )
        regions.to_parquet(tmp / "regions.parquet")
        dataset.special_schools.to_parquet(tmp / "special_schools.parquet")
        if dataset.postcodes is not None:
            dataset.postcodes.to_parquet(tmp / "postcodes.parquet")
        if dataset.unit_parts is not None:
            dataset.unit_parts.to_parquet(tmp / "unit_parts.parquet")
        if dataset.travel_table is not None:
            t = dataset.travel_table
            t.rows.to_parquet(tmp / "travel.parquet")
            meta = {"layout": t.layout, "file": t.file, "sha256": t.sha256}
            (tmp / "travel.json").write_text(json.dumps(meta))
        (tmp / "report.json").write_text(
            json.dumps(dataset.report, ensure_ascii=False, indent=1, default=str)
        )
        (tmp / "manifest.json").write_text(json.dumps({"format": STORE_FORMAT, "key": key}))
        final = root / key
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    write_atomic(root / "current.json", json.dumps({"key": key}))
    return final


def read_store(path: Path) -> Dataset:
    """Load a store directory written by :func:`write_store`."""
    units = gpd.read_parquet(path / "units.parquet").set_index("code")
    memberships = pd.read_parquet(path / "memberships.parquet")
    regions = pd.read_parquet(path / "regions.parquet")
    divisions: dict[str, Division] = {}
    members_by_division = dict(tuple(memberships.groupby("division", sort=False)))
    for name, group in regions.groupby("division", sort=False):
        members = members_by_division[name]
        names = dict(zip(group["code"], group["name"], strict=True))
        by_weight = dict(tuple(members.groupby("weight", sort=False)))
        division = Division.from_membership(
            str(name),
            by_weight.pop(""),
            units=units.index,
            region_names=names,
            meta=json.loads(group["meta"].iloc[0]),
        )
        if by_weight:
            division = division.with_weight_shares(
                {
                    str(k): Division.from_membership(
                        str(name), m, units=units.index, region_names=names
                    ).shares
                    for k, m in by_weight.items()
                }
            )
        divisions[str(name)] = division
    special = gpd.read_parquet(path / "special_schools.parquet")
    report = json.loads((path / "report.json").read_text())
    postcodes = (
        pd.read_parquet(path / "postcodes.parquet")
        if (path / "postcodes.parquet").is_file()
        else None
    )
    parts = (
        gpd.read_parquet(path / "unit_parts.parquet")
        if (path / "unit_parts.parquet").is_file()
        else None
    )
    travel = None
    if (path / "travel.json").is_file():
        meta = json.loads((path / "travel.json").read_text())
        rows = pd.read_parquet(path / "travel.parquet")
        travel = TravelTable(meta["layout"], rows, meta["file"], meta["sha256"])
    return Dataset(
        units=units,
        divisions=divisions,
        special_schools=special,
        report=report,
        postcodes=postcodes,
        unit_parts=parts,
        travel_table=travel,
    )


def build_store(
    data: str | os.PathLike[str] | None = None,
    cache: Path | None = None,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> tuple[Path, bool]:
    """Build the store for the sources in ``data`` unless it exists; return (path, rebuilt)."""
    from geo.data.build import build_dataset  # imported lazily: loading a store needs no build code

    data_path = config.data_dir(data)
    if not data_path.is_dir():
        raise SourceError(data_path, "data directory not found (set REGIOKOMPAS_DATA or --data)")
    key = fingerprint(data_path)
    root = store_root(cache)
    final = root / key
    if final.joinpath("manifest.json").is_file() and not force:
        return final, False
    dataset = build_dataset(data_path, progress)
    return write_store(dataset, root, key), True


def load_dataset(data: str | os.PathLike[str] | None = None, cache: Path | None = None) -> Dataset:
    """The :class:`Dataset` for ``data`` (built on first use, then read from the store; memoised),
    its regions named by :func:`geo.names.apply_names` (official SWV names when ``data`` has
    them, else generated ones).

    >>> ds = load_dataset()  # doctest: +SKIP
    >>> ds.divisions["jeugdregio"].n_regions  # doctest: +SKIP
    42
    """
    data_path = config.data_dir(data)
    root = store_root(cache)
    with _lock:
        path, _ = build_store(data_path, cache)
        memo_key = (str(root), path.name, names_signature(data_path))
        if memo_key not in _memo:
            _memo[memo_key] = apply_names(read_store(path), data_path)
        return _memo[memo_key]


__all__ = ["build_store", "fingerprint", "load_dataset", "read_store", "write_store"]
