"""Uploaded polygons cost by their geometry, not their bytes: a work estimate and a sandbox.

Rules:

- **Work estimate** (before any overlay): the overlay of a region with a gemeente costs about
  the region's vertices, and a region meets every gemeente its bounding box touches, so the
  work is ``sum(vertices(region) x gemeenten its box touches)`` (:func:`overlay_work`). Over
  :attr:`GeometryCaps.max_work` the upload is refused naming the setting, in milliseconds. (A
  200,000-vertex polygon over the whole country is 68 million; measured, ~4 million a second.)
- **Sandbox** (the work itself: repair, reprojection, dissolve, largest-overlap assignment):
  runs in a child process (:func:`run_isolated`, forked from a clean ``forkserver``) with a
  wall-clock limit and a memory limit (``RLIMIT_DATA``); past either the child is killed and the
  upload refused naming the setting. ``make_valid`` on a self-intersecting ring is not bounded
  by its vertices (1,000 vertices with many crossings took 12 s), so only a time limit holds it.

>>> run_isolated(sum, ([1, 2, 3],), seconds=60, memory=1 << 30, what="adding")
6
"""

from __future__ import annotations

import multiprocessing
import pickle
import resource
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import shapely

from geo.errors import RegiokompasError

T = TypeVar("T")


class GeometryRefused(RegiokompasError):
    """Geometry work over its budget (422 over the API); the message names the setting."""


@dataclass(frozen=True)
class GeometryCaps:
    """The budget of the geometry work of one upload (env ``REGIOKOMPAS_GEOMETRY_*``)."""

    max_work: int = 20_000_000
    """Vertex x gemeente pairs of the overlay (:func:`overlay_work`)."""
    seconds: float = 30.0
    """Wall-clock seconds of the work in its child process."""
    memory: int = 2 * 1024 * 1024 * 1024
    """Bytes of data memory the child process may allocate."""


def overlay_work(regions: gpd.GeoSeries, units: gpd.GeoSeries) -> int:
    """Vertex x gemeente pairs an overlay of ``regions`` with ``units`` would process: each
    region's vertices times the gemeenten whose bounding box meets the region's.

    >>> import geopandas as gpd, shapely
    >>> units = gpd.GeoSeries([shapely.box(0, 0, 1, 1), shapely.box(5, 5, 6, 6)])
    >>> overlay_work(gpd.GeoSeries([shapely.box(0, 0, 2, 2)]), units)  # 5 vertices x 1
    5
    """
    if regions.crs is not None and units.crs is not None and units.crs != regions.crs:
        units = units.to_crs(regions.crs)
    geoms = regions.values
    vertices = shapely.get_num_coordinates(geoms)
    tree = shapely.STRtree(shapely.envelope(units.values))
    region_index, _ = tree.query(shapely.envelope(geoms), predicate="intersects")
    touched = np.bincount(region_index, minlength=len(geoms))
    return int(np.sum(vertices.astype(np.int64) * np.maximum(touched, 1)))


def check_overlay_work(regions: gpd.GeoSeries, units: gpd.GeoSeries, caps: GeometryCaps,
                       filename: str) -> int:  # fmt: skip
    """:func:`overlay_work`, refused (:class:`GeometryRefused`) over ``caps.max_work``."""
    work = overlay_work(regions, units)
    if work > caps.max_work:
        raise GeometryRefused(
            f"{filename}: the polygons' {int(shapely.get_num_coordinates(regions.values).sum())} "
            f"vertices meet the gemeenten {work:,} times (vertex x gemeente), over the limit of "
            f"{caps.max_work:,} (REGIOKOMPAS_GEOMETRY_WORK); simplify the polygons"
        )
    return work


def _child(conn: Any, fn: Callable[..., Any], args: tuple, memory: int) -> None:
    """Run ``fn(*args)`` under a data-memory limit and send ``("ok", result)`` or
    ``("error", exception or text)`` back."""
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        limit = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
        conn.send(("ok", fn(*args)))
    except MemoryError:
        conn.send(("memory", None))
    except RegiokompasError as exc:  # as it is when it pickles, else as text
        try:
            pickle.loads(pickle.dumps(exc))
            conn.send(("error", exc))
        except Exception:  # noqa: BLE001 - an error type whose arguments do not pickle
            conn.send(("error", str(exc)))
    except BaseException:  # noqa: BLE001 - reported to the parent as text
        conn.send(("crash", traceback.format_exc(limit=3)))
    finally:
        conn.close()


_context: Any = None


def _forkserver() -> Any:
    """The multiprocessing context of the sandboxes: a ``forkserver`` that has shapely and
    geopandas loaded, so a sandbox starts in milliseconds and shares no threads or locks with
    the server."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["api.safety.geometry_work", "api.storage.exchange"])
        _context = context
    return _context


def run_isolated(fn: Callable[..., T], args: tuple, *, seconds: float, memory: int, what: str) -> T:
    """``fn(*args)`` in a child process killed after ``seconds`` (wall clock) or when it
    allocates more than ``memory`` bytes; :class:`GeometryRefused` names the setting then.
    ``fn`` and ``args`` must pickle; an error of ours raised in the child is raised here as a
    :class:`GeometryRefused` with its message."""
    context = _forkserver()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, fn, args, memory), daemon=True)
    process.start()
    send.close()
    try:
        if not receive.poll(seconds):
            raise GeometryRefused(
                f"{what}: the geometry work did not finish within {seconds:g} s "
                "(REGIOKOMPAS_GEOMETRY_SECONDS); simplify or repair the polygons first"
            )
        try:
            status, value = receive.recv()
        except EOFError:  # the child died without a word (e.g. killed for its memory)
            status, value = "memory", None
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receive.close()
    if status == "ok":
        return value
    if status == "memory":
        raise GeometryRefused(
            f"{what}: the geometry work needs more than {memory // (1024 * 1024)} MB "
            "(REGIOKOMPAS_GEOMETRY_MEMORY); simplify or repair the polygons first"
        )
    if status == "error":
        raise value if isinstance(value, RegiokompasError) else GeometryRefused(value)
    raise RuntimeError(f"{what}: the geometry work failed: {value}")
