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

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.checks.base import CheckResult, check, problem
from geo.checks.state import CheckState, same_division
from geo.messages import N_, Figure, Join, Message
from geo.overlap import metrics
from geo.overlap.contingency import table_of
from geo.overlap.disruption import level_changes

UNIFORM_DIVISIONS: tuple[str, ...] = (
    "ggdregio",
    "veiligheidsregio",
    "arbeidsmarktregio",
    "provincie",
)
"""The regions recommendation 10 wants the SWVs to follow."""


def changes(state: CheckState) -> pd.DataFrame:
    """Per gemeente ``pupils_po, pupils_vo, changed_po, changed_vo, changed, swv_changes``
    (:func:`geo.overlap.disruption.level_changes` on today's precomputed pupil matrices)."""

    def compute() -> pd.DataFrame:
        ctx = state.ctx
        changed = {lv: np.zeros(len(state.units)) for lv in ("po", "vo")}
        for subject in state.subjects:
            d = subject.division
            order = np.argsort(np.asarray(d.regions, dtype=str), kind="stable")  # sorted codes
            for level in subject.levels:
                if same_division(d, ctx.today[level]):
                    continue  # today's division itself: nobody changes
                # the exact pupil shares of split gemeenten (issue 11)
                shares = d.shares_for(f"pupils_{level}")[:, : d.n_regions][:, order]
                capacity = sp.csr_matrix(sp.diags(ctx.pupils[level]) @ shares)
                changed[level] = level_changes(ctx.today_pupils[level], capacity).changed
        out = pd.DataFrame(
            {
                "pupils_po": ctx.pupils["po"],
                "pupils_vo": ctx.pupils["vo"],
                "changed_po": changed["po"],
                "changed_vo": changed["vo"],
            },
            index=state.units,
        )
        out["changed"] = out["changed_po"] + out["changed_vo"]
        out["swv_changes"] = out["changed"] > 1e-9
        return out

    return state.memo("changes", compute)


@check("disruption", hard=False, title="Disruption: pupils whose SWV changes")
def disrupted(state: CheckState) -> CheckResult:
    """Pupils (and gemeenten) whose SWV changes against today (reported)."""
    per = changes(state)
    levels = sorted({lv for s in state.subjects for lv in s.levels})
    counted = float(sum(per[f"pupils_{lv}"].sum() for lv in levels))
    total = float(per["changed"].sum())
    codes, labels = state.ctx.codes, state.ctx.labels
    rows = np.flatnonzero(per["swv_changes"].to_numpy())
    rows = rows[np.argsort(-per["changed"].to_numpy()[rows], kind="stable")]
    cpo, cvo = per["changed_po"].to_numpy(), per["changed_vo"].to_numpy()
    offenders = [
        {
            "code": str(codes[i]),
            "name": str(labels[i]),
            "changed_po": round(float(cpo[i]), 1),
            "changed_vo": round(float(cvo[i]), 1),
            **problem(
                Message(
                    N_("%(pupils)s pupils change SWV"),
                    {"pupils": Figure(float(cpo[i] + cvo[i]), ",.0f")},
                )
            ),
        }
        for i in rows
    ]
    return disrupted.result(
        None,
        summary=Message(
            N_("%(pupils)s pupils (%(share)s) in %(n)s gemeenten change SWV against today"),
            {
                "pupils": Figure(total, ",.0f"),
                "share": Figure(total / counted if counted else 0, ".1%"),
                "n": len(rows),
            },
        ),
        figures={
            "disrupted": round(total, 1),
            "disrupted_po": round(float(per["changed_po"].sum()), 1),
            "disrupted_vo": round(float(per["changed_vo"].sum()), 1),
            "share": round(total / counted, 6) if counted else 0.0,
            "gemeenten_changed": int(len(rows)),
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
    lines: list[Message] = []
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
        lines.append(
            Message(
                N_("%(division)s %(congruence)s"),
                {"division": name, "congruence": Figure(row[first]["congruence"], ".2f")},
            )
        )
    return uniform_regions.result(
        None,
        summary=Message(
            N_("congruence of %(division)s: %(list)s"),
            {"division": state.subjects[0].name, "list": Join(tuple(lines))},
        ),
        figures={"divisions": figures, "tolerance": state.settings.tolerance},
        offenders=[],
    )
