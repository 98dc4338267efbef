"""The reported check ``space``: where a scenario lies among the valid divisions.

Not pass/fail (``passed=None``): for each figure the scenario's percentile among the valid
divisions nationally and per jeugdregio, whether it lies in the space, a histogram of every
national distribution (for the report) and one sentence per jeugdregio ("in JZ14, 3 of 34 valid
divisions disrupt fewer pupils"). The division placed is the scenario's ``swv`` when it has
one, else the one named (default ``swv_po``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.checks.base import CheckResult
from geo.dataset import Dataset
from geo.division import Division
from geo.messages import N_, Figure, Join, Message
from geo.space.distributions import FIGURES, HIGHER_IS_BETTER, national, read_plans
from geo.space.errors import SpaceError
from geo.space.placement import place

TITLE = "Placement among the valid divisions (regio space build)"

PHRASES = {
    "disrupted": "disrupt fewer pupils",
    "disrupted_po": "disrupt fewer PO pupils",
    "disrupted_vo": "disrupt fewer VO pupils",
    "travel_po_km": "have a shorter PO travel distance",
    "travel_vo_km": "have a shorter VO travel distance",
    "swvs": "have fewer SWVs",
    "max_increase_km": "have a smaller largest increase for a gemeente",
    "size_spread": "have a smaller size spread",
    "congruence_po": "are more congruent with today's PO SWVs",
    "congruence_vo": "are more congruent with today's VO SWVs",
    "congruence_uniform": "are more congruent with the uniform regions",
}

SUMMARY_FIGURES = {
    "disrupted": N_("disrupted"),
    "travel_po_km": N_("travel_po_km"),
    "travel_vo_km": N_("travel_vo_km"),
    "swvs": N_("swvs"),
}
"""The figures the check's summary places (their English names are the figure keys)."""

_LOCK = threading.Lock()
_MEMO: dict[tuple[str, float], tuple[pd.DataFrame, dict[str, Any]]] = {}


def manifest_time(space: Path | str) -> float:
    """The modification time of a space's manifest (a cache key; SpaceError when absent)."""
    manifest = Path(space) / "manifest.json"
    if not manifest.exists():
        raise SpaceError(f"{space}: no space here (no manifest.json); run 'regio space build'")
    return manifest.stat().st_mtime


def load_space(space: Path | str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The stored plans and national distributions of a space (memoised per manifest time)."""
    path = Path(space)
    manifest = path / "manifest.json"
    if not manifest.exists():
        raise SpaceError(f"{space}: no space here (no manifest.json); run 'regio space build'")
    key = (str(path.resolve()), manifest.stat().st_mtime)
    with _LOCK:
        if key not in _MEMO:
            plans = read_plans(path)
            if not len(plans):
                raise SpaceError(f"{space}: the space holds no plans")
            _MEMO.clear()
            _MEMO[key] = (plans, national(plans))
        return _MEMO[key]


def histogram(values: np.ndarray, p: np.ndarray, bins: int = 30) -> dict[str, list[float]]:
    """A weighted histogram of a distribution (``edges``, ``p``)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(p, dtype=float)
    ok = np.isfinite(v) & (w > 0)
    v, w = v[ok], w[ok]
    if not v.size:
        return {"edges": [], "p": []}
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        hi = lo + 1.0
    h, edges = np.histogram(v, bins=bins, range=(lo, hi), weights=w)
    return {"edges": [round(float(e), 6) for e in edges], "p": [round(float(x), 6) for x in h]}


def choose_division(divisions: Mapping[str, Division], name: str | None) -> Division:
    wanted = name or ("swv" if "swv" in divisions else "swv_po")
    if wanted not in divisions:
        raise SpaceError(
            f"division {wanted!r} not in the scenario ({', '.join(sorted(divisions))}); "
            "name one with --space-division"
        )
    return divisions[wanted]


def space_result(
    dataset: Dataset,
    divisions: Mapping[str, Division],
    space: Path | str,
    *,
    scenario: str = "scenario",
    division: str | None = None,
) -> CheckResult:
    """The reported check ``space`` of a scenario (module docstring)."""
    plans, dist = load_space(space)
    chosen = choose_division(divisions, division)
    placed = place(dataset, chosen, space, scenario=scenario, plans=plans, distributions=dist)
    for fig, entry in placed["national"].items():
        entry["histogram"] = histogram(dist[fig]["values"], dist[fig]["p"])
    sentences = []
    for r, e in placed["jeugdregios_placement"].items():
        f = e["figures"].get("disrupted")
        if f is None:
            continue
        count = f["better"] if f["better"] is not None else f"~{f['below'] * e['plans']:.0f}"
        sentences.append(
            {
                "jeugdregio": r,
                "name": e["name"],
                "in_space": e["in_space"],
                "text": f"in {r}, {count} of {e['plans']} valid divisions {PHRASES['disrupted']}"
                + ("" if e["method"] == "exact" else " (sampled)"),
            }
        )
    placed["sentences"] = sentences
    nat = placed["national"]
    parts = tuple(
        Message(
            N_("%(figure)s p%(percentile)s"),
            {"figure": Message(SUMMARY_FIGURES[fig]), "percentile": Figure(pct, ".0f")},
        )
        for fig in SUMMARY_FIGURES
        if fig in nat and (pct := nat[fig]["percentile"]) is not None
    )
    summary = Message(
        N_(
            "%(division)s: national percentile among valid divisions %(parts)s; in the space "
            "in %(inside)s of %(total)s jeugdregio's"
        ),
        {
            "division": chosen.name,
            "parts": Join(parts, ", "),
            "inside": int(placed["in_space_jeugdregios"]),
            "total": int(placed["jeugdregios"]),
        },
    )
    return CheckResult(
        "space",
        TITLE,
        False,
        None,
        str(summary),
        figures=json.loads(json.dumps(placed, default=_plain)),
        offenders=[],
        message=summary,
    )


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))


__all__ = [
    "FIGURES",
    "HIGHER_IS_BETTER",
    "PHRASES",
    "histogram",
    "load_space",
    "manifest_time",
    "space_result",
]
