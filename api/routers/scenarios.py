"""``/api/scenarios``: store, list, read, delete, export and import scenarios.

Rule: a scenario is stored only after :func:`geo.scenarios.validate_scenario` accepted it
against the data (with its ``base``, a stored scenario id, applied first); its id is its
``name``, which must be a safe slug. File references (``csv:`` in an ``assign`` edit) are
refused over the API: the server never reads a path a client chose. A failed request stores
nothing. Who may do what is :data:`api.safety.auth.policy.POLICY`: writes need a user, a new
scenario belongs to its creator and starts ``private``; the list shows what the caller may
read; every write is in the audit log under the caller's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    HTTPException,
    Path,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import Response

from api.deps import ScenarioEvaluator, division_or_404, get_evaluator, get_limits, get_store
from api.editor.work import check_in_worker_or_here
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
from api.pages.locale import get_locale
from api.safety.auth.policy import enforce, save_checks
from api.safety.auth.principal import Principal
from api.safety.flags import StrictFlag
from api.safety.geometry_work import GeometryCaps
from api.safety.limits import (
    Limits,
    check_document_limits,
    check_owner_quota,
    check_rows,
)
from api.safety.upload_guard import UploadCaps, check_filename
from api.storage.exchange import neutralise_formulas, read_region_upload, upload_kind
from api.storage.listing import listing
from api.storage.store import (
    BadBase,
    SaveChecks,
    ScenarioInUse,
    ScenarioNotFound,
    ScenarioStore,
    StoredScenario,
    UnsafeScenarioId,
    check_scenario_id,
)
from geo.division import NO_REGION, Division
from geo.scenarios import ScenarioDoc
from geo.scenarios.assignment_csv import read_assignment_csv
from geo.scenarios.descriptions import imported_description
from geo.scenarios.imports import ImportRefused, export_base, plan_import
from maps.i18n import gettext, written_text

PAGE, MAX_PAGE = 100, 1000
"""Entries of ``GET /api/scenarios`` per page: default and largest."""

router = APIRouter(prefix="/api/scenarios", tags=["scenarios"], responses=ERROR_RESPONSES)

ScenarioPath = Annotated[str, Path(pattern=SCENARIO_PATTERN, description="scenario id")]
CONFLICT = {409: {"model": ErrorOut, "description": "the id exists and replace was not asked"}}
TOO_LARGE = {413: {"model": ErrorOut, "description": "the upload exceeds the size limit"}}


def scenario_url(scenario_id: str) -> str:
    """The API URL of a stored scenario."""
    return f"/api/scenarios/{scenario_id}"


def summary(stored: StoredScenario) -> ScenarioSummary:
    """The list entry of a stored scenario (:func:`api.storage.store.listing`)."""
    return ScenarioSummary(**listing(stored), url=scenario_url(stored.id))


def check_document(
    document: dict[str, Any],
    evaluator: ScenarioEvaluator,
    *,
    source: str,
    limits: Limits | None = None,
) -> str:
    """Validate a scenario document for storing; return its id. Raises 422 naming the field.

    Checks: the cost ``limits`` first (sizes and counts,
    :func:`api.safety.limits.check_document_limits`,
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
    # applied in an evaluation worker under regio serve (api.editor.work), off this process
    check_in_worker_or_here(evaluator, document, source, limits)
    return scenario_id


def owner_checks(principal: Principal, limits: Limits) -> SaveChecks:
    """What a save by ``principal`` must pass inside the store's transaction: a replacement only
    of a scenario they may change (else 403, or the 409 of a taken id), and for a planner the
    quota of ``limits`` (413 naming the setting; admins are exempt; a replacement counts only
    the difference in size). Checked there, two concurrent saves cannot both pass it."""

    def quota(sizes: list[int], new: int, replacing: int) -> None:
        check_owner_quota(sizes, new, limits, owner=principal.name, replacing=replacing)

    return save_checks(principal, quota)


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
    keeps its owner. Who may replace and the owner's quota (:func:`owner_checks`) are checked
    in the store's transaction. A base deleted meanwhile (re-checked there too) is a 422."""
    try:
        return store.save(
            scenario_id,
            document,
            source=source,
            replace=replace,
            owner=principal.name,
            actor=principal.name,
            checks=owner_checks(principal, limits or Limits()),
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
    replace: Annotated[
        StrictFlag, Query(description="replace a stored scenario of this id: true or false")
    ] = False,
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
    response: Response,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="entries per page")] = PAGE,
    after: Annotated[
        str | None,
        Query(pattern=SCENARIO_PATTERN, description="the last id of the previous page"),
    ] = None,
    store: ScenarioStore = Depends(get_store),
    principal: Principal = Depends(enforce),
) -> list[ScenarioSummary]:
    """The stored scenarios the caller may read (published ones, and their own), by id, one
    page at a time: a full page has a ``Link: <...>; rel="next"`` header to the next one.

    The store selects the page (SQL: visibility, owner, ``id > after``, ``LIMIT``) and reads
    the list fields from the stored JSON itself, so no document is loaded whole. Counted as an
    expensive read by the rate limit (``REGIOKOMPAS_RATE_READS``)."""
    rows = store.list_page(
        principal.name if principal.is_user else None,
        admin=principal.is_admin,
        limit=limit,
        after=after or "",
    )
    if len(rows) == limit:
        query = urlencode({"limit": limit, "after": rows[-1]["id"]})
        response.headers["Link"] = f'</api/scenarios?{query}>; rel="next"'
    return [ScenarioSummary(**row, url=scenario_url(row["id"])) for row in rows]


@router.post(
    "/import",
    response_model=ImportOut,
    status_code=201,
    summary="Import an assignment (CSV, GeoJSON or GeoPackage)",
    responses={**CONFLICT, **TOO_LARGE},
)
def import_scenario(
    request: Request,
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
    replace: Annotated[
        StrictFlag, Form(description="replace a stored scenario of this id: true or false")
    ] = False,
    base: Annotated[
        str | None,
        Form(
            max_length=64,
            description="scenario the file's rows apply to (default: the CSV's base column, "
            "else today's data); with a base the file may list only some gemeenten",
        ),
    ] = None,
    allow_new_regions: Annotated[
        StrictFlag,
        Form(description="accept region codes the base's division does not have: true or false"),
    ] = False,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
    store: ScenarioStore = Depends(get_store),
    limits: Limits = Depends(get_limits),
    principal: Principal = Depends(enforce),
) -> ImportOut:
    """Turn an uploaded assignment into a stored scenario with one ``assign`` edit.

    A CSV gives ``unit,region[,share]`` rows (Dutch headers ``gemeente``/``gemeentecode``,
    ``swv``/``regio``, ``aandeel`` too); polygons are overlaid on the gemeenten and each
    gemeente goes to the region covering most of it. With a ``base`` (or the CSV's ``base``
    column, as the CSV export writes it) the rows override the base's division and a partial
    file keeps the base's rows for the other gemeenten. A region code the base's division does
    not have is refused, naming the nearest codes, unless ``allow_new_regions`` (rules:
    :mod:`geo.scenarios.imports`). Example:
    ``curl -F file=@plan.csv -F name=plan-b -F division=swv_po -F base=jeugdregio_41 ...``.
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
        base = base or table.attrs.get("base")
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
        table = pd.DataFrame(
            {"unit": upload.assignment.index, "region": upload.assignment.values, "share": 1.0}
        )
        if upload.region_names:
            edit["region_names"] = upload.region_names
        low = upload.low_overlap.to_dict(orient="records")
        rule = "largest overlap of the polygons"
    _ = gettext(get_locale(request))
    base = base or None  # the form's "no base" option sends an empty value
    base_divisions = import_base(base, evaluator, principal, filename, _)
    try:
        plan = plan_import(
            table,
            division,
            base_divisions.get(division),
            evaluator.dataset.units,
            has_base=base is not None,
            allow_new_regions=allow_new_regions,
            base_name=base,
            source=filename,
            lines=kind == "csv",
        )
    except ImportRefused as exc:  # in the planner's words and language
        raise HTTPException(422, exc.translated(_)) from None
    membership = plan.membership
    if (membership["share"] == 1.0).all() and not membership["unit"].duplicated().any():
        edit["assignment"] = dict(zip(membership["unit"], membership["region"], strict=True))
    else:
        edit["membership"] = membership.to_dict(orient="records")
    if plan.kept:
        rule += f"; {plan.kept} gemeenten as in {base}"
    edit["note"] = f"imported from {filename} ({rule})"
    document: dict[str, Any] = {
        "name": name,
        **({"base": base} if base is not None else {}),
        "description": description
        or written_text(imported_description(division, filename), get_locale(request)),
        "principles": [],
        "edits": [edit],
    }
    scenario_id = check_document(document, evaluator, source=f"import {filename!r}", limits=limits)
    stored = save(
        store, principal, scenario_id, document, source="import", replace=replace, limits=limits
    )
    return ImportOut(
        id=stored.id,
        url=scenario_url(stored.id),
        version=stored.version,
        revision=stored.revision,
        division=division,
        units=plan.listed,
        regions=int(membership.loc[membership["region"] != NO_REGION, "region"].nunique()),
        low_overlap=low,
        base=base,
        kept=plan.kept,
        new_regions=plan.new_regions,
    )


def import_base(
    base: str | None,
    evaluator: ScenarioEvaluator,
    principal: Principal,
    filename: str,
    _: Callable[[str], str],
) -> dict[str, Division]:
    """The divisions of the import's base (today's data without one); a base the caller may
    not read, or that does not exist, is a 422 in the same words (nothing is revealed)."""
    if base is None:
        return dict(evaluator.dataset.divisions)
    try:
        check_scenario_id(base)
        stored = evaluator.stored(base)
    except (UnsafeScenarioId, ScenarioNotFound):
        stored = None
    if stored is None or not principal.can_read(stored):
        message = _("%(source)s: base scenario %(base)s does not exist (or you may not read it)")
        raise HTTPException(422, message % {"source": filename, "base": repr(base)})
    return evaluator.divisions(base)


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
    another stored scenario the caller may change uses it as its ``base`` (delete or rebase
    that one first; checked in the same transaction as the delete).

    Scenarios of other users built on it do not pin it (the owner may always withdraw their
    scenario) and are never named: they are left without their base and read as
    ``unknown scenario`` until their owner rebases them, just as when the base is hidden."""

    def blocks(owner: str | None, visibility: str) -> bool:
        dependant = StoredScenario("", {}, 0, 0, "user", "", "", "", owner, visibility)
        return principal.can_change(dependant)

    try:
        stored = store.delete(scenario_id, actor=principal.name, blocks=blocks)
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

    The last column, ``base``, names the scenario to import the rows onto
    (:func:`geo.scenarios.imports.export_base`: the scenario's own base when its edits change
    only this division, else the scenario itself; empty for today's data), so the file imports
    back with ``POST /api/scenarios/import`` onto the same base. It reads in Districtr-style
    tools. Example: ``GET /api/scenarios/huidig/assignment.csv?division=swv_po``.
    """
    d = division_or_404(evaluator, scenario_id, division)
    document = evaluator.stored(scenario_id).document
    edited = {str(e.get("division")) for e in document.get("edits") or [] if isinstance(e, dict)}
    doc_base = document.get("base")
    base = export_base(
        scenario_id, doc_base if isinstance(doc_base, str) else None, edited, division
    )
    table = d.membership.assign(base=base)
    text = neutralise_formulas(table).to_csv(index=False, lineterminator="\n")
    return Response(
        text,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{scenario_id}_{division}.csv"'},
    )
