"""What the map editor page needs to know besides the figures: where each gemeente lies
(jeugdregio, province), the postcodes (PC4) with the region each lies in, and the jeugdregio
pieces of every region of the edited division.

- :func:`editor_context` — per stored scenario and division: ``unit_jeugdregio`` and
  ``unit_provincie`` (gemeente -> code of its largest share), their names, and the postcodes
  ``[pc4, [gemeenten], plaats, region]`` (``region``: the SWV the postcode lies in, from the
  Regeling's annex and the scenario's ``move_postcode`` edits; ``None`` when the division has no
  postcode column, e.g. the joint ``swv``).
- :func:`jeugdregio_pieces` — region -> ``[(jeugdregio, weight), ...]`` largest first: the
  contingency row of the region against the scenario's jeugdregio division, for one weight.

>>> d = Division.from_assignment("swv", {"G1": "A", "G2": "A", "G3": "B"})
>>> j = Division.from_assignment("jeugdregio", {"G1": "J1", "G2": "J2", "G3": "J2"})
>>> jeugdregio_pieces(d, j, pd.Series({"G1": 1.0, "G2": 3.0, "G3": 2.0}))
{'A': [('J2', 3.0), ('J1', 1.0)], 'B': [('J2', 2.0)]}
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.division import Division

POSTCODE_COLUMNS = ("swv_po", "swv_vo")
"""Divisions whose postcodes' SWV the PC4 layer records (the Regeling's annex)."""


def main_regions(division: Division) -> dict[str, str]:
    """``{unit: region}``: each unit's largest real share (units in no region left out).

    >>> main_regions(Division.from_assignment("d", {"G1": "A", "G2": "B"}))
    {'G1': 'A', 'G2': 'B'}
    """
    real = sp.csr_matrix(division.shares[:, : division.n_regions])
    best = np.asarray(real.argmax(axis=1)).ravel()
    top = np.asarray(real.max(axis=1).todense()).ravel()
    codes = division.regions
    return {
        str(u): str(codes[b])
        for u, b, t in zip(division.units, best.tolist(), top.tolist(), strict=True)
        if t > 0
    }


def postcode_regions(division: Division, postcodes: pd.DataFrame) -> dict[str, str | None]:
    """``{pc4: region}`` of ``division``: the annex's SWV, then the division's
    ``postcode_moves`` (the scenario's ``move_postcode`` edits); ``None`` for a division the
    PC4 layer has no column for.

    >>> pcs = pd.DataFrame({"pc4": ["1000", "1001"], "swv_po": ["A", "A"]})
    >>> d = Division.from_assignment("swv_po", {"G": "A"})
    >>> postcode_regions(d, pcs)
    {'1000': 'A', '1001': 'A'}
    """
    codes = postcodes["pc4"].astype(str)
    if division.name not in POSTCODE_COLUMNS or division.name not in postcodes.columns:
        return dict.fromkeys(codes.tolist())
    annex = dict(zip(codes, postcodes[division.name].astype(str), strict=True))
    moves = division.meta.get("postcode_moves") or {}
    return {**annex, **{str(k): str(v) for k, v in dict(moves).items()}}


def editor_context(
    divisions: dict[str, Division], division: str, postcodes: pd.DataFrame | None
) -> dict[str, Any]:
    """The editor page's context for ``division`` of a scenario's ``divisions`` (see the
    module docstring); KeyError when the scenario has no such division."""
    if division not in divisions:
        raise KeyError(
            f"unknown division {division!r}; choose one of {', '.join(sorted(divisions))}"
        )
    out: dict[str, Any] = {"division": division}
    for name in ("jeugdregio", "provincie"):
        found = divisions.get(name)
        out[f"unit_{name}"] = main_regions(found) if found is not None else {}
        out[name] = (
            {str(c): str(found.region_names.get(c, c)) for c in found.regions}
            if found is not None
            else {}
        )
    rows: list[list[Any]] = []
    if postcodes is not None and not postcodes.empty:
        regions = postcode_regions(divisions[division], postcodes)
        grouped = postcodes.groupby("pc4", sort=True)
        units = grouped["unit"].agg(lambda s: sorted({str(u) for u in s}))
        plaats = grouped["plaats"].first().fillna("").astype(str)
        for pc4, members in units.items():
            rows.append([str(pc4), members, plaats[pc4], regions.get(str(pc4))])
    out["postcodes"] = rows
    return out


def jeugdregio_pieces(
    division: Division, jeugdregio: Division, weight: pd.Series
) -> dict[str, list[tuple[str, float]]]:
    """``{region: [(jeugdregio, weight), ...]}`` largest first, zero pieces left out: how the
    chosen ``weight`` of each region of ``division`` lies in the jeugdregio's (both divisions
    as that weight sees them; 'no region' columns left out)."""
    units = division.units
    j = jeugdregio.reindexed(units)
    w = weight.reindex(units.astype(str)).fillna(0.0).to_numpy(float)
    a = sp.csr_matrix(division.shares[:, : division.n_regions])
    b = sp.csr_matrix(j.shares[:, : j.n_regions])
    table = (a.T @ sp.diags(w) @ b).toarray()
    out: dict[str, list[tuple[str, float]]] = {}
    jcodes = [str(c) for c in j.regions]
    for i, code in enumerate(division.regions):
        row = table[i]
        order = np.argsort(-row, kind="stable")
        out[str(code)] = [(jcodes[k], float(row[k])) for k in order.tolist() if row[k] > 0]
    return out
