"""A scenario's versions: its history, any older version, the difference between two, and
changing its title and description.

- ``GET /api/scenarios/{id}/history``: every version (1, 2, 3 ... per scenario), newest first,
  with who saved it, when, and which edits it added or took away (:mod:`api.storage.history`);
- ``GET /api/scenarios/{id}/versions/{n}``: the scenario's document as it was at version ``n``
  (its maps: ``/maps/{id}?version=n``);
- ``GET /api/scenarios/{id}/diff?from=1&to=3``: per division, the gemeenten whose region differs
  between the two versions and the pupils concerned (:mod:`geo.overlap.difference`);
- ``PATCH /api/scenarios/{id}`` ``{"title": ..., "description": ...}``: the owner renames or
  describes a scenario; a new version with the same edits.

Readers of a scenario (a share link included) read its history; only its owner (or an admin)
changes it (:data:`api.safety.auth.policy.POLICY`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import ScenarioEvaluator, get_evaluator, get_limits, get_store
from api.models import DIVISION_PATTERN, ERROR_RESPONSES, SCENARIO_PATTERN, ScenarioOut
from api.routers.scenarios import owner_checks, summary
from api.safety.auth.policy import enforce
from api.safety.auth.principal import Principal
from api.safety.limits import Limits, check_document_limits
from api.storage.store import ScenarioStore, VersionRecord
from geo.errors import RegiokompasError
from geo.overlap.difference import division_difference

router = APIRouter(prefix="/api/scenarios", tags=["versions"], responses=ERROR_RESPONSES)

ScenarioPath = Annotated[str, Path(pattern=SCENARIO_PATTERN, description="scenario id")]
VersionPath = Annotated[int, Path(ge=1, description="version: 1, 2, 3 ...")]
MAX_DIFF_ROWS = 400
"""Gemeenten listed per division in a difference (there are 342)."""


class VersionOut(BaseModel):
    """One version of a scenario."""

    version: int
    at: str
    actor: str = Field(description="who saved it (system: the shipped library)")
    title: str
    description: str
    edits: int = Field(description="edits of the document at this version")
    added: list[dict[str, Any]] = Field(description="edits added since the version before")
    removed: list[dict[str, Any]] = Field(description="edits of the version before taken away")


class GemeenteChangeOut(BaseModel):
    """One gemeente whose region differs."""

    code: str
    name: str
    before: str = Field(description="its region(s) before ('/'-joined when split)")
    after: str
    pupils: float = Field(description="pupils concerned")


class DivisionDiffOut(BaseModel):
    """The difference of one division."""

    division: str
    weights: list[str] = Field(description="the pupils counted (pupils_po, pupils_vo, pupils)")
    gemeenten: int = Field(description="gemeenten whose region differs")
    pupils: float = Field(description="pupils concerned in all")
    changes: list[GemeenteChangeOut]


class DiffOut(BaseModel):
    """The difference between two versions of a scenario."""

    scenario: str
    from_version: int
    to_version: int
    divisions: list[DivisionDiffOut]


class AboutIn(BaseModel):
    """A new title and/or description."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, min_length=1, max_length=2000)


def version_out(record: VersionRecord) -> VersionOut:
    """The API form of one kept version."""
    doc = record.document
    edits = doc.get("edits") if isinstance(doc.get("edits"), list) else []
    return VersionOut(
        version=record.version,
        at=record.at,
        actor=record.actor,
        title=str(doc.get("title") or doc.get("name") or ""),
        description=str(doc.get("description", "")),
        edits=len(edits or []),
        added=record.added,
        removed=record.removed,
    )


def difference(
    evaluator: ScenarioEvaluator,
    scenario: str,
    before: int | None,
    after: int | None,
    divisions: list[str] | None = None,
    other: str | None = None,
) -> list[DivisionDiffOut]:
    """Per division of both sides (or of ``divisions``) that differs: the changed gemeenten.

    The sides are ``scenario`` at version ``before`` and ``other`` (default ``scenario``) at
    ``after`` (None: the current version)."""
    left = evaluator.divisions(scenario, before)
    right = evaluator.divisions(other or scenario, after)
    names = divisions or sorted(set(left) & set(right))
    out = []
    for name in names:
        if name not in left or name not in right:
            raise KeyError(f"division {name!r} is not in both versions")
        if left[name] is right[name]:
            continue
        diff = division_difference(evaluator.dataset, left[name], right[name])
        if diff.changed.empty and divisions is None:
            continue
        rows = diff.changed.head(MAX_DIFF_ROWS)
        out.append(
            DivisionDiffOut(
                division=name,
                weights=list(diff.weights),
                gemeenten=len(diff.changed),
                pupils=round(diff.pupils, 3),
                changes=[
                    GemeenteChangeOut(
                        code=str(code),
                        name=r.name,
                        before=r.before,
                        after=r.after,
                        pupils=round(float(r.pupils), 3),
                    )
                    for code, r in zip(rows.index, rows.itertuples(), strict=True)
                ],  # fmt: skip
            )
        )
    return out


@router.get(
    "/{scenario_id}/history", response_model=list[VersionOut], summary="Versions of a scenario"
)
def history(
    scenario_id: ScenarioPath, store: ScenarioStore = Depends(get_store)
) -> list[VersionOut]:
    """Every version, newest first: who saved it, when, and which edits it added or took away.
    Example: ``GET /api/scenarios/plan-a/history``."""
    return [version_out(r) for r in store.history(scenario_id)]


@router.get(
    "/{scenario_id}/versions/{version}",
    response_model=ScenarioOut,
    summary="A scenario as it was at one version",
)
def version(
    scenario_id: ScenarioPath, version: VersionPath, store: ScenarioStore = Depends(get_store)
) -> ScenarioOut:
    """The document of version ``version`` (404 names the versions there are)."""
    stored = store.version_of(scenario_id, version)
    return ScenarioOut(
        **summary(stored).model_dump(), sha256=stored.sha256, document=stored.document
    )


@router.get(
    "/{scenario_id}/diff", response_model=DiffOut, summary="Difference between two versions"
)
def diff(
    scenario_id: ScenarioPath,
    from_version: Annotated[int, Query(alias="from", ge=1, description="the older version")],
    to_version: Annotated[
        int | None, Query(alias="to", ge=1, description="the newer version (default: current)")
    ] = None,
    division: Annotated[
        str | None, Query(pattern=DIVISION_PATTERN, description="one division (default: all)")
    ] = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
) -> DiffOut:
    """Per division, the gemeenten whose region differs between version ``from`` and ``to``,
    with the pupils concerned (the disruption rule of ``docs/metrics.md``, the older version in
    the place of today's). Example: ``GET /api/scenarios/plan-a/diff?from=1&to=3``."""
    current = store.get(scenario_id).version
    to = to_version or current
    for label, n in (("from", from_version), ("to", to)):
        if n > current:
            raise HTTPException(
                404, f"{label}: scenario {scenario_id!r} has no version {n} (1 to {current})"
            )
    try:
        divisions = difference(
            evaluator, scenario_id, from_version, to, [division] if division else None
        )
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0])) from None
    except RegiokompasError as exc:
        raise HTTPException(422, str(exc)) from None
    return DiffOut(
        scenario=scenario_id, from_version=from_version, to_version=to, divisions=divisions
    )


@router.patch("/{scenario_id}", response_model=ScenarioOut, summary="Rename or describe")
def change_about(
    scenario_id: ScenarioPath,
    body: AboutIn,
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
    limits: Limits = Depends(get_limits),
) -> ScenarioOut:
    """A new title and/or description (owner or admin): a new version with the same edits.
    Example: ``PATCH /api/scenarios/plan-a {"title": "Limburg, 41 regio's"}``."""
    stored = store.get(scenario_id)
    document = dict(stored.document)
    if body.title is not None:
        if body.title.strip():
            document["title"] = body.title.strip()
        else:
            document.pop("title", None)
    if body.description is not None:
        document["description"] = body.description.strip() or document.get("description", "")
    if document != stored.document:
        # a save like every other: the document limits, then inside the store's transaction
        # who may replace it and the owner's quota (owner_checks)
        check_document_limits(document, limits)
        stored = store.save(
            scenario_id,
            document,
            source=stored.source,
            replace=True,
            actor=principal.name,
            expected_revision=stored.revision,
            checks=owner_checks(principal, limits),
        )
    return ScenarioOut(
        **summary(stored).model_dump(), sha256=stored.sha256, document=stored.document
    )
