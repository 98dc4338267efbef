"""Named checks of the cabinet's three principles and the hard constraints, written once.

Every user of a rule calls it from here: ``regio verdict`` / ``regio report``, the API
(``/api/scenarios/{id}/verdict``), the home page's principle columns, the map editor's live panel,
proposals and the ensemble. Modelled on GerryChain's ``constraints``: each check is a small
callable with a ``name``, a ``hard`` flag and a ``title``; called on a :class:`CheckState` it
returns a :class:`CheckResult` (``passed``, ``figures``, ``offenders``).

=============  =====  ===========================================================================
check          hard   rule (module)
=============  =====  ===========================================================================
``P1``         yes    one SWV for PO and VO (:mod:`geo.checks.principles`)
``P2``         yes    no gemeente / SWV mean farther from special education than the baseline +
                      margin (:mod:`geo.checks.travel`)
``P3``         yes    every SWV within one jeugdregio, containment >= tolerance (principles)
``size``       yes    PO + VO pupils per SWV within the bounds (:mod:`geo.checks.shape`)
``contiguity`` yes    every SWV connected, islands linked (:mod:`geo.checks.shape`)
``disruption`` no     pupils whose SWV changes against today (:mod:`geo.checks.reported`)
``uniform``    no     congruence with GGD, veiligheid, arbeidsmarkt, provincie (reported)
=============  =====  ===========================================================================

Use: build the context once (about 1-2 s on the real data; distance matrices, adjacency,
today's baselines), then judge as often as you like (tens of ms nationally)::

    ctx = build_context(dataset)                       # once
    v = verdict(ctx, divisions, scenario="mine")       # divisions: apply_scenario(doc, dataset)
    v.passed, v.result("P3").offenders, v.to_dict()    # JSON schema: docs/verdict.md
    scenario_verdict(ctx, "huidig", jeugdregio="jeugdregio_41")

>>> from fixtures.synthetic import synthetic_dataset
>>> ds = synthetic_dataset(4, 4)
>>> v = verdict(build_context(ds), ds.divisions)
>>> [(r.name, r.passed) for r in v.results][:3]
[('P1', False), ('P2', True), ('P3', False)]
"""

from __future__ import annotations

from geo.checks.base import (
    Check,
    CheckResult,
    PrincipleClaimWarning,
    VerdictError,
    VerdictSettings,
    check,
)
from geo.checks.context import VerdictContext, build_context
from geo.checks.state import CheckState, Subject, subjects_of
from geo.checks.verdict import (
    CHECKS,
    DIVISION_CHECKS,
    HARD_CHECKS,
    PRINCIPLE_CHECKS,
    Verdict,
    scenario_verdict,
    verdict,
)

__all__ = [
    "CHECKS",
    "DIVISION_CHECKS",
    "HARD_CHECKS",
    "PRINCIPLE_CHECKS",
    "Check",
    "CheckResult",
    "CheckState",
    "PrincipleClaimWarning",
    "Subject",
    "Verdict",
    "VerdictContext",
    "VerdictError",
    "VerdictSettings",
    "build_context",
    "check",
    "scenario_verdict",
    "subjects_of",
    "verdict",
]
