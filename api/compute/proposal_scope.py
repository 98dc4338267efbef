"""Which jeugdregio's a proposal solves, and how a running proposal reports its progress.

- :func:`resolve_regions`: the planner names jeugdregio codes and/or provinces (code ``PV31``
  or name ``Limburg``, any case); a jeugdregio belongs to the province holding most of its
  gemeenten. Unknown names are refused naming them and the ones there are.
- :func:`progress_reporter`: the ``progress`` callback of :func:`geo.proposals.propose.propose`
  that also checks for a cancel and writes ``job.progress``: ``total``, ``done``, ``current``,
  ``regions`` (code, name, status ``waiting``/``running``/``done``, seconds) and
  ``eta_seconds``: the mean seconds of the jeugdregio's done so far times those left (before
  the first one ends: the time limit for each left, the most a jeugdregio may take).

>>> from fixtures.synthetic import synthetic_dataset
>>> ds = synthetic_dataset(4, 4)
>>> province = sorted(set(ds.division("provincie").assignment()))[0]
>>> regions = resolve_regions(ds, None, [province.lower()])
>>> set(regions) <= set(ds.division("jeugdregio").assignment())
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import HTTPException

from api.compute.jobs import check_cancelled, current_job
from geo.dataset import Dataset

PROVINCES = "provincie"


def _choices(names: dict[str, str]) -> str:
    return ", ".join(f"{code} ({name})" if name else code for code, name in sorted(names.items()))


def resolve_regions(
    dataset: Dataset, regions: Sequence[str] | None, provinces: Sequence[str] | None
) -> tuple[str, ...] | None:
    """The jeugdregio codes to solve (None: all); 422 naming an unknown code or province.
    ``dataset`` holds the jeugdregio division the proposal nests in (the base's)."""
    if not regions and not provinces:
        return None
    jeugdregio = dataset.division("jeugdregio")
    assignment = jeugdregio.assignment().astype(str)
    known = {code: (jeugdregio.region_names or {}).get(code, "") for code in set(assignment)}
    chosen: set[str] = set()
    for code in regions or []:
        match = [k for k, name in known.items() if code.lower() in (k.lower(), name.lower())]
        if not match:
            raise HTTPException(
                422, f"regions: unknown jeugdregio {code!r}; choose from {_choices(known)}"
            )
        chosen.update(match)
    if provinces:
        if PROVINCES not in dataset.divisions:
            raise HTTPException(422, f"provinces: this dataset has no division {PROVINCES!r}")
        division = dataset.division(PROVINCES)
        names = {c: (division.region_names or {}).get(c, "") for c in division.column_codes}
        province_of = division.assignment().astype(str).reindex(assignment.index)
        majority = (
            province_of.groupby(assignment).agg(lambda s: s.value_counts().index[0]).to_dict()
        )
        for text in provinces:
            match = [c for c, n in names.items() if text.lower() in (c.lower(), n.lower())]
            if not match:
                raise HTTPException(
                    422, f"provinces: unknown province {text!r}; choose from {_choices(names)}"
                )
            found = {j for j, p in majority.items() if p in match}
            if not found:
                raise HTTPException(422, f"provinces: no jeugdregio lies mostly in {text!r}")
            chosen.update(found)
    return tuple(sorted(chosen))


def progress_reporter(
    dataset: Dataset, time_limit: float, regions: Sequence[str] | None = None
) -> Callable[[str, int, int, Any], None]:
    """The ``progress`` callback of a proposal job (rule in the module docstring); called in
    the job's thread, it lists ``regions`` (default: every jeugdregio) as waiting at once."""
    jeugdregio = dataset.division("jeugdregio")
    names = jeugdregio.region_names or {}
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    codes = sorted(regions) if regions else sorted(set(jeugdregio.assignment().astype(str)))
    job = current_job()
    if job is not None:
        job.progress.update(
            total=len(codes),
            done=0,
            current=None,
            eta_seconds=round(len(codes) * time_limit, 1),
            regions=[
                {"code": c, "name": names.get(c, ""), "status": "waiting", "seconds": None}
                for c in codes
            ],
        )

    def report(region: str, done: int, total: int, solution: Any) -> None:
        check_cancelled()
        job = current_job()
        if job is None:
            return
        now = time.perf_counter()
        if solution is None:
            started[region] = now
        else:
            seconds[region] = now - started.get(region, now)
        progress = job.progress
        rows: list[dict[str, Any]] = progress.setdefault("regions", [])
        row = next((r for r in rows if r["code"] == region), None)
        if row is None:
            row = {"code": region, "name": names.get(region, ""), "seconds": None}
            rows.append(row)
        row["status"] = "running" if solution is None else "done"
        if solution is not None:
            row["seconds"] = round(seconds[region], 1)
        left = total - done - (1 if solution is None else 0)
        mean = sum(seconds.values()) / len(seconds) if seconds else time_limit
        running_for = now - started[region] if solution is None else 0.0
        current_left = max(mean - running_for, 0.0) if solution is None else 0.0
        progress.update(
            total=total,
            done=done,
            current=region if solution is None else None,
            eta_seconds=round(left * mean + current_left, 1),
        )

    return report
