"""Principle 1 (one SWV for PO and VO) and principle 3 (every SWV within one jeugdregio).

Rules:

* **P1** passes when the scenario has a division ``swv``, or its ``swv_po`` and ``swv_vo`` are
  the same division. Otherwise the offenders are the PO SWVs whose area (gemeenten and shares)
  is no VO SWV's area, and the VO SWVs likewise.
* **P3** weighs each SWV against the jeugdregio division checked against (the scenario's own
  ``jeugdregio`` unless another is named) with the settings' weight (default the SWV's own
  pupils) and tolerance (default 0.995, as ``regio score``): containment = the SWV's weight in
  its best-matching jeugdregio / its weight in any jeugdregio. It passes when every SWV's
  containment reaches the tolerance. Each violator is listed with its pieces (jeugdregio, share
  of the weight, pupils). Weight in no SWV (Europoort) or in no jeugdregio is left out, as in
  :mod:`geo.overlap`.

>>> from fixtures.proposal_grids import layout_dataset
>>> from geo.checks import build_context, verdict
>>> ds = layout_dataset(["AB", "AB"], ["AA", "BB"])
>>> v = verdict(build_context(ds), ds.divisions)
>>> v.result("P1").passed, v.result("P3").passed, [o["code"] for o in v.result("P3").offenders]
(False, False, ['POA', 'POB', 'VOA', 'VOB'])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geo.checks.base import CheckResult, check, problem
from geo.checks.state import CheckState, Subject, per_object
from geo.division import Division
from geo.messages import N_, Figure, Join, Message
from geo.overlap import metrics
from geo.overlap.contingency import table_of

_P1_OFFENDERS: dict[tuple[Any, ...], dict[str, Any]] = {}
"""P1 offenders by their content (level, code, name, division, twin): an editor click lists the
same ~150 SWVs as the last one, so they are built once."""


def _areas(division: Division) -> dict[bytes, str]:
    """``{area key: region}``: a region's area is its gemeenten with their shares (9 decimals);
    computed once per division."""
    return per_object(division, "areas", lambda: _compute_areas(division))


def _compute_areas(division: Division) -> dict[bytes, str]:
    m = division.shares[:, : division.n_regions].tocsc()
    m.sort_indices()
    out: dict[bytes, str] = {}
    units = np.array(division.units.tolist(), dtype=object)
    rounded = np.round(m.data, 9)
    for j, code in enumerate(division.column_codes[:-1]):
        lo, hi = m.indptr[j], m.indptr[j + 1]
        out["|".join(units[m.indices[lo:hi]]).encode() + rounded[lo:hi].tobytes()] = code
    return out


@check("P1", hard=True, title="Principle 1: one SWV for PO and VO")
def one_swv(state: CheckState) -> CheckResult:
    """One division serves PO and VO (``swv``, or ``swv_po`` = ``swv_vo``)."""
    divisions = state.divisions
    if "swv" in divisions:
        n = divisions["swv"].n_regions
        return one_swv.result(
            True,
            summary=Message(N_("division swv: %(n)s SWVs for PO and VO together"), {"n": n}),
            figures={"division": "swv", "swvs": n},
        )
    po, vo = divisions.get("swv_po"), divisions.get("swv_vo")
    if po is None or vo is None:
        have = "swv_po" if po is not None else "swv_vo"
        return one_swv.result(
            False,
            summary=Message(
                N_("only %(division)s: the other level has no SWV division"), {"division": have}
            ),
            figures={"divisions": [have]},
            offenders=[
                {
                    "code": have,
                    "name": have,
                    **problem(Message(N_("the other level has none"))),
                }
            ],
        )
    if len(state.subjects) == 1:
        return one_swv.result(
            True,
            summary=Message(
                N_("swv_po and swv_vo are the same division (%(n)s SWVs)"), {"n": po.n_regions}
            ),
            figures={"division": "swv_po = swv_vo", "swvs": po.n_regions},
        )
    po_areas, vo_areas = _areas(po), _areas(vo)
    common = set(po_areas) & set(vo_areas)
    offenders = []
    for level, division, areas in (("PO", po, po_areas), ("VO", vo, vo_areas)):
        other = "VO" if level == "PO" else "PO"
        for area, code in sorted(areas.items(), key=lambda kv: kv[1]):
            if area in common and level == "VO":
                continue  # listed once, with its PO twin
            name = division.region_names.get(code, code)
            twin = vo_areas[area] if area in common else None
            key = (level, code, name, division.name, twin)
            found = _P1_OFFENDERS.get(key)  # the same offender as on the last click: reused
            if found is not None:
                offenders.append(found)
                continue
            said = (
                Message(
                    N_("the same area as %(level)s SWV %(code)s, but a separate SWV"),
                    {"level": other, "code": vo_areas[area]},
                )
                if area in common
                else Message(
                    N_("%(level)s SWV whose area is no %(other)s SWV's area"),
                    {"level": level, "other": other},
                )
            )
            if len(_P1_OFFENDERS) > 50_000:
                _P1_OFFENDERS.clear()
            _P1_OFFENDERS[key] = {
                "code": code,
                "name": name,
                "division": division.name,
                **problem(said),
            }
            offenders.append(_P1_OFFENDERS[key])
    return one_swv.result(
        False,
        summary=Message(
            N_("separate divisions: %(po)s PO and %(vo)s VO SWVs, %(same)s with the same area"),
            {"po": po.n_regions, "vo": vo.n_regions, "same": len(common)},
        ),
        figures={
            "divisions": ["swv_po", "swv_vo"],
            "swvs_po": po.n_regions,
            "swvs_vo": vo.n_regions,
            "same_area": len(common),
        },
        offenders=offenders,
    )


def p1_compact(result: CheckResult, division: str) -> Message:
    """P1 in one sentence while only ``division`` (``swv_po`` or ``swv_vo``) is edited: P1 is a
    property of the scenario (PO against VO), so its offenders are counted, not listed, and the
    sentence says what would make it pass.

    >>> r = CheckResult("P1", "t", True, False, "s", {"swvs_po": 2, "swvs_vo": 3, "same_area": 1},
    ...     [{"code": "A"}, {"code": "B"}])
    >>> str(p1_compact(r, "swv_po"))[:62]
    'a property of the scenario, not of swv_po alone: 2 PO and 3 VO'
    """
    f = result.figures
    return Message(
        N_(
            "a property of the scenario, not of %(division)s alone: %(po)s PO and %(vo)s VO "
            "SWVs, %(same)s with the same area (%(differ)s SWVs differ). To pass: one division "
            "for PO and VO (edit 'swv', or make swv_po and swv_vo the same division)."
        ),
        {
            "division": division,
            "po": f.get("swvs_po", "?"),
            "vo": f.get("swvs_vo", "?"),
            "same": f.get("same_area", 0),
            "differ": len(result.offenders),
        },
    )


def containment_table(state: CheckState, subject: Subject) -> dict[str, object]:
    """Weight and pupils of each SWV of ``subject`` per jeugdregio, and its containment."""
    jz = state.jeugdregio.division
    w, weight_name = state.weight(subject)
    n = table_of(subject.division, jz, w)[:-1, :-1]
    pupils = state.pupils(subject)
    p = n if weight_name == "+".join(f"pupils_{x}" for x in subject.levels) else None
    if p is None:
        p = table_of(subject.division, jz, pupils)[:-1, :-1]
    return {
        "n": n,
        "pupils": p,
        "weight": weight_name,
        "containment": metrics.containment(n),
        "best": metrics.best_match(n),
    }


@check("P3", hard=True, title="Principle 3: every SWV within one jeugdregio")
def within_jeugdregio(state: CheckState) -> CheckResult:
    """Every SWV's containment in one jeugdregio reaches the tolerance."""
    tol = state.settings.tolerance
    jz = state.jeugdregio.division
    jz_codes = np.asarray(jz.regions, dtype=object)
    per: dict[str, dict[str, object]] = {}
    offenders = []
    memo: dict[tuple, dict[str, object]] = per_object(
        state.jeugdregio, ("P3 offenders", id(state.ctx), state.settings.weight, tol), dict
    )
    for subject in state.subjects:
        t = containment_table(state, subject)
        n, pupils, cont = t["n"], t["pupils"], t["containment"]
        regions = np.asarray(subject.division.regions, dtype=object)
        judged = np.isfinite(cont)
        bad = judged & (cont < tol)
        per[subject.name] = {
            "swvs": len(regions),
            "nested": int((judged & ~bad).sum()),
            "not_nested": int(bad.sum()),
            "without_weight": [str(r) for r in regions[~judged]],
            "weight": t["weight"],
        }
        for i in np.flatnonzero(bad):
            row = n[i]
            code = str(regions[i])
            # an offender depends only on its own row: remembered, so an editor click rebuilds
            # only the touched regions' (incremental per touched region)
            name = subject.division.region_names.get(code, code)
            key = (subject.name, code, name, row.tobytes(), np.asarray(pupils[i]).tobytes())
            found = memo.get(key)
            if found is not None:
                offenders.append(found)
                continue
            order = np.argsort(-row, kind="stable")
            pieces = [
                {
                    "jeugdregio": str(jz_codes[j]),
                    "name": jz.region_names.get(jz_codes[j], str(jz_codes[j])),
                    "share": round(float(row[j] / row.sum()), 4),
                    "pupils": round(float(pupils[i, j]), 1),
                }
                for j in order
                if row[j] > 0
            ]
            offender = {
                "code": code,
                "name": name,
                "division": subject.name,
                "containment": round(float(cont[i]), 4),
                "pieces": pieces,
                **problem(
                    Message(
                        N_("in %(n)s jeugdregio's: %(pieces)s"),
                        {
                            "n": len(pieces),
                            "pieces": Join(
                                tuple(
                                    Message(
                                        N_("%(code)s %(share)s"),
                                        {
                                            "code": x["jeugdregio"],
                                            "share": Figure(x["share"], ".1%"),
                                        },
                                    )
                                    for x in pieces[:4]
                                )
                            ),
                        },
                    )
                ),
            }
            if len(memo) > 20_000:
                memo.clear()
            memo[key] = offender
            offenders.append(offender)
    total_bad = sum(int(p["not_nested"]) for p in per.values())
    total = sum(int(p["swvs"]) for p in per.values())
    return within_jeugdregio.result(
        total_bad == 0,
        summary=Message(
            N_(
                "%(nested)s of %(total)s SWVs within one of the %(jeugdregios)s jeugdregio's "
                "(%(source)s), tolerance %(tolerance)s"
            ),
            {
                "nested": total - total_bad,
                "total": total,
                "jeugdregios": jz.n_regions,
                "source": state.jeugdregio_source,
                "tolerance": tol,
            },
        ),
        figures={
            "jeugdregio": state.jeugdregio_source,
            "jeugdregios": jz.n_regions,
            "tolerance": tol,
            "weight": state.settings.weight,
            "divisions": per,
            "not_nested": total_bad,
        },
        offenders=offenders,
    )
