"""The descriptions the tools write into the scenarios they make, as messages.

Rule: a text that a tool (not a planner) writes into a stored scenario's ``description`` is a
:class:`~geo.messages.Message`: an English msgid marked with :func:`~geo.messages.N_` and its
values, made by one function here. The CLI stores ``str(message)``, the English text exactly
as it has always been; the web app renders the message in the language of the person who
makes the scenario (``maps.i18n.render_message``) *before* storing it. From then on the text
is the scenario's description like any other: shown as written, versioned, exported and
changed by its owner (docs/i18n.md explains why it is not translated again when read).

- :func:`proposal_description`: a national proposal (``regio propose``, ``/proposals/new``);
- :func:`regional_description`: a proposal for some jeugdregio's only;
- :func:`option_description`: an option kept from ``regio options`` or ``/options/new``;
- :func:`edited_description`, :func:`shared_edited_description`,
  :func:`imported_description`, :func:`new_description`: the defaults when a planner leaves
  the description empty (editor "save as", a shared scenario's "save as", an upload, a new
  scenario on a base).

:data:`GENERATED` lists every msgid, so a page can recognise a stored English description the
tool wrote (``maps.i18n.generated_language``).

>>> m = option_description({"swvs": 118.0, "disrupted": 12345.6, "travel_km": 7.12345},
...                        "jeugdregio")
>>> str(m)[:60]
"Option by 'regio options': 118 SWVs for PO and VO together, "
>>> str(m).split(". ")[-1]
'Pupils changing SWV: 12,346; pupil-weighted distance PO+VO 7.123 km.'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from geo.messages import N_, Figure, Join, Message

PROPOSAL_NOTE = N_(
    "whole gemeenten; codes SWV-<jeugdregio>-<n>; names list the current SWVs each new SWV "
    "continues"
)
"""The note on a proposal's ``assign`` edit."""
OPTION_NOTE = N_(
    "whole gemeenten; codes SWV-<jeugdregio>-<n>; one valid division per jeugdregio from the space"
)
"""The note on a kept option's ``assign`` edit."""
TOOL_NOTES = (PROPOSAL_NOTE, OPTION_NOTE)
"""Every note a tool writes on an edit: stored in English, shown in the reader's language by
the editor's page script (``_(note)`` translates exactly these; a planner's note stays as
written)."""

PROPOSAL = N_(
    "Proposal by 'regio propose': %(swvs)s SWVs for PO and VO together, each inside one "
    "jeugdregio (%(jeugdregio)s), contiguous, %(low)s-%(high)s PO+VO pupils. Pupils changing "
    "SWV: %(disrupted)s (%(share)s; unavoidable under principle 3: %(unavoidable)s). "
    "Pupil-weighted distance to special education PO %(po_before)s -> %(po_after)s km, VO "
    "%(vo_before)s -> %(vo_after)s km (margin per gemeente %(margin)s km). Solver status "
    "%(status)s."
)
REGIONAL = N_(
    "Proposal by 'regio propose' for jeugdregio %(regions)s (%(jeugdregio)s): %(swvs)s SWVs for "
    "PO and VO together, each inside one jeugdregio, contiguous. Pupils changing SWV there: "
    "%(disrupted)s. Elsewhere the SWVs are unchanged."
)
OPTION = N_(
    "Option by 'regio options': %(swvs)s SWVs for PO and VO together, each inside one "
    "jeugdregio (%(jeugdregio)s); on the Pareto front of disruption x travel x number of SWVs "
    "among the valid divisions. Pupils changing SWV: %(disrupted)s; pupil-weighted distance "
    "PO+VO %(travel)s km."
)
EDITED = N_("%(scenario)s with %(n)s edit(s) made in the map editor")
SHARED_EDITED = N_("%(title)s (shared with you) with %(n)s edit(s) made in the map editor")
IMPORTED = N_("%(division)s imported from %(file)s")
NEW = N_("New scenario based on %(base)s")

STATUS = {"OPTIMAL": N_("OPTIMAL"), "FEASIBLE": N_("FEASIBLE")}
"""The solver's status words (a status not listed is shown as it is)."""

GENERATED: tuple[str, ...] = (PROPOSAL, REGIONAL, OPTION, EDITED, SHARED_EDITED, IMPORTED, NEW)
"""Every msgid of a description a tool writes."""


def _status(status: Any) -> Message | str:
    text = str(status)
    return Message(STATUS[text]) if text in STATUS else text


def proposal_description(report: Mapping[str, Any]) -> Message:
    """A national proposal's description from its report (``regio propose --json``: its
    ``settings``, ``bounds``, ``totals`` and ``travel``)."""
    settings, bounds = report["settings"], report["bounds"]
    t = report["totals"]
    tr = report["travel"]
    return Message(
        PROPOSAL,
        {
            "swvs": t["swvs"],
            "jeugdregio": settings["jeugdregio"],
            "low": Figure(bounds["min_pupils"], ",.0f"),
            "high": Figure(bounds["max_pupils"], ",.0f"),
            "disrupted": Figure(t["disrupted"], ",.0f"),
            "share": Figure(t["disrupted_share"], ".1%"),
            "unavoidable": Figure(t["unavoidable_disruption"], ",.0f"),
            "po_before": tr["po"]["before"]["weighted_mean"],
            "po_after": tr["po"]["after"]["weighted_mean"],
            "vo_before": tr["vo"]["before"]["weighted_mean"],
            "vo_after": tr["vo"]["after"]["weighted_mean"],
            "margin": settings["max_extra_km"],
            "status": _status(t["status"]),
        },
    )


def regional_description(
    regions: Iterable[str], *, jeugdregio: str, swvs: int, disrupted: float
) -> Message:
    """A proposal for the jeugdregio's ``regions`` only: ``swvs`` new SWVs there."""
    return Message(
        REGIONAL,
        {
            "regions": Join(tuple(str(r) for r in regions), ", "),
            "jeugdregio": jeugdregio,
            "swvs": int(swvs),
            "disrupted": Figure(float(disrupted), ",.0f"),
        },
    )


def option_description(summary: Mapping[str, Any], jeugdregio: str) -> Message:
    """An option's description from its ``swvs``, ``disrupted`` and ``travel_km``."""
    return Message(
        OPTION,
        {
            "swvs": Figure(float(summary["swvs"]), ".0f"),
            "jeugdregio": jeugdregio,
            "disrupted": Figure(float(summary["disrupted"]), ",.0f"),
            "travel": Figure(float(summary["travel_km"]), ".3f"),
        },
    )


def edited_description(scenario: str, edits: int) -> Message:
    """A scenario saved as a new one from the map editor with ``edits`` edits.

    >>> str(edited_description("huidig", 3))
    'huidig with 3 edit(s) made in the map editor'
    """
    return Message(EDITED, {"scenario": scenario, "n": int(edits)})


def shared_edited_description(title: str, edits: int) -> Message:
    """A shared scenario (its ``title``) saved as one's own with ``edits`` edits."""
    return Message(SHARED_EDITED, {"title": title, "n": int(edits)})


def imported_description(division: str, filename: str) -> Message:
    """A division imported from an uploaded file."""
    return Message(IMPORTED, {"division": division, "file": filename})


def new_description(base: str) -> Message:
    """A new, empty scenario on ``base``."""
    return Message(NEW, {"base": base})


__all__ = [
    "GENERATED",
    "edited_description",
    "imported_description",
    "new_description",
    "option_description",
    "proposal_description",
    "regional_description",
    "shared_edited_description",
]
