"""Pydantic models of the map editor's API (evaluate, append, save as).

>>> EvaluateIn.model_validate({"edits": [{"op": "move", "division": "swv_po",
...     "unit": "GM0772", "to": "PO3008"}]}).edits[0].to
'PO3008'
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.models import DIVISION_PATTERN, SCENARIO_PATTERN, WeightName
from geo.scenarios.model import Edit

MAX_EDITS = 1000
"""Most tentative edits one request may carry."""


def edit_documents(edits: list[Any]) -> list[dict[str, Any]]:
    """Edits as scenario-document dicts (field aliases such as ``from``, unset fields left out)."""
    return [e.model_dump(mode="json", by_alias=True, exclude_unset=True) for e in edits]


class EvaluateIn(BaseModel):
    """Tentative edits on a stored scenario, and what to measure them with."""

    model_config = ConfigDict(extra="forbid")

    division: str = Field("swv_po", pattern=DIVISION_PATTERN, description="the edited division")
    against: str = Field("jeugdregio", pattern=DIVISION_PATTERN)
    weight: WeightName = "pupils_po"
    edits: list[Edit] = Field(
        default_factory=list,
        max_length=MAX_EDITS,
        description="edits in the scenario format, applied after the scenario's own edits",
    )
    base_revision: int | None = Field(
        None, description="revision the page started from; 409 when the scenario moved on"
    )


class Headline(BaseModel):
    """Headline metrics of the division against ``against``."""

    congruence: float | None = None
    nested_regions: int | None = None
    regions: int | None = None
    ari: float | None = None
    nmi: float | None = None
    vi: float | None = None


class HeadlineOut(BaseModel):
    """The headline metrics before (stored scenario) and after the edits."""

    before: Headline
    after: Headline


class EditorRegion(BaseModel):
    """One region of the edited division."""

    code: str
    name: str
    weight: float = Field(description="total of the chosen weight (shares applied)")
    containment: float | None
    best_match: str | None
    nested: bool


class TouchedRegion(BaseModel):
    """A region the edits changed: its containment before -> after (None: did not exist)."""

    code: str
    name: str
    before: float | None
    after: float | None


class DisruptedGemeente(BaseModel):
    """Pupils of one gemeente whose SWV changes against today, before and after the edits."""

    code: str
    name: str
    before: float
    after: float


class DisruptionOut(BaseModel):
    """Pupils whose SWV changes against huidig (definition: docs/proposals.md)."""

    levels: list[str]
    before: float
    after: float
    delta: float
    gemeenten: list[DisruptedGemeente] = Field(description="gemeenten whose number changed")


class TravelLevel(BaseModel):
    """Pupil-weighted mean distance (km) over the gemeenten concerned."""

    before_km: float | None = Field(
        description="pupil-weighted mean over the concerned gemeenten that have a location"
    )
    after_km: float | None
    without_location_before: int = Field(
        0, description="concerned gemeenten (with pupils) without a location in their SWV, before"
    )
    without_location_after: int = Field(
        0, description="the same after the edits (counted, never silently left out)"
    )
    model: str = Field("", description="the travel model's name")


class TravelOut(BaseModel):
    """Distance to the nearest special-education location in the gemeente's SWV."""

    model_config = ConfigDict(extra="allow")

    levels: list[str]
    gemeenten_concerned: int
    po: TravelLevel | None = None
    vo: TravelLevel | None = None
    changed: list[dict[str, Any]] = Field(
        description="gemeenten whose distance changed: code, name, <level>_before_km/_after_km"
    )


class CheckOut(BaseModel):
    """One named check of ``regio verdict`` (:mod:`geo.checks`) with its offenders."""

    name: str
    label: str
    passed: bool
    detail: str = Field(description="what was measured and the outcome, in English")
    text: str | None = Field(
        None,
        description="``detail`` in the reader's language (the regio_taal cookie, else "
        "Accept-Language, else Dutch), with its number formats: what the editor page shows",
    )
    offenders: list[str] = Field(description="codes of the offending regions or gemeenten")
    problems: list[str] = Field(description="'code: problem' for each offender")


class EvaluateOut(BaseModel):
    """Everything the editor's panel shows after an action."""

    scenario: str
    revision: int = Field(description="revision of the stored scenario the edits apply to")
    division: str
    against: str
    weight: str
    edits: int
    headline: HeadlineOut
    regions: list[EditorRegion]
    touched: list[TouchedRegion]
    disruption: DisruptionOut | None
    travel: TravelOut | None
    checks: list[CheckOut]
    membership: dict[str, list[tuple[str, float]]] = Field(
        description="gemeente -> [(region, share)] of the edited division, largest share first"
    )
    adjacency: list[tuple[str, str]] = Field(
        description="pairs of neighbouring regions (for colouring)"
    )
    pieces: dict[str, list[tuple[str, float]]] = Field(
        default_factory=dict,
        description="region -> [(jeugdregio, weight)] largest first: where each region of the "
        "edited division lies in the scenario's jeugdregio's (the chosen weight)",
    )
    engine: Literal["live", "full"] = Field(
        description="live: the incremental engine (geo.overlap.live); full: a full recompute"
    )
    timing_ms: float = Field(description="server time of this evaluation")


class AppendIn(BaseModel):
    """Edits to append to a stored scenario, naming the revision they started from."""

    model_config = ConfigDict(extra="forbid")

    base_revision: int = Field(description="revision the edits were made on")
    edits: list[Edit] = Field(min_length=1, max_length=MAX_EDITS)


class SaveAsIn(AppendIn):
    """A new scenario: the stored one as its base plus the edits."""

    name: str = Field(pattern=SCENARIO_PATTERN, description="id of the new scenario")
    description: str | None = Field(None, max_length=2000)
    principles: list[Literal[1, 2, 3]] = Field(
        default_factory=list,
        max_length=3,
        description="the principles the new scenario claims; its own claim, never inherited "
        "from the base (default: none)",
    )


class SavedOut(BaseModel):
    """A saved scenario."""

    id: str
    url: str
    version: int
    revision: int
    edits: int = Field(description="edits in the stored document")
    editor_url: str
