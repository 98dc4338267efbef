"""The proposal's mark on the options chart, computed once and shared by every options job.

Rule: an options job marks the proposal (``regio propose`` with the space's settings, CP-SAT
per jeugdregio: about 20 s nationally) in its trade-off chart and its table. That mark, the
proposal's pupils changing SWV and pupil-weighted distance, depends on the data, the space and
the space's proposal settings, never on the job's K or fixed numbers of SWVs. So it is cached
under :func:`mark_key`:

- the data: a fingerprint of everything the proposal reads from the dataset (:func:`dataset_key`:
  the gemeenten with their weights, points and boundaries, every division, the special-education
  locations, the PC4 layer, the operator's travel table) and of the jeugdregio division it nests
  in (a dataset division, or a library scenario's ``jeugdregio``, e.g. ``jeugdregio_41``);
- the space: its directory and the time its manifest was written (a rebuilt space is another
  key);
- the settings: every field of the space's :class:`~geo.proposals.problem.ProposalSettings`.

Changed data, a rebuilt space or other settings make another key, so a stale mark is never
shown; the old entry ages out. The cache (:data:`MARK_ENTRIES`, :data:`MARK_BYTES`) is an
:class:`~api.compute.cache.EvaluationCache` of the app (``AppState.proposal_marks``): LRU,
bounded by entries and by bytes, single-flight (a second job asking while the first computes
waits for that result). A cancelled or failed computation is not cached.

>>> from fixtures.synthetic import synthetic_dataset
>>> ds = synthetic_dataset(4, 4)
>>> dataset_key(ds, "jeugdregio") == dataset_key(ds, "jeugdregio")
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable, Hashable
from pathlib import Path

import numpy as np
import pandas as pd

from api.compute.cache import EvaluationCache
from geo.dataset import Dataset

MARK_ENTRIES = 32
"""Marks kept (one per data x space x settings; a server has one or two spaces)."""

MARK_BYTES = 256 * 1024
"""Memory of the kept marks (a mark is two numbers and a flag: well under 1 kB)."""

Mark = dict[str, float]
"""``{"disrupted": pupils changing SWV, "travel_km": pupil-weighted km PO + VO}``."""


def new_mark_cache() -> EvaluationCache:
    """An empty cache of proposal marks (bounded by :data:`MARK_ENTRIES` and
    :data:`MARK_BYTES`)."""
    return EvaluationCache(MARK_ENTRIES, max_bytes=MARK_BYTES)


def _frame_bytes(frame: pd.DataFrame) -> bytes:
    """The content of a (Geo)DataFrame as bytes: column names, the values' hashes and the
    geometry's WKB."""
    import shapely

    geometry = frame.geometry if "geometry" in frame.columns else None
    plain = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    parts = ["\x1f".join(map(str, plain.columns)).encode()]
    parts.append(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
    if geometry is not None:
        parts.extend(shapely.to_wkb(np.asarray(geometry.values), hex=False))
    return b"".join(parts)


def dataset_key(dataset: Dataset, jeugdregio: str) -> str:
    """A fingerprint (sha256) of what a proposal nesting in ``jeugdregio`` reads from
    ``dataset`` (module docstring); a few tens of milliseconds on the national data."""
    from geo.proposals.problem import resolve_jeugdregio
    from maps.geometry import division_fingerprint

    digest = hashlib.sha256()

    def add(part: bytes) -> None:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)

    add(_frame_bytes(dataset.units))
    add(_frame_bytes(dataset.special_schools))
    if dataset.postcodes is not None:
        add(_frame_bytes(dataset.postcodes))
    add((dataset.travel_table.sha256 if dataset.travel_table is not None else "").encode())
    for name in sorted(dataset.divisions):
        add(name.encode())
        add(division_fingerprint(dataset.divisions[name]).encode())
    division, base = resolve_jeugdregio(dataset, jeugdregio)
    add(f"{jeugdregio}\x1f{base}".encode())
    add(division_fingerprint(division).encode())
    return digest.hexdigest()


def mark_key(dataset: Dataset, space: str | Path) -> Hashable:
    """The key of the proposal's mark for ``space`` on ``dataset`` (module docstring)."""
    from geo.space.placement import space_settings
    from geo.space.verdict import manifest_time

    settings = space_settings(space)
    fields = json.dumps(dataclasses.asdict(settings), sort_keys=True, default=str)
    return (
        "proposal-mark",
        dataset_key(dataset, settings.jeugdregio),
        str(Path(space).resolve()),
        manifest_time(space),
        fields,
    )


def cached_marks(
    cache: EvaluationCache, key: Hashable, computed: dict[str, bool]
) -> Callable[[Callable[[], Mark]], Mark]:
    """The ``memo`` of :func:`geo.space.report.compute_options`: the mark under ``key``,
    computed on a miss; ``computed["proposal"]`` says whether this call ran the proposal."""

    def memo(compute: Callable[[], Mark]) -> Mark:
        def run() -> Mark:
            computed["proposal"] = True
            return compute()

        computed["proposal"] = False
        return cache.get_or_compute(key, run)

    return memo


__all__ = [
    "MARK_BYTES",
    "MARK_ENTRIES",
    "cached_marks",
    "dataset_key",
    "mark_key",
    "new_mark_cache",
]
