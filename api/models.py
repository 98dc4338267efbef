"""Pydantic models of every request and response of the API (the OpenAPI contract).

>>> ErrorOut(detail="unknown division 'x'").model_dump()
{'detail': "unknown division 'x'"}
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from geo.dataset import WEIGHTS

WeightName = Literal[
    "area", "inhabitants", "inhabitants_0_15", "pupils_po", "pupils_vo", "pupils_special", "pupils"
]
"""Public weight names (the keys of :data:`geo.dataset.WEIGHTS`)."""

assert set(WeightName.__args__) == set(WEIGHTS), "WeightName must list geo.dataset.WEIGHTS"

DIVISION_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
SCENARIO_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class ErrorOut(BaseModel):
    """Every error: one message naming the field, id or code that is wrong."""

    detail: str = Field(description="what is wrong, naming the field, id or code")


TOLERANCE_RANGE = (0.5, 1.0)
"""Accepted ``tolerance`` (containment counted as nested from here): below 0.5 a region would
be 'nested' in a region holding less than half of it."""
MIN_PIECE_RANGE = (0.0, 0.5)
"""Accepted ``min_piece`` (pieces below this share are not splits): at most half a region."""

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "unknown id, division, unit or region"},
    413: {"model": ErrorOut, "description": "over a size or count limit (the message names it)"},
    422: {"model": ErrorOut, "description": "invalid input (the message names the field)"},
    429: {"model": ErrorOut, "description": "over a rate limit (the message names it)"},
}
"""``responses=`` for routes: errors documented with :class:`ErrorOut`."""


# ---------------------------------------------------------------------- divisions
class DivisionSummary(BaseModel):
    """A division and its size."""

    name: str
    regions: int = Field(description="number of regions (the 'no region' column not counted)")
    units: int = Field(description="number of gemeenten")
    split_units: int = Field(description="gemeenten with shares in more than one region")
    unassigned_units: int = Field(description="gemeenten with a share in no region")
    url: str


class RegionOut(BaseModel):
    """One region of a division with its weight totals (shares applied)."""

    code: str
    name: str
    units: int = Field(description="gemeenten with a non-zero share in the region")
    weights: dict[str, float] = Field(description="total per weight name")


class DivisionOut(BaseModel):
    """A division: regions with names and weights, plus what lies in no region."""

    name: str
    scenario: str | None
    regions: list[RegionOut]
    no_region: dict[str, float] = Field(description="weight totals in no region ('GEEN')")
    split_units: list[str]


class FeatureOut(BaseModel):
    """A GeoJSON feature (RFC 7946, WGS84)."""

    type: Literal["Feature"] = "Feature"
    properties: dict[str, Any]
    geometry: dict[str, Any] | None


class FeatureCollectionOut(BaseModel):
    """A GeoJSON feature collection (RFC 7946, WGS84)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[FeatureOut]


# ---------------------------------------------------------------------- units
class MembershipOut(BaseModel):
    """A unit's share in one region of a division."""

    region: str
    name: str
    share: float


class UnitOut(BaseModel):
    """A gemeente with its weights and its memberships in every division."""

    code: str
    name: str
    weights: dict[str, float]
    memberships: dict[str, list[MembershipOut]] = Field(
        description="division -> regions with shares (largest first)"
    )


# ---------------------------------------------------------------------- scores
class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RegionScore(_Open):
    """How one region of the division lies in the regions of the other."""

    # the fields of geo.overlap.score.RegionScore, in its order (tests/test_api_models.py)

    region: str
    name: str
    total: float
    no_region: float = Field(description="weight of the region in no region of the other")
    best_match: str | None
    best_match_name: str | None
    containment: float | None
    nested: bool
    splits: int
    splits_above_threshold: int
    effective_parts: float | None
    entropy: float | None
    iou: dict[str, float]


class ScoreSummary(_Open):
    """Headline metrics of a comparison (the engine may add more keys)."""

    regions: int
    nested_regions: int
    nested_share: float | None
    mean_containment: float | None
    reverse_regions: int
    reverse_nested_regions: int
    reverse_nested_share: float | None
    reverse_mean_containment: float | None
    congruence: float | None
    ari: float | None
    nmi: float | None
    vi: float | None
    total_pieces: int
    total: float
    grand_total: float
    no_region_total: float
    no_region_share: float | None
    no_region_division: float
    no_region_against: float
    empty_regions: list[str]
    reverse_empty_regions: list[str]
    tolerance: float
    min_piece: float


class ScoreOut(_Open):
    """Exactly the JSON object of ``regio score --json`` (``geo.overlap.Score.to_dict()``)."""

    division: str
    against: str
    weight: str
    regions: list[RegionScore]
    reverse_regions: list[RegionScore]
    summary: ScoreSummary
    notes: list[str]


# ---------------------------------------------------------------------- scenarios
class ScenarioCreated(BaseModel):
    """Answer to a stored scenario."""

    id: str
    url: str
    version: int
    revision: int


class ScenarioSummary(BaseModel):
    """A stored scenario without its edits."""

    id: str
    name: str
    title: str = Field("", description="readable title (the document's 'title', else its id)")
    description: str
    principles: list[int]
    base: str | None
    edits: int = Field(description="number of edits")
    source: Literal["library", "user", "import"]
    owner: str | None = Field(None, description="user who owns it (none: library or unowned)")
    visibility: Literal["private", "published"] = Field(
        "published", description="private: owner and admins only; published: everyone"
    )
    version: int = Field(
        description="this scenario's revision number: 1, 2, 3 ... (the one every page shows)"
    )
    revision: int = Field(
        description="store-wide save counter (a cache key; the editor's base_revision)"
    )
    created_at: str
    updated_at: str
    url: str


class ScenarioOut(ScenarioSummary):
    """A stored scenario with its full document."""

    sha256: str = Field(description="SHA-256 of the canonical JSON of the document")
    document: dict[str, Any]


class ImportOut(ScenarioCreated):
    """Answer to an import: the stored scenario and how the units were assigned."""

    division: str
    units: int = Field(description="gemeenten assigned")
    regions: int
    low_overlap: list[dict[str, Any]] = Field(
        default_factory=list,
        description="geometry imports: gemeenten whose best region covers < 99% of them",
    )
    base: str | None = Field(None, description="the scenario the rows were applied to")
    kept: int = Field(0, description="gemeenten not in the file that keep the base's rows")
    new_regions: list[str] = Field(
        default_factory=list, description="region codes the base did not have (when allowed)"
    )


# ---------------------------------------------------------------------- compare
class CompareIn(BaseModel):
    """Several scenarios, each compared with the same pair of divisions."""

    model_config = ConfigDict(extra="forbid")

    scenarios: list[str] = Field(
        min_length=1, max_length=20, description="stored scenario ids, e.g. ['huidig']"
    )
    division: str = Field("swv_po", pattern=DIVISION_PATTERN)
    against: str = Field("jeugdregio", pattern=DIVISION_PATTERN)
    weight: WeightName = "area"
    tolerance: float = Field(
        0.995, ge=TOLERANCE_RANGE[0], le=TOLERANCE_RANGE[1], allow_inf_nan=False
    )


class CompareRow(BaseModel):
    """The summary metrics of one scenario."""

    scenario: str
    metrics: dict[str, int | float | list[str] | None]


class CompareOut(BaseModel):
    """One table: a row per scenario, a column per summary metric."""

    division: str
    against: str
    weight: str
    columns: list[str]
    rows: list[CompareRow]
