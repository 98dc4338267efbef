"""The scenario document: pydantic models and the published JSON Schema.

A scenario is a base (the current divisions, or another scenario) plus an ordered list of edits.
It is stored as YAML or JSON; :data:`SCENARIO_SCHEMA` is its JSON Schema (also written to
``docs/scenario.schema.json``).

>>> doc = ScenarioDoc.model_validate({
...     "name": "demo", "description": "merge two jeugdregio's", "principles": [1],
...     "edits": [{"op": "merge", "division": "jeugdregio", "regions": ["JZ42", "JZ43"],
...                "into": "JZ42"}]})
>>> doc.edits[0].op, doc.edits[0].regions
('merge', ['JZ42', 'JZ43'])
"""

from __future__ import annotations

import json
import operator
from functools import reduce
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from geo.config import REPO_ROOT
from geo.messages import N_

PRINCIPLES: dict[int, str] = {
    1: N_(
        "one SWV for PO and VO: one samenwerkingsverband for all primary and secondary education "
        "in its region"
    ),
    2: N_(
        "support close to home: scaling up must not lengthen travel distances (a covering "
        "network of support)"
    ),
    3: N_("within one jeugdregio: each SWV lies within the borders of one jeugdregio"),
}
"""The cabinet's three leading principles for a new SWV division, in the cabinet's order
(numbers used in ``principles: [...]`` of a scenario)."""

DIVISION_NAME = r"^[a-z][a-z0-9_]*$"
"""Division names are lower-case identifiers (they are used as CLI options and table values)."""

DivisionName = Annotated[str, Field(pattern=DIVISION_NAME, description="a division name")]
Code = Annotated[str, Field(min_length=1, description="a region or unit code")]


class _Edit(BaseModel):
    """Fields every edit has."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, coerce_numbers_to_str=True)

    division: DivisionName = Field(description="the division the edit works on (or creates)")
    note: str | None = Field(None, description="free text: why this edit")


class MoveEdit(_Edit):
    """Move a unit (or a share of it) from one region to another region of the same division."""

    op: Literal["move"]
    unit: Code = Field(description="unit code (gemeente, GMxxxx)")
    to: Code = Field(description="region that receives the unit (with 'name': a new region)")
    from_: Code | None = Field(
        None,
        alias="from",
        description="region the share comes from; required when the unit is split",
    )
    share: float | None = Field(
        None,
        gt=0,
        le=1,
        description="share of the whole unit to move (default: all it has in 'from', or all of "
        "it outside 'no region')",
    )
    name: str | None = Field(
        None,
        description="make 'to' a new region with this name ('to' must not be a region yet): "
        "the editor's 'new region'",
    )


class MovePostcodeEdit(_Edit):
    """Move a 4-digit postcode (the Regeling's legal unit) to another SWV of the same division.

    Each gemeente the postcode lies in gives, for every weight, the postcode's part of that
    weight from the postcode's current SWV to ``to`` (the PC4 layer's figures)."""

    op: Literal["move_postcode"]
    pc4: Annotated[str, Field(pattern=r"^\d{4}$", description="the 4-digit postcode, e.g. 3197")]
    to: Code = Field(description="existing region (SWV) that receives the postcode")
    from_: Code | None = Field(
        None,
        alias="from",
        description="region the postcode lies in now (default: its SWV in the Regeling, or "
        "where an earlier edit moved it)",
    )


class MergeEdit(_Edit):
    """Merge regions into one region."""

    op: Literal["merge"]
    regions: list[Code] = Field(min_length=1, description="regions to merge")
    into: Code = Field(description="code of the merged region (one of regions, or a new code)")
    name: str | None = Field(None, description="name of the merged region")


class RenameEdit(_Edit):
    """Give a region another code and/or name."""

    op: Literal["rename"]
    region: Code
    code: Code | None = Field(None, description="new code")
    name: str | None = Field(None, description="new name")

    @model_validator(mode="after")
    def _something_to_do(self) -> RenameEdit:
        if self.code is None and self.name is None:
            raise ValueError("give a new 'code' or 'name' (or both)")
        return self


class MembershipRow(BaseModel):
    """One row of a membership table: a share of a unit in a region."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    unit: Code
    region: Code
    share: float = Field(1.0, ge=0, le=1)


class AssignEdit(_Edit):
    """Create or replace a division from an assignment (Districtr's block-assignment style)."""

    op: Literal["assign"]
    assignment: dict[str, str] | None = Field(None, description="inline {unit: region}")
    membership: list[MembershipRow] | None = Field(
        None, description="inline [{unit, region, share}], for units split over regions"
    )
    csv: str | None = Field(
        None,
        description="CSV file with header 'unit,region' (optional 'share'), path relative to "
        "the scenario file",
    )
    region_names: dict[str, str] | None = Field(None, description="{region code: name}")

    @model_validator(mode="after")
    def _exactly_one_source(self) -> AssignEdit:
        given = [k for k in ("assignment", "membership", "csv") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'assignment', 'membership' or 'csv'"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self


class DeriveSwvEdit(_Edit):
    """Derive one SWV division for PO and VO together."""

    op: Literal["derive_swv"]
    division: DivisionName = Field("swv", description="name of the new division")
    rule: Literal["components", "vo_base", "po_base"] = Field(
        "components",
        description="components: connected components of the PO x VO overlap graph; "
        "vo_base: the VO SWVs; po_base: the PO SWVs",
    )
    po: DivisionName = Field("swv_po", description="the PO division")
    vo: DivisionName = Field("swv_vo", description="the VO division")


class SplitByEdit(_Edit):
    """Cut every region of a division along the regions of another division."""

    op: Literal["split_by"]
    by: DivisionName = Field(description="the division whose borders cut (e.g. jeugdregio)")
    into: DivisionName | None = Field(
        None, description="name of the result (default: replace the division)"
    )


class CopyEdit(_Edit):
    """Copy a division under another name (replacing a division of that name)."""

    op: Literal["copy"]
    from_: DivisionName = Field(alias="from", description="the division to copy")


EDIT_MODELS: tuple[type[_Edit], ...] = (
    MoveEdit,
    MovePostcodeEdit,
    MergeEdit,
    RenameEdit,
    AssignEdit,
    DeriveSwvEdit,
    SplitByEdit,
    CopyEdit,
)
"""The one table of edit ops, in the documented order: a new op is a model class here plus its
handler in :mod:`geo.scenarios.apply` (registered with ``@handles``); :data:`OPS`,
:data:`OP_MODELS`, the :data:`Edit` union and the JSON Schema derive from it."""


def op_of(model: type[_Edit]) -> str:
    """The ``op`` literal of an edit model.

    >>> op_of(MoveEdit)
    'move'
    """
    (op,) = get_args(model.model_fields["op"].annotation)
    return op


OPS: tuple[str, ...] = tuple(op_of(m) for m in EDIT_MODELS)
OP_MODELS: dict[str, type[_Edit]] = dict(zip(OPS, EDIT_MODELS, strict=True))
Edit = Annotated[reduce(operator.or_, EDIT_MODELS), Field(discriminator="op")]


class ScenarioDoc(BaseModel):
    """A scenario: name, description, the principles it serves, a base and ordered edits."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, coerce_numbers_to_str=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="short identifier")
    title: str | None = Field(
        None,
        max_length=200,
        description="a readable title shown on the pages (the id stays 'name')",
    )
    description: str = Field(min_length=1, description="what the scenario models")
    principles: list[Literal[1, 2, 3]] = Field(
        default_factory=list,
        description="which of the three principles it serves: "
        + "; ".join(f"{k} = {v}" for k, v in PRINCIPLES.items()),
    )
    base: str | None = Field(
        None,
        description="another scenario (library name or path relative to this file) to start "
        "from; default: the current divisions",
    )
    edits: list[Edit] = Field(default_factory=list, description="edits, applied in order")

    _source: str = PrivateAttr("<inline>")
    _path: Path | None = PrivateAttr(None)

    @property
    def source(self) -> str:
        """The file this scenario was read from, as shown in messages (``<inline>`` if none)."""
        return self._source

    @property
    def path(self) -> Path | None:
        """The file this scenario was read from (relative CSV paths and bases start there)."""
        return self._path

    def with_source(self, source: str | Path, path: Path | None = None) -> ScenarioDoc:
        """Remember where the document came from (for messages and relative paths)."""
        self._source = str(source)
        if path is not None:
            self._path = Path(path)
        elif isinstance(source, Path):
            self._path = source
        return self


def _schema() -> dict[str, Any]:
    schema = ScenarioDoc.model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "regiokompas scenario",
    }


SCENARIO_SCHEMA: dict[str, Any] = _schema()
"""JSON Schema of a scenario document (draft 2020-12)."""

SCHEMA_PATH = REPO_ROOT / "docs" / "scenario.schema.json"


def schema_text() -> str:
    """The schema as written to ``docs/scenario.schema.json`` (2-space indent, UTF-8)."""
    return json.dumps(SCENARIO_SCHEMA, indent=2, ensure_ascii=False) + "\n"


def write_schema(path: str | Path = SCHEMA_PATH) -> Path:
    """Write :data:`SCENARIO_SCHEMA` to ``path`` (default ``docs/scenario.schema.json``)."""
    out = Path(path)
    out.write_text(schema_text(), encoding="utf-8")
    return out
