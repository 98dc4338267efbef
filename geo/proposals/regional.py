"""A proposal for some jeugdregio's only (e.g. Limburg's) as a scenario document.

Rule: a partial run (``ProposalSettings.regions``) has no national ``swv`` division (elsewhere
PO and VO keep their own SWVs), so its scenario changes ``swv_po`` and ``swv_vo`` instead: the
gemeenten of the solved jeugdregio's go wholly to their new SWV in both divisions (one SWV for
PO and VO there: principle 1 inside the region), every other gemeente keeps its rows as they
are. Both edits are ``assign`` edits with the full membership table, so the postcode (per
weight) shares of every gemeente outside the region are kept (see ``geo.scenarios`` assign).
The new SWVs carry the names the proposal gave them.

>>> from fixtures.synthetic import synthetic_dataset
>>> from geo.proposals.propose import ProposalSettings, propose
>>> ds = synthetic_dataset(4, 4)
>>> region = sorted(set(ds.division("jeugdregio").assignment()))[0]
>>> settings = ProposalSettings(min_pupils=1, time_limit=5, regions=(region,), name="p")
>>> doc = regional_document(ds, propose(ds, settings, warn=False), settings)
>>> [e["division"] for e in doc["edits"]], doc["name"]
(['swv_po', 'swv_vo'], 'p')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from geo.dataset import Dataset
from geo.messages import Message
from geo.scenarios.descriptions import regional_description

if TYPE_CHECKING:
    from geo.proposals.problem import ProposalSettings
    from geo.proposals.propose import Proposal

LEVELS = ("swv_po", "swv_vo")


def regional_message(proposal: Proposal, settings: ProposalSettings) -> Message:
    """The description of a partial proposal as a message (``str()``: the English text)."""
    return regional_description(
        settings.regions or (),
        jeugdregio=settings.jeugdregio,
        swvs=len(set(proposal.division.assignment().astype(str))),
        disrupted=float(proposal.report.get("totals", {}).get("disrupted", 0.0)),
    )


def regional_document(
    dataset: Dataset,
    proposal: Proposal,
    settings: ProposalSettings,
    *,
    base: str | None = None,
) -> dict[str, Any]:
    """The scenario document of a partial proposal (rule in the module docstring);
    ``dataset`` holds the divisions the proposal started from (its base applied)."""
    new = proposal.division.assignment().astype(str)
    names = {
        code: name
        for code, name in (proposal.division.region_names or {}).items()
        if code in set(new)
    }
    regions = ", ".join(settings.regions or ())
    edits = []
    for level in LEVELS:
        rows = dataset.division(level).membership[["unit", "region", "share"]]
        keep = rows[~rows["unit"].astype(str).isin(new.index)]
        added = pd.DataFrame({"unit": new.index, "region": new.to_numpy(), "share": 1.0})
        table = pd.concat([keep, added], ignore_index=True).sort_values(["unit", "region"])
        edits.append(
            {
                "op": "assign",
                "division": level,
                "membership": [
                    {"unit": str(u), "region": str(r), "share": float(s)}
                    for u, r, s in table.itertuples(index=False)
                ],
                "region_names": dict(sorted(names.items())),
                "note": f"regio propose for jeugdregio {regions}: one SWV for PO and VO there, "
                "whole gemeenten; elsewhere unchanged",
            }
        )
    description = regional_message(proposal, settings)
    doc: dict[str, Any] = {"name": settings.name, "description": str(description), "principles": []}
    if base is not None:
        doc["base"] = base
    doc["edits"] = edits
    return doc
