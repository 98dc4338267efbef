"""Reported, not judged: disruption against today and congruence with the uniform regions.

Rules:

* **disruption**: pupils whose SWV changes against today's ``swv_po`` / ``swv_vo``, by the
  definition of :func:`geo.overlap.disruption.disruption` (a pupil keeps their SWV iff their
  gemeente's new SWV continues their current SWV). ``swv`` is measured on PO and VO pupils;
  a separate ``swv_po`` on PO pupils only and ``swv_vo`` on VO pupils only (as the maps do).
  The offenders are the gemeenten whose SWV changes, with the pupils that change.
* **uniform**: recommendation 10 of *Druk op de Keten*: regions of one shape for GGD,
  veiligheidsregio, arbeidsmarktregio and provincie. For each SWV division, the congruence score
  (``(sum_a max_b n_ab + sum_b max_a n_ab) / 2N``, docs/metrics.md) and the share of SWVs
  nested in one such region, with the P3 weight. The scenario's own division of that name is
  used when it has one.

>>> from fixtures.synthetic import synthetic_dataset
>>> from geo.checks import build_context, verdict
>>> ds = synthetic_dataset(4, 4)
>>> v = verdict(build_context(ds), ds.divisions)
>>> v.result("disruption").figures["disrupted"], v.result("uniform").passed
(0.0, None)
"""

from __future__ import annotations

import pandas as pd

from geo.checks.base import CheckResult, check
from geo.checks.state import CheckState, same_division
from geo.overlap import metrics
from geo.overlap.contingency import table_of
from geo.overlap.disruption import disruption

UNIFORM_DIVISIONS: tuple[str, ...] = (
    "ggdregio",
    "veiligheidsregio",
    "arbeidsmarktregio",
    "provincie",
)
"""The regions recommendation 10 wants the SWVs to follow."""


def changes(state: CheckState) -> pd.DataFrame:
    """Per gemeente ``pupils_po, pupils_vo, changed_po, changed_vo, changed, swv_changes``."""

    def compute() -> pd.DataFrame:
        ctx = state.ctx
        today = ctx.today
        po, vo = today["po"], today["vo"]
        zero = pd.Series(0.0, index=state.units)
        pupils = {  # named, so the exact pupil shares of split gemeenten are used
            lv: pd.Series(ctx.pupils[lv], index=state.units, name=f"pupils_{lv}")
            for lv in ("po", "vo")
        }
        out = pd.DataFrame(
            {"pupils_po": pupils["po"], "pupils_vo": pupils["vo"]}, index=state.units
        )
        out["changed_po"] = 0.0
        out["changed_vo"] = 0.0
        for subject in state.subjects:
            levels = [lv for lv in subject.levels if not same_division(subject.division, today[lv])]
            if not levels:
                continue  # today's division itself: nobody changes
            p = pupils["po"] if "po" in levels else zero.rename("pupils_po")
            v = pupils["vo"] if "vo" in levels else zero.rename("pupils_vo")
            d = disruption(subject.division, po, vo, p, v).per_gemeente.reindex(state.units)
            for level in levels:
                out[f"changed_{level}"] = d[f"changed_{level}"].to_numpy()
        out["changed"] = out["changed_po"] + out["changed_vo"]
        out["swv_changes"] = out["changed"] > 1e-9
        return out

    return state.memo("changes", compute)


@check("disruption", hard=False, title="Disruption: pupils whose SWV changes")
def disrupted(state: CheckState) -> CheckResult:
    """Pupils (and gemeenten) whose SWV changes against today (reported)."""
    per = changes(state)
    names = state.ctx.names
    changed = per[per["swv_changes"]].sort_values("changed", ascending=False)
    levels = sorted({lv for s in state.subjects for lv in s.levels})
    counted = float(sum(per[f"pupils_{lv}"].sum() for lv in levels))
    total = float(per["changed"].sum())
    offenders = [
        {
            "code": str(g),
            "name": str(names[g]),
            "changed_po": round(float(r.changed_po), 1),
            "changed_vo": round(float(r.changed_vo), 1),
            "problem": f"{r.changed:,.0f} pupils change SWV",
        }
        for g, r in changed.iterrows()
    ]
    return disrupted.result(
        None,
        summary=f"{total:,.0f} pupils ({total / counted if counted else 0:.1%}) in "
        f"{len(changed)} gemeenten change SWV against today",
        figures={
            "disrupted": round(total, 1),
            "disrupted_po": round(float(per["changed_po"].sum()), 1),
            "disrupted_vo": round(float(per["changed_vo"].sum()), 1),
            "share": round(total / counted, 6) if counted else 0.0,
            "gemeenten_changed": int(len(changed)),
            "levels": levels,
            "definition": "a pupil keeps their SWV iff their gemeente's new SWV continues their "
            "current SWV (the new SWV receiving most of its pupils); docs/proposals.md",
        },
        offenders=offenders,
    )


@check("uniform", hard=False, title="Uniform regions: GGD, veiligheid, arbeidsmarkt, provincie")
def uniform_regions(state: CheckState) -> CheckResult:
    """Congruence of each SWV division with the uniform regions (reported)."""
    figures: dict[str, dict[str, object]] = {}
    lines = []
    for name in UNIFORM_DIVISIONS:
        other = state.divisions.get(name) or state.ctx.dataset.divisions.get(name)
        if other is None:
            continue
        other = other.reindexed(state.units)
        row = {"regions": other.n_regions}
        for subject in state.subjects:
            w, weight_name = state.weight(subject)
            n = table_of(subject.division, other, w)[:-1, :-1]
            row[subject.name] = {
                "congruence": round(float(metrics.congruence(n)), 4),
                "nested_share": round(float(metrics.nested_share(n, state.settings.tolerance)), 4),
                "weight": weight_name,
            }
        figures[name] = row
        first = state.subjects[0].name
        lines.append(f"{name} {row[first]['congruence']:.2f}")
    return uniform_regions.result(
        None,
        summary="congruence of " + state.subjects[0].name + ": " + ", ".join(lines),
        figures={"divisions": figures, "tolerance": state.settings.tolerance},
        offenders=[],
    )


def region_table(state: CheckState) -> pd.DataFrame:
    """Per SWV of every subject: gemeenten, PO / VO / special pupils (for the report)."""
    ctx = state.ctx
    special = ctx.weight("pupils_special")
    rows = []
    for subject in state.subjects:
        d = subject.division
        shares = d.shares[:, : d.n_regions].tocsc()
        po, vo, sp_ = (
            d.shares_for(k)[:, : d.n_regions].T @ x
            for k, x in (
                ("pupils_po", ctx.pupils["po"]),
                ("pupils_vo", ctx.pupils["vo"]),
                ("pupils_special", special),
            )
        )
        for j, code in enumerate(d.regions):
            members = state.units[shares.indices[shares.indptr[j] : shares.indptr[j + 1]]]
            rows.append(
                {
                    "division": subject.name,
                    "code": str(code),
                    "name": d.region_names.get(code, str(code)),
                    "gemeenten": sorted(members.tolist()),
                    "pupils_po": float(po[j]),
                    "pupils_vo": float(vo[j]),
                    "pupils_special": float(sp_[j]),
                }
            )
    return pd.DataFrame(rows)
