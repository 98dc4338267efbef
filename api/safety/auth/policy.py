"""The one policy table every route goes through.

Rule: :data:`POLICY` maps ``(METHOD, path template)`` of every route of the app to a
:class:`Rule`. :func:`enforce` is a dependency of the whole app (so of every route, including
routes added later): it finds the route's rule, identifies the caller
(:func:`api.safety.auth.principal.identify`) and answers, before the route runs:

- **401** when the rule needs a user and there is none (anonymous, share link, bad token);
- **404** ``unknown scenario 'x'`` when a scenario the request names is not stored *or* not
  visible to the caller (a private scenario is never revealed), or when a base in its chain
  is not readable to the caller (:meth:`Principal.can_read_link`: a base its owner hid stops
  the chain with the words of an unknown id). A query parameter the request leaves out names
  the route's default (compare's ``right``), which is checked too;
- **403** when the caller sees the scenario but may not change it (another planner's, the
  library for a planner), or a planner asks for an admin route;
- a route without an entry is refused (403), and :func:`check_routes` makes app creation fail.

Access levels: ``public`` (anyone), ``read`` (anyone who can read the named scenarios),
``user`` (a signed-in user), ``owner`` (a user who may change the scenario in the path),
``admin``. ``share=True`` lets a share link (``?share=``) read the shared scenario there.
Routes get the caller with ``principal: Principal = Depends(enforce)`` (computed once), and
the evaluator restricted to the caller (``api.deps.get_evaluator``): scenarios a route names
by itself (``?jeugdregio=`` of the verdict and report, bases) meet the same rule there.

>>> POLICY[("DELETE", "/api/scenarios/{scenario_id}")].access
'owner'
"""

from __future__ import annotations

import email.message
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request, params
from starlette.routing import Mount

from api.records import SCENARIO_ID, SaveChecks, ScenarioNotFound, StoredScenario, taken
from api.safety.auth.principal import Principal, identify
from api.safety.flags import BadFlag, parse_flag
from geo.errors import RegiokompasError

Access = Literal["public", "read", "user", "owner", "admin"]
NEEDS_USER: frozenset[str] = frozenset({"user", "owner", "admin"})


@dataclass(frozen=True)
class Rule:
    """Who may call one route."""

    access: Access
    reads: tuple[str, ...] = ()
    """Request values naming scenarios the caller must be able to read: ``path:NAME``,
    ``query:NAME`` or ``body:NAME`` (a JSON or form field; a list names several) answer 404;
    ``field:NAME`` (a field of a document, such as its ``base``) answers 422 naming it."""
    target: str | None = None
    """``owner`` routes: where the scenario to change is named (e.g. ``path:scenario_id``)."""
    replaces: str | None = None
    """``user`` routes that store under a chosen id (``body:name``): when the request asks to
    ``replace`` (query, JSON or form field), an existing scenario of that id must be the
    caller's to change."""
    job: str | None = None
    """A background job named here must have been started by the caller (or an admin)."""
    job_kind: str = ""
    """The kind of that job (``proposal``, ``options``): someone else's job is refused with the
    words of an unknown job of this kind (:func:`unknown_job`)."""
    share: bool = False
    """A share link may read its scenario through this route."""
    whole_chain: bool = True
    """``reads`` need every base of the scenario's chain readable too (False: the scenario
    itself only, for a route that shows its document and applies nothing)."""


PUBLIC = Rule("public")
SCENARIO_QUERY = Rule("read", reads=("query:scenario",))
OWNER = Rule("owner", target="path:scenario_id")
SHARED_READ = Rule("read", reads=("path:scenario_id",), share=True)
"""Reading one scenario: its readers, and a share link to it."""
JOB_NAMES: dict[str, str] = {"proposal": "proposal job", "options": "options job"}
"""What answers call a background job of each kind (``Job.kind``)."""


def unknown_job(kind: str, job_id: str) -> str:
    """The 404 detail for a job id that is not there *or* belongs to someone else: one sentence
    for both (this policy and the job routes, :mod:`api.routers.job_flow`, say it), so an
    answer never tells whether another user's job of that id exists; it names the kind of job
    the route serves.

    >>> unknown_job("options", "0123456789abcdef")
    "job_id: unknown options job '0123456789abcdef'"
    """
    return f"job_id: unknown {JOB_NAMES.get(kind, 'job')} {job_id!r}"


PROPOSAL_JOB = Rule("user", job="path:job_id", job_kind="proposal")
OPTIONS_JOB = Rule("user", job="path:job_id", job_kind="options")
"""A job's routes: its starter and admins; anyone else hears of an unknown job of that kind."""

POLICY: dict[tuple[str, str], Rule] = {
    # pages and documents of the app itself
    ("GET", "/"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/static/{name}"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/once"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("GET", "/api/me"): PUBLIC,
    ("GET", "/share/{token}"): PUBLIC,  # the page checks the link itself (404 when revoked)
    ("GET", "/taal/{locale}"): PUBLIC,  # the language switch (a cookie, no data)
    ("GET", "/begrippen"): PUBLIC,
    ("GET", "/toegankelijkheid"): PUBLIC,
    ("GET", "/uitleg/{doc}"): PUBLIC,  # the docs/*.md explanations the report links to
    ("GET", "/static/{name}"): PUBLIC,
    ("GET", "/static/nl-design-system/{name}"): PUBLIC,  # vendored stylesheets
    # reference data, optionally of a scenario
    ("GET", "/api/divisions"): SCENARIO_QUERY,
    # the editor draws the 'against' borders of a scenario it may read through a share link
    ("GET", "/api/divisions/{name}.geojson"): Rule("read", reads=("query:scenario",), share=True),
    ("GET", "/api/divisions/{name}.gpkg"): Rule("read", reads=("query:scenario",), share=True),
    ("GET", "/api/divisions/{name}"): SCENARIO_QUERY,
    ("GET", "/api/units"): SCENARIO_QUERY,
    ("GET", "/api/units/{code}"): SCENARIO_QUERY,
    ("GET", "/api/scores"): SCENARIO_QUERY,
    ("POST", "/api/compare"): Rule("read", reads=("body:scenarios",)),
    # scenarios
    ("GET", "/api/scenarios"): PUBLIC,  # lists only what the caller may read
    ("POST", "/api/scenarios"): Rule("user", reads=("field:base",), replaces="body:name"),
    ("POST", "/api/scenarios/import"): Rule("user", replaces="body:name"),
    ("GET", "/api/scenarios/{scenario_id}"): Rule(
        "read", reads=("path:scenario_id",), share=True, whole_chain=False
    ),
    ("DELETE", "/api/scenarios/{scenario_id}"): OWNER,
    ("GET", "/api/scenarios/{scenario_id}/assignment.csv"): Rule(
        "read", reads=("path:scenario_id",), share=True
    ),
    ("GET", "/api/scenarios/{scenario_id}/verdict"): Rule(
        "read", reads=("path:scenario_id",), share=True
    ),
    ("PATCH", "/api/scenarios/{scenario_id}"): OWNER,
    ("GET", "/api/scenarios/{scenario_id}/history"): SHARED_READ,
    ("GET", "/api/scenarios/{scenario_id}/versions/{version}"): SHARED_READ,
    ("GET", "/api/scenarios/{scenario_id}/diff"): SHARED_READ,
    ("GET", "/api/scenarios/{scenario_id}/report"): Rule(
        "read", reads=("path:scenario_id",), share=True
    ),
    ("GET", "/api/scenarios/{scenario_id}/report.pdf"): Rule(
        "read", reads=("path:scenario_id",), share=True
    ),
    ("PUT", "/api/scenarios/{scenario_id}/visibility"): OWNER,
    ("GET", "/api/scenarios/{scenario_id}/shares"): OWNER,
    ("POST", "/api/scenarios/{scenario_id}/shares"): OWNER,
    ("DELETE", "/api/scenarios/{scenario_id}/shares/{share_id}"): OWNER,
    # the scenario page and its forms (the same rules as the JSON API they mirror)
    ("GET", "/scenarios/{scenario_id}"): Rule("read", reads=("path:scenario_id",)),
    ("POST", "/scenarios/new"): Rule("user", reads=("field:base",)),
    ("POST", "/scenarios/{scenario_id}/about"): OWNER,
    ("POST", "/scenarios/{scenario_id}/visibility"): OWNER,
    ("POST", "/scenarios/{scenario_id}/shares"): OWNER,
    ("POST", "/scenarios/{scenario_id}/shares/{share_id}/revoke"): OWNER,
    ("POST", "/scenarios/{scenario_id}/delete"): OWNER,
    # proposals (background jobs that store a scenario)
    ("POST", "/api/proposals"): Rule("user", reads=("field:base",), replaces="body:name"),
    ("GET", "/api/proposals/{job_id}"): PROPOSAL_JOB,
    ("DELETE", "/api/proposals/{job_id}"): PROPOSAL_JOB,
    ("GET", "/proposals/new"): PUBLIC,  # the form; it asks anonymous callers to sign in
    ("POST", "/proposals"): Rule("user", reads=("field:base",)),
    ("GET", "/proposals/{job_id}"): PROPOSAL_JOB,
    ("POST", "/proposals/{job_id}/cancel"): PROPOSAL_JOB,
    # options on the Pareto front of the valid divisions (background jobs; stored only when kept)
    ("POST", "/api/options"): Rule("user"),
    ("GET", "/api/options/{job_id}"): OPTIONS_JOB,
    ("GET", "/options/new"): PUBLIC,  # the form; it asks anonymous callers to sign in
    ("POST", "/options"): Rule("user"),
    ("GET", "/options/{job_id}"): OPTIONS_JOB,
    ("POST", "/options/{job_id}/cancel"): OPTIONS_JOB,
    ("POST", "/options/{job_id}/save"): OPTIONS_JOB,
    ("GET", "/compare"): Rule("read", reads=("query:left", "query:right"), share=True),
    ("GET", "/compare/map"): Rule("read", reads=("query:left", "query:right"), share=True),
    # maps
    ("GET", "/maps/static/vendor/{asset:path}"): PUBLIC,
    ("GET", "/maps/compare"): Rule("read", reads=("query:left", "query:right"), share=True),
    ("GET", "/maps/{scenario}"): Rule("read", reads=("path:scenario",), share=True),
    # the map editor: anyone may try edits on what they can read; saving needs the owner
    # (append to the scenario) or a user (save as a new scenario based on it)
    ("GET", "/edit/static/{name}"): PUBLIC,
    ("GET", "/edit/{scenario}"): Rule("read", reads=("path:scenario",), share=True),
    ("GET", "/api/editor/gemeenten.geojson"): PUBLIC,
    ("GET", "/api/editor/borders.geojson"): PUBLIC,
    ("GET", "/api/scenarios/{scenario}/editor-context"): Rule(
        "read", reads=("path:scenario",), share=True
    ),
    ("POST", "/api/scenarios/{scenario}/evaluate"): Rule(
        "read", reads=("path:scenario",), share=True
    ),
    ("POST", "/api/scenarios/{scenario}/edits"): Rule("owner", target="path:scenario"),
    # placement among the valid divisions (the scenario page, the editor's panel): as evaluate
    ("GET", "/api/scenarios/{scenario}/placement"): Rule(
        "read", reads=("path:scenario",), share=True
    ),
    ("POST", "/api/scenarios/{scenario}/placement"): Rule(
        "read", reads=("path:scenario",), share=True
    ),
    ("POST", "/api/scenarios/{scenario}/save-as"): Rule("user", reads=("path:scenario",)),
    # edits tried through a share link, kept as the caller's own (the route checks the link
    # in the body: api.routers.shared)
    ("POST", "/api/shared/save-as"): Rule("user"),
    # "shared with me": each user's own list of the share links they opened
    ("GET", "/api/shared"): Rule("user"),
    ("DELETE", "/api/shared/{share_id}"): Rule("user"),
    ("POST", "/shared/{share_id}/remove"): Rule("user"),
    # administration
    ("GET", "/api/audit"): Rule("admin"),
}
"""``(METHOD, path template)`` -> :class:`Rule` for every route of the app."""


def rule_for(method: str, path: str) -> Rule | None:
    """The rule of a route (``HEAD`` uses the ``GET`` rule)."""
    return POLICY.get(("GET" if method == "HEAD" else method, path))


def _flat_routes(routes: Iterable[Any]) -> Iterable[Any]:
    """Every route, also those of included routers (FastAPI keeps those as one branch)."""
    for route in routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            yield from contexts()
        else:
            yield route


def app_routes(app: FastAPI) -> list[tuple[str, str]]:
    """``(METHOD, path)`` of every route of ``app`` (``HEAD`` of a ``GET`` route left out)."""
    out: list[tuple[str, str]] = []
    for route in _flat_routes(app.routes):
        if isinstance(route, Mount):
            out.append(("GET", route.path + "/{path:path}"))
            continue
        methods = set(getattr(route, "methods", None) or {"GET"})
        if "GET" in methods:
            methods.discard("HEAD")
        out += [(m, route.path) for m in sorted(methods)]
    return out


def missing_rules(app: FastAPI) -> list[tuple[str, str]]:
    """Routes of ``app`` without an entry in :data:`POLICY`."""
    return [r for r in app_routes(app) if rule_for(*r) is None]


def check_routes(app: FastAPI) -> None:
    """Raise ``RuntimeError`` naming every route that has no policy entry."""
    missing = missing_rules(app)
    if missing:
        listed = ", ".join(f"{m} {p}" for m, p in missing)
        raise RuntimeError(f"routes without an entry in api.safety.auth.policy.POLICY: {listed}")


_ERROR = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
_DOCUMENTED = {
    "401": "no user: sign in (session) or send 'Authorization: Bearer <token>'; or a bad token",
    "403": "not allowed: another user's or a library scenario, admins only, or a CSRF failure",
    "404": "unknown scenario (or one the caller may not see)",
}


def document_responses(app: FastAPI) -> None:
    """Add the policy's answers (401, 403, 404) to every operation of ``app.openapi()``."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = plain()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                rule = rule_for(method.upper(), path)
                if rule is None:
                    continue
                codes = ["401"]  # a bad bearer token is refused everywhere
                if rule.access in NEEDS_USER:
                    codes.append("403")
                if rule.reads or rule.target or rule.job:
                    codes.append("404")
                responses = operation.setdefault("responses", {})
                for code in codes:
                    responses.setdefault(
                        code, {"description": _DOCUMENTED[code], "content": _ERROR}
                    )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _is_json(content_type: str | None) -> bool:
    """FastAPI's rule for reading a body as JSON: no content type, or ``application/json``
    or ``application/*+json``."""
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


async def body_fields(request: Request) -> dict[str, list[Any]]:
    """The body fields of a request as the route will read them (every value of a repeated
    form field): a form route's form, else a JSON object body as FastAPI parses it."""
    cached = getattr(request.state, "body_fields", None)
    if cached is not None:
        return cached
    fields: dict[str, list[Any]] = {}
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is not None and isinstance(body_field.field_info, params.Form):
        form = await request.form()  # parsed once; FastAPI reuses it for the route
        fields = {key: list(form.getlist(key)) for key in form}
    elif request.method in ("POST", "PUT", "PATCH", "DELETE"):
        raw = await request.body()
        if raw and _is_json(request.headers.get("content-type")):
            try:
                body = json.loads(raw)
            except ValueError:
                body = None  # the route answers 422
            if isinstance(body, dict):
                fields = {key: [value] for key, value in body.items()}
    request.state.body_fields = fields
    return fields


def _route_default(request: Request, name: str) -> Any:
    """The default the route gives the query parameter ``name`` (e.g. compare's ``right``)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    for field in getattr(dependant, "query_params", []):
        if field.alias == name:
            default = field.field_info.default
            return default if isinstance(default, str) else None
    return None


async def _values(request: Request, spec: str) -> list[str]:
    """The scenario ids a request names at ``spec`` (valid slugs only; the route's own
    validation answers 422 for the rest). A query parameter that is absent names the route's
    default (a default is a scenario the request reads too)."""
    where, _, name = spec.partition(":")
    values: list[Any] = []
    if where == "path":
        values = [request.path_params.get(name)]
    elif where == "query":
        values = list(request.query_params.getlist(name)) or [_route_default(request, name)]
    elif where in ("body", "field"):
        values = (await body_fields(request)).get(name, [])
    flat = [v for value in values for v in (value if isinstance(value, list) else [value])]
    return [v for v in flat if isinstance(v, str) and SCENARIO_ID.fullmatch(v)]


async def asks_replace(request: Request) -> bool:
    """True when the request asks to replace: ``replace`` as a query parameter or a body
    field is strictly ``true`` (:func:`api.safety.flags.parse_flag`). Any other spelling, in any of
    its places, is a 422 before the route runs, so the route can never read "replace" where
    the policy read "no"."""
    values = list(request.query_params.getlist("replace"))
    values += (await body_fields(request)).get("replace", [])
    try:
        return any([parse_flag(v) for v in values])
    except BadFlag as exc:
        raise HTTPException(422, str(exc)) from None


def check_replace(
    principal: Principal, scenario_id: str, owner: str | None, visibility: str
) -> None:
    """Refuse ``principal`` replacing the stored scenario ``scenario_id`` (of ``owner``) unless
    they may change it: 403 when they may read it, else the 409 of a taken id (the same words
    as for any existing id, so nothing about the scenario is revealed)."""
    stored = StoredScenario(scenario_id, {}, 0, 0, "user", "", "", "", owner, visibility)
    if principal.can_change(stored):
        return
    if not principal.can_read(stored):
        raise HTTPException(409, taken(scenario_id))
    raise HTTPException(403, _not_yours(stored, principal))


def save_checks(principal: Principal, quota: Any = None) -> SaveChecks:
    """The :class:`api.records.SaveChecks` of a save by ``principal``: only what they may change
    is replaced (:func:`check_replace`, run again inside the store's transaction), and a planner's
    ``quota`` (a ``(sizes, new size, replaced size)`` check) counts their own scenarios."""

    def replace(scenario_id: str, owner: str | None, visibility: str) -> None:
        check_replace(principal, scenario_id, owner, visibility)

    counted = principal.user is not None and not principal.is_admin and quota is not None
    return SaveChecks(
        replace=replace,
        quota_owner=principal.name if counted else None,
        quota=quota if counted else None,
    )


def _stored(request: Request, scenario_id: str) -> StoredScenario | None:
    """The stored scenario (through the evaluator's per-revision cache: a revision lookup)."""
    try:
        return request.app.state.regio.evaluator.stored(scenario_id)
    except ScenarioNotFound:
        return None


def unknown(scenario_id: str) -> HTTPException:
    """The 404 of an unknown *or hidden* scenario (the same words for both)."""
    return HTTPException(404, f"unknown scenario {scenario_id!r}")


def readable(
    request: Request, principal: Principal, scenario_id: str, *, whole_chain: bool = False
) -> StoredScenario:
    """The stored scenario if ``principal`` may read it, else :func:`unknown` (404). With
    ``whole_chain`` every base of its chain must be readable too (404 naming the first that is
    not, in the words of an unknown id); a chain broken otherwise (a loop) is left to the
    route, which answers 422."""
    stored = _stored(request, scenario_id)
    if stored is None or not principal.can_read(stored):
        raise unknown(scenario_id)
    if whole_chain and stored.base is not None:
        view = request.app.state.regio.evaluator.restricted(principal.can_read_link)
        try:
            view.chain(scenario_id)
        except ScenarioNotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except RegiokompasError:
            pass
    return stored


async def enforce(request: Request) -> Principal:
    """The app-wide dependency: apply the route's :class:`Rule`; return the caller."""
    route = request.scope.get("route")
    rule = rule_for(request.method, getattr(route, "path", ""))
    if rule is None:  # fail closed; check_routes keeps this from happening
        raise HTTPException(403, f"no access rule for {request.method} {request.url.path}")
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    store = request.app.state.regio.store
    principal = await identify(
        request, store, needs_user=rule.access in NEEDS_USER, share_ok=rule.share
    )
    if rule.access in NEEDS_USER and not principal.is_user:
        raise HTTPException(
            401, "sign in first: a session (/login) or 'Authorization: Bearer <token>'",
            {"WWW-Authenticate": "Bearer"},
        )  # fmt: skip
    if rule.access == "admin" and not principal.is_admin:
        raise HTTPException(403, "only an admin may do this")
    for spec in rule.reads:
        for scenario_id in await _values(request, spec):
            try:
                readable(request, principal, scenario_id, whole_chain=rule.whole_chain)
            except HTTPException as exc:
                if spec.startswith("field:"):
                    raise HTTPException(422, f"{spec[6:]}: {exc.detail}") from None
                raise
    if rule.target is not None:
        for scenario_id in await _values(request, rule.target):
            stored = readable(request, principal, scenario_id)
            if not principal.can_change(stored):
                raise HTTPException(403, _not_yours(stored, principal))
    if rule.replaces is not None and await asks_replace(request):
        for scenario_id in await _values(request, rule.replaces):
            stored = _stored(request, scenario_id)
            if stored is not None:
                check_replace(principal, stored.id, stored.owner, stored.visibility)
    if rule.job is not None:
        job_id = request.path_params.get(rule.job.partition(":")[2])
        try:
            owner = request.app.state.regio.jobs.get(job_id).owner
        except KeyError:
            owner = None  # unknown: the route answers its own 404
        if owner is not None and not principal.is_admin and owner != principal.name:
            raise HTTPException(404, unknown_job(rule.job_kind, str(job_id)))
    request.state.principal = principal
    return principal


def _not_yours(stored: StoredScenario, principal: Principal) -> str:
    if stored.owner is None:
        return f"scenario {stored.id!r} is a library scenario: only an admin may change it"
    return f"scenario {stored.id!r} belongs to another user: {principal.name} may only read it"
