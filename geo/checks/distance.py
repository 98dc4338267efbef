"""The travel model behind principle 2, behind one interface (:class:`DistanceModel`).

Every distance figure (P2, proposals, the ensemble, the editor's travel figure, the report)
comes from one ``origins x targets`` matrix in km made by a :class:`DistanceModel`:

* :class:`WaterAware` (the default, :func:`default_model`): "hemelsbreed over land, via vaste
  oeververbindingen" (:mod:`geo.checks.water`);
* :class:`StraightLine`: the straight line in EPSG:28992 (the model before issue 19; kept for
  comparisons and synthetic tests);
* :class:`geo.checks.table.TableModel`: the operator's own travel table when the data directory
  has one (:func:`geo.checks.table.dataset_model` picks the model of a dataset).

A model has a ``name`` (shown with every figure) and a ``text`` (one sentence for reports).
The water-aware matrix of the real data takes seconds, so it is computed once per dataset and
kept on disk in the cache directory (``distances/<sha256>.npy``), keyed by the points, the
polygons, the fixed-links table and the model's code: a changed input gives a new key.

>>> import geopandas as gpd, pandas as pd, shapely
>>> units = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 2e3, 2e3)],
...     index=pd.Index(["GM1"], name="code"), crs="EPSG:28992")
>>> m = default_model(units)
>>> m.name, m.matrix(np.array([[0.0, 0.0]]), np.array([[3e3, 4e3]])).tolist()
('hemelsbreed over land, via vaste oeververbindingen', [[5.0]])
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import geopandas as gpd
import numpy as np
import shapely

from geo.atomic import write_atomic
from geo.checks import water
from geo.config import CRS_METRIC, cache_dir
from geo.fixed_links import FIXED_LINKS_PATH
from geo.messages import N_

log = logging.getLogger(__name__)

CACHE_MIN_PAIRS = 20_000
"""Matrices with fewer pairs are computed, not cached (synthetic data)."""


class DistanceModel(Protocol):
    """An ``origins x targets`` distance matrix in km, with its name."""

    name: str
    text: str

    def matrix(
        self,
        origins: np.ndarray,
        targets: np.ndarray,
        origin_units: np.ndarray | None = None,
        target_units: np.ndarray | None = None,
        target_ids: np.ndarray | None = None,
    ) -> np.ndarray:
        """``len(origins) x len(targets)`` km (points ``n x 2`` in EPSG:28992 metres;
        ``*_units``: each point's gemeente code, when known; ``target_ids``: each target's DUO
        vestigingscode, when known: the operator's travel table looks pairs up by them)."""
        ...


def straight_km(origins: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Straight-line distance matrix in km.

    >>> straight_km(np.array([[0.0, 0.0]]), np.array([[3e3, 4e3]])).tolist()
    [[5.0]]
    """
    o = np.asarray(origins, dtype=float).reshape(-1, 2)
    t = np.asarray(targets, dtype=float).reshape(-1, 2)
    return np.hypot(o[:, None, 0] - t[None, :, 0], o[:, None, 1] - t[None, :, 1]) / 1e3


@dataclass(frozen=True)
class StraightLine:
    """The straight line in EPSG:28992, in km."""

    name: str = "hemelsbreed"
    text: str = N_("straight line in EPSG:28992 (km)")  # a msgid: the report translates it
    stats: dict[str, int] = field(default_factory=dict)

    def matrix(
        self,
        origins: np.ndarray,
        targets: np.ndarray,
        origin_units: np.ndarray | None = None,
        target_units: np.ndarray | None = None,
        target_ids: np.ndarray | None = None,
    ) -> np.ndarray:
        """Straight lines (``*_units`` and ``target_ids`` unused)."""
        return straight_km(origins, targets)


@dataclass(frozen=True, eq=False)
class WaterAware:
    """Straight line over land, else via the fixed links (:mod:`geo.checks.water`)."""

    model: water.WaterModel
    key: str
    """sha256 of the polygons, the fixed-links table and the model's code (cache key part)."""
    name: str = water.MODEL_NAME
    text: str = water.MODEL_TEXT
    stats: dict[str, int] = field(default_factory=dict)

    def matrix(
        self,
        origins: np.ndarray,
        targets: np.ndarray,
        origin_units: np.ndarray | None = None,
        target_units: np.ndarray | None = None,
        target_ids: np.ndarray | None = None,
    ) -> np.ndarray:
        """The matrix, from the disk cache when this exact one was computed before
        (``target_ids`` unused)."""
        o = np.ascontiguousarray(origins, dtype=float).reshape(-1, 2)
        t = np.ascontiguousarray(targets, dtype=float).reshape(-1, 2)
        ou = None if origin_units is None else np.asarray(origin_units, dtype=object)
        tu = None if target_units is None else np.asarray(target_units, dtype=object)
        digest = hashlib.sha256(self.key.encode())
        for part in (o, t):
            digest.update(part.tobytes())
        for units in (ou, tu):
            digest.update("\0".join(map(str, units)).encode() if units is not None else b"-")
        path = cache_dir() / "distances" / f"{digest.hexdigest()}.npz"
        big = len(o) * len(t) >= CACHE_MIN_PAIRS
        if big and path.exists():
            try:
                with np.load(path) as z:
                    out = z["km"]
                    self.stats.update({k: int(z[k]) for k in ("pairs", "over_water", "unrouted")})
                if out.shape == (len(o), len(t)):
                    return out
            except (OSError, ValueError, KeyError):
                log.warning("distance cache %s unreadable; recomputing", path)
        out = self.model.distances(o, t, ou, tu)
        self.stats.update(self.model.stats)
        if big:
            buf = io.BytesIO()
            np.savez(buf, km=out, **{k: np.int64(v) for k, v in self.model.stats.items()})
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(path, buf.getvalue())
            except OSError as exc:  # a read-only cache only costs time
                log.warning("distance cache %s not written: %s", path, exc)
        return out


def default_model(units: gpd.GeoDataFrame) -> WaterAware:
    """The default travel model of ``units``: water-aware over the shipped fixed links."""
    frame = units.to_crs(CRS_METRIC) if units.crs and not units.crs.is_projected else units
    digest = hashlib.sha256()
    digest.update("\0".join(map(str, frame.index)).encode())
    for wkb in shapely.to_wkb(frame.geometry.to_numpy()):
        digest.update(wkb)
    digest.update(FIXED_LINKS_PATH.read_bytes())
    digest.update(Path(water.__file__).read_bytes())
    return WaterAware(water.water_model(frame), digest.hexdigest())


__all__ = ["DistanceModel", "StraightLine", "WaterAware", "default_model", "straight_km"]
