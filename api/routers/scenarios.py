"""``/api/scenarios``: store, list, read, delete, export and import scenarios.

Rule: a scenario is stored only after :func:`geo.scenarios.validate_scenario` accepted it
against the data (with its ``base``, a stored scenario id, applied first); its id is its
``name``, which must be a safe slug. File references (``csv:`` in an ``assign`` edit) are
refused over the API: the server never reads a path a client chose. A failed request stores
nothing. Who may do what is :data:`api.auth.policy.POLICY`: writes need a user, a new
scenario belongs to its creator and starts ``private``; the list shows what the caller may
read; every write is in the audit log under the caller's name.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, UploadFile
from fastapi.responses import Response
from pydantic import ValidationError

from api.auth.policy import enforce
from api.auth.principal import Principal
from api.deps import ScenarioEvaluator, division_or_404, get_evaluator, get_limits, get_store
from api.exchange import neutralise_formulas, read_region_upload, upload_kind
from api.geometry_work import GeometryCaps
from api.limits import (
    Limits,
    check_divisions,
    check_document_limits,
    check_owner_quota,
    check_rows,
    cost_budget,
    document_size,
)
from api.models import (
    DIVISION_PATTERN,
    ERROR_RESPONSES,
    SCENARIO_PATTERN,
    ErrorOut,
    ImportOut,
    ScenarioCreated,
    ScenarioOut,
    ScenarioSummary,
)
from api.storage import (
    BadBase,
    ScenarioInUse,
    ScenarioStore,
    StoredScenario,
    UnsafeScenarioId,
    check_scenario_id,
)
from api.upload_guard import UploadCaps, check_filename
from geo.division import NO_REGION
from geo.scenarios import ScenarioDoc, apply_scenario, parse_scenario
from geo.scenarios.assignment_csv import read_assignment_csv
from geo.scenarios.budget import within

router = APIRouter(prefix="/api/scenarios", tags=["scenarios"], responses=ERROR_RESPONSES)

ScenarioPath = Annotated[str, Path(pattern=SCENARIO_PATTERN, description="scenario id")]
CONFLICT = {409: {"model": ErrorOut, "description": "the id exists and replace was not asked"}}
TOO_LARGE = {413: {"model": ErrorOut, "description": "the upload exceeds the size limit"}}


def scenario_url(scenario_id: str) -> str:
    """The API URL of a stored scenario."""
    return f"/api/scenarios/{scenario_id}"


def summary(stored: StoredScenario) -> ScenarioSummary:
    """The list entry of a stored scenario."""
    doc = stored.document
    base = doc.get("base")
    return ScenarioSummary(
        id=stored.id,
        name=str(doc.get("name", stored.id)),
        description=str(doc.get("description", "")),
        principles=[int(p) for p in doc.get("principles", []) if isinstance(p, int)],
        base=base if isinstance(base, str) else None,
        edits=len(doc.get("edits", []) or []),
        source=stored.source,  # type: ignore[arg-type]
        owner=stored.owner,
        visibility=stored.visibility,  # type: ignore[arg-type]
        version=stored.version,
        revision=stored.revision,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
        url=scenario_url(stored.id),
    )


def check_document(
    document: dict[str, Any],
    evaluator: ScenarioEvaluator,
    *,
    source: str,
    limits: Limits | None = None,
) -> str:
    """Validate a scenario document for storing; return its id. Raises 422 naming the field.

    Checks: the cost ``limits`` first (sizes and counts, :func:`api.limits.check_document_limits`,
    413); ``name`` is a safe slug; no ``csv`` file references; ``base`` is a stored scenario
    that does not lead back to this one; :func:`validate_scenario` accepts it on the base within
    the time budget; the result stays within the division and region limits.
    """
    limits = limits or Limits()
    check_document_limits(document, limits)
    try:
        scenario_id = check_scenario_id(document.get("name"))
    except UnsafeScenarioId as exc:
        raise HTTPException(422, f"name: {exc}") from None
    for i, edit in enumerate(document.get("edits") or []):
        if isinstance(edit, dict) and edit.get("csv") is not None:
            raise HTTPException(
                422,
                f"edits[{i}].csv: file references are not accepted over the API; send the "
                "rows inline as 'membership' or upload the file to POST /api/scenarios/import",
            )
    base = document.get("base")
    if base is not None:
        try:
            check_scenario_id(base)
        except UnsafeScenarioId as exc:
            raise HTTPException(422, f"base: {exc}") from None
        try:
            chain = [s.id for s in evaluator.chain(base)]
        except KeyError:
            raise HTTPException(422, f"base: unknown scenario {base!r}") from None
        if scenario_id in chain:
            raise HTTPException(
                422, f"base: {' -> '.join([scenario_id, *chain])} is a cycle of bases"
            )
    try:
        with within(cost_budget(limits)):
            parsed = parse_scenario(document, source=source)
            applied = apply_scenario(parsed, evaluator.dataset, bases=evaluator.bases)
    except ValidationError as exc:  # a document the typed model refuses late
        raise HTTPException(422, f"{source}: {exc.errors()[0].get('msg')}") from None
    check_divisions(applied, limits, source=source)
    return scenario_id


def enforce_owner_quota(
    store: ScenarioStore,
    principal: Principal,
    scenario_id: str,
    document: dict[str, Any],
    limits: Limits,
) -> None:
    """Refuse (413, naming the setting) a save that would give the signed-in planner more
    scenarios or stored bytes than ``limits`` allow. Admins are exempt; a replacement counts
    only the difference in size."""
    if principal.user is None or principal.is_admin:
        return
    owned = {s.id: s for s in store.list() if s.owner == principal.name}
    replacing = owned.pop(scenario_id, None)
    check_owner_quota(
        [document_size(s.document) for s in owned.values()],
        document_size(document),
        limits,
        owner=principal.name,
        replacing=document_size(replacing.document) if replacing is not None else 0,
    )


def save(
    store: ScenarioStore,
    principal: Principal,
    scenario_id: str,
    document: dict[str, Any],
    *,
    source: str,
    replace: bool,
    limits: Limits | None = None,
) -> StoredScenario:
    """Store a checked document for ``principal``: a new scenario is theirs; a replaced one
    keeps its owner. The owner's quota (:func:`enforce_owner_quota`) is checked first. A base
    deleted meanwhile (the store re-checks it in the same transaction) is a 422 naming it."""
    enforce_owner_quota(store, principal, scenario_id, document, limits or Limits())
    try:
        return store.save(
            scenario_id,
            document,
            source=source,
            replace=replace,
            owner=principal.name,
            actor=principal.name,
        )
    except BadBase as exc:
        raise HTTPException(422, str(exc)) from None


@router.post(
    "",
    response_model=ScenarioCreated,
    status_code=201,
    summary="Store a scenario",
    responses=CONFLICT,
)
def create_scenario(
    doc: ScenarioDoc,
    replace: Annotated[bool, Query(description="replace a stored scenario of this id")] = False,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
) -> ScenarioCreated:
    """Validate a scenario document against the data and store it under its ``name``.

    Example body: ``{"name": "plan-a", "description": "...", "principles": [1],
    "edits": [{"op": "merge", "division": "jeugdregio", "regions": ["JZ42", "JZ43"],
    "into": "JZ42"}]}`` -> ``{"id": "plan-a", "url": "/api/scenarios/plan-a", ...}``.
    """
    document = doc.model_dump(mode="json", by_alias=True, exclude_unset=True)
    scenario_id = check_document(
        document, evaluator, source=f"POST /api/scenarios {doc.name!r}", limits=limits
    )
    stored = save(
        store, principal, scenario_id, document, source="user", replace=replace, limits=limits
    )
    return ScenarioCreated(
        id=stored.id, url=scenario_url(stored.id), version=stored.version, revision=stored.revision
    )


@router.get("", response_model=list[ScenarioSummary], summary="Stored scenarios")
def list_scenarios(
    store: ScenarioStore = Depends(get_store), principal: Principal = Depends(enforce)
) -> list[ScenarioSummary]:
    """The stored scenarios the caller may read (published ones, and their own), by id."""
    return [summary(s) for s in store.list() if principal.can_read(s)]


@router.post(
    "/import",
    response_model=ImportOut,
    status_code=201,
    summary="Import an assignment (CSV, GeoJSON or GeoPackage)",
    responses={**CONFLICT, **TOO_LARGE},
)
def import_scenario(
    file: Annotated[UploadFile, File(description="CSV unit,region[,share]; GeoJSON; GeoPackage")],
    name: Annotated[str, Form(pattern=SCENARIO_PATTERN, description="id of the new scenario")],
    division: Annotated[
        str, Form(pattern=DIVISION_PATTERN, description="division the file assigns")
    ] = "swv_po",
    description: Annotated[str | None, Form(max_length=2000)] = None,
    region_key: Annotated[
        str, Form(max_length=64, description="polygon property holding the region code")
    ] = "region",
    name_key: Annotated[
        str | None, Form(max_length=64, description="polygon property holding region names")
    ] = None,
    repair: Annotated[bool, Form(description="repair invalid polygons (make_valid)")] = False,
    replace: Annotated[bool, Form(description="replace a stored scenario of this id")] = False,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
) -> ImportOut:
    """Turn an uploaded assignment into a stored scenario with one ``assign`` edit.

    A CSV gives ``unit,region[,share]`` rows; polygons are overlaid on the gemeenten and each
    gemeente goes to the region covering most of it. Example:
    ``curl -F file=@plan.csv -F name=plan-b -F division=swv_po .../api/scenarios/import``.
    """
    filename = check_filename(file.filename or "upload")  # a label only: never opened
    data = file.file.read()
    kind = upload_kind(data, filename)
    low: list[dict[str, Any]] = []
    edit: dict[str, Any] = {"op": "assign", "division": division}
    if kind == "csv":
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        check_rows(filename, lines - 1, limits)  # before parsing: an upper bound of the rows
        table = read_assignment_csv(data, filename)
        check_rows(filename, len(table), limits)
        if (table["share"] == 1.0).all() and not table["unit"].duplicated().any():
            edit["assignment"] = dict(zip(table["unit"], table["region"], strict=True))
        else:
            edit["membership"] = table.to_dict(orient="records")
        rule = "rows of the CSV"
    else:
        upload = read_region_upload(
            data,
            filename,
            evaluator.dataset.units[["geometry"]],
            region_key=region_key,
            name_key=name_key,
            repair=repair,
            caps=UploadCaps(limits.upload_features, limits.upload_vertices),
            geometry=GeometryCaps(
                limits.geometry_work, limits.geometry_seconds, limits.geometry_memory
            ),
        )
        edit["assignment"] = upload.assignment.to_dict()
        if upload.region_names:
            edit["region_names"] = upload.region_names
        low = upload.low_overlap.to_dict(orient="records")
        rule = "largest overlap of the polygons"
    edit["note"] = f"imported from {filename} ({rule})"
    document = {
        "name": name,
        "description": description or f"{division} imported from {filename}",
        "principles": [],
        "edits": [edit],
    }
    scenario_id = check_document(document, evaluator, source=f"import {filename!r}", limits=limits)
    stored = save(
        store, principal, scenario_id, document, source="import", replace=replace, limits=limits
    )
    regions = set(edit.get("assignment", {}).values()) | {
        r["region"] for r in edit.get("membership", [])
    }
    units = set(edit.get("assignment", {})) | {r["unit"] for r in edit.get("membership", [])}
    return ImportOut(
        id=stored.id,
        url=scenario_url(stored.id),
        version=stored.version,
        revision=stored.revision,
        division=division,
        units=len(units),
        regions=len(regions - {NO_REGION}),
        low_overlap=low,
    )


@router.get("/{scenario_id}", response_model=ScenarioOut, summary="One stored scenario")
def get_scenario(
    scenario_id: ScenarioPath, store: ScenarioStore = Depends(get_store)
) -> ScenarioOut:
    """A stored scenario with its full document; 404 names an unknown id."""
    stored = store.get(scenario_id)
    return ScenarioOut(
        **summary(stored).model_dump(), sha256=stored.sha256, document=stored.document
    )


@router.delete(
    "/{scenario_id}",
    response_model=ScenarioSummary,
    summary="Delete a scenario",
    responses={409: {"model": ErrorOut, "description": "other scenarios are built on it"}},
)
def delete_scenario(
    scenario_id: ScenarioPath,
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> ScenarioSummary:
    """Delete a stored scenario; returns what was deleted. 404 names an unknown id; 409 when
    another stored scenario uses it as its ``base`` (delete that one first; checked in the
    same transaction as the delete, so no scenario is ever left without its base)."""
    try:
        stored = store.delete(scenario_id, actor=principal.name)
    except ScenarioInUse as exc:
        raise HTTPException(409, str(exc)) from None
    return summary(stored)


@router.get(
    "/{scenario_id}/assignment.csv",
    summary="Export one division of a scenario as CSV",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def assignment_csv(
    scenario_id: ScenarioPath,
    division: Annotated[str, Query(pattern=DIVISION_PATTERN, description="e.g. swv_po")],
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """``unit,region,share`` of one division of the scenario (every non-zero share); a cell
    that starts like a spreadsheet formula (``= + - @``) gets a leading ``'``.

    The file imports back with ``POST /api/scenarios/import`` and reads in Districtr-style
    tools. Example: ``GET /api/scenarios/huidig/assignment.csv?division=swv_po``.
    """
    d = division_or_404(evaluator, scenario_id, division)
    text = neutralise_formulas(d.membership).to_csv(index=False, lineterminator="\n")
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{scenario_id}_{division}.csv"'},
    )
