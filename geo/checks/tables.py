"""Tables behind a verdict for reports: one row per SWV, one row per gemeente.

Rule: computed from the same state the checks used (no second definition): sizes and pupils
from the division's shares, containment and best jeugdregio from P3's table, distances from
P2's per-gemeente values (mean = pupil-weighted over the SWV's gemeenten x shares, worst = the
largest distance of a gemeente with a share in the SWV).

>>> from fixtures.verdict_cases import case
>>> from geo.checks import build_context, verdict
>>> ds, divisions, settings, _ = case("two_jeugdregio")
>>> t = swv_table(verdict(build_context(ds), divisions, settings=settings).state)
>>> t[["code", "jeugdregio", "containment", "gemeenten_count"]].values.tolist()
[['X', 'JA', 0.8, 15], ['Z', 'JB', 1.0, 9]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.checks.principles import containment_table
from geo.checks.state import CheckState
from geo.checks.travel import level_results


def swv_table(state: CheckState) -> pd.DataFrame:
    """Per SWV of every judged division: gemeenten, pupils, containment, travel (module rule)."""
    ctx = state.ctx
    special = ctx.weight("pupils_special")
    travel = level_results(state)
    jz = state.jeugdregio.division
    jz_codes = np.asarray(jz.regions, dtype=object)
    frames = []
    for subject in state.subjects:
        d = subject.division
        shares = d.shares[:, : d.n_regions].tocsc()
        members = [
            ctx.codes[shares.indices[shares.indptr[j] : shares.indptr[j + 1]]].tolist()
            for j in range(d.n_regions)
        ]
        t = containment_table(state, subject)
        best = np.asarray(t["best"])
        frame = pd.DataFrame(
            {
                "division": subject.name,
                "code": np.asarray(d.regions, dtype=object),
                "name": [d.region_names.get(c, c) for c in d.regions],
                "gemeenten": [sorted(m) for m in members],
                "gemeenten_count": [len(m) for m in members],
                "pupils_po": shares.T @ ctx.pupils["po"],
                "pupils_vo": shares.T @ ctx.pupils["vo"],
                "pupils_special": shares.T @ special,
                "jeugdregio": np.where(best >= 0, jz_codes[np.maximum(best, 0)], None),
                "containment": np.round(np.asarray(t["containment"], float), 4),
            }
        )
        for level in ("po", "vo"):
            r = travel.get((subject.name, level))
            if r is None:
                frame[f"{level}_mean_km"] = np.nan
                frame[f"{level}_worst_km"] = np.nan
                continue
            after = np.asarray(r["after"], float)
            frame[f"{level}_mean_km"] = np.round(np.asarray(r["swv_after"], float), 3)
            frame[f"{level}_worst_km"] = [
                round(float(np.nanmax(after[shares.indices[lo:hi]])), 3) if hi > lo else np.nan
                for lo, hi in zip(shares.indptr[:-1], shares.indptr[1:], strict=True)
            ]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
