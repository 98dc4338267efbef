"""The region of interest of a regional report: a jeugdregio, a province or an SWV.

Rule: ``region`` is looked up, in this order, as

1. a jeugdregio code of the division the verdict judged against (``JZ42``; for a scenario on
   ``jeugdregio_41`` the merged Midden-Limburg);
2. a province: its code (``PV31``) or its name (``Limburg``, any case or accents);
3. an SWV code of a judged division (``PO3102``, ``VO3101``, ``SWV-PO3101``).

The focus holds the gemeenten of that region (for an SWV: every gemeente with a share in it).
The SWVs that *touch* the focus are those with a share in one of its gemeenten: the regional
report's tables list only them. An unknown region raises :class:`VerdictError` naming the
nearest codes.

>>> from fixtures.verdict_cases import case
>>> from geo.checks import build_context, verdict
>>> ds, divisions, settings, _ = case("two_jeugdregio")
>>> state = verdict(build_context(ds), divisions, settings=settings).state
>>> f = resolve_focus(state, "JB")
>>> f.kind, len(f.units), touching(state, f)
('jeugdregio', 12, {'swv': ['X', 'Z']})
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

from geo.checks.base import VerdictError
from geo.checks.state import CheckState
from geo.data.names import normalise_name
from geo.division import Division


@dataclass(frozen=True)
class Focus:
    """A region of interest: what it is, its code and name, and its gemeenten."""

    kind: str
    """``jeugdregio``, ``provincie`` or ``swv``"""
    code: str
    name: str
    units: tuple[str, ...]

    @property
    def label(self) -> str:
        """``JZ42 Midden-Limburg``, or the code alone when the name is the code."""
        return self.code if self.name in ("", self.code) else f"{self.code} {self.name}"


def _members(division: Division, code: str) -> tuple[str, ...]:
    """Every unit with a share in region ``code`` of ``division``."""
    j = division.column_position[code]
    col = division.shares.tocsc()[:, j]
    return tuple(str(u) for u in division.units[col.indices[col.data > 0]])


def resolve_focus(state: CheckState, region: str) -> Focus:
    """The :class:`Focus` of ``region`` (rule in the module docstring)."""
    text = str(region).strip()
    jz = state.jeugdregio.division
    if text.upper() in map(str, jz.regions):
        code = text.upper()
        return Focus("jeugdregio", code, str(jz.region_names.get(code, code)), _members(jz, code))
    provinces = state.ctx.dataset.divisions.get("provincie")
    if provinces is not None:
        by_name = {normalise_name(str(n)): str(c) for c, n in provinces.region_names.items()}
        code = text.upper() if text.upper() in map(str, provinces.regions) else None
        code = code or by_name.get(normalise_name(text))
        if code is not None:
            name = str(provinces.region_names.get(code, code))
            return Focus("provincie", code, name, _members(provinces, code))
    for subject in state.subjects:
        d = subject.division
        if text in map(str, d.regions):
            return Focus("swv", text, str(d.region_names.get(text, text)), _members(d, text))
    options = [str(c) for c in jz.regions]
    if provinces is not None:
        options += [str(c) for c in provinces.regions]
        options += [str(n) for n in provinces.region_names.values()]
    for subject in state.subjects:
        options += [str(c) for c in subject.division.regions]
    near = difflib.get_close_matches(text, options, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise VerdictError(
        f"unknown region {text!r}: give a jeugdregio code (e.g. {jz.regions[0]}), a province "
        f"(code or name) or an SWV code of the scenario{hint}"
    )


def touching(state: CheckState, focus: Focus) -> dict[str, list[str]]:
    """Per judged division, the SWV codes with a share in one of the focus's gemeenten."""
    out: dict[str, list[str]] = {}
    for subject in state.subjects:
        d = subject.division
        rows = [d.unit_position[u] for u in focus.units if u in d.unit_position]
        if not rows:
            out[subject.name] = []
            continue
        block = d.shares[rows][:, : d.n_regions]
        cols = np.unique(block.indices[block.data > 0])
        out[subject.name] = [str(d.regions[j]) for j in cols]
    return out


__all__ = ["Focus", "resolve_focus", "touching"]
