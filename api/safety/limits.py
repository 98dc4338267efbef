"""Limits on what one request or one user may cost, each a setting with a sensible default.

Every limit has an environment variable (``REGIOKOMPAS_...``, see :data:`ENV`); a request over
a limit fails with :class:`LimitExceeded`, whose message names the limit and its variable, with
status 413 (too large), 422 (a value out of range or a budget spent) or 429 (too many).

Checks on a scenario document run before it is validated (:func:`check_document_limits`, cheap:
counts and sizes only), on its result after it was applied (:func:`check_divisions`), and per
owner where ownership is known (:func:`check_owner_quota`).

>>> limits = Limits(edits_per_scenario=2)
>>> check_document_limits({"name": "x", "edits": [{}, {}, {}]}, limits)
Traceback (most recent call last):
api.safety.limits.LimitExceeded: edits: 3 edits exceed the limit of 2 (REGIOKOMPAS_MAX_EDITS)
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from geo.division import NO_REGION, Division
from geo.errors import RegiokompasError
from geo.scenarios.budget import Budget


class LimitExceeded(RegiokompasError):
    """A request over a limit; ``status`` is its HTTP status (413, 422 or 429);
    ``retry_after`` (seconds) is sent as ``Retry-After`` with a 429."""

    def __init__(
        self,
        message: str,
        status: int = 413,
        retry_after: int | None = None,
        *,
        setting: str = "",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.setting = setting
        """The variable of the limit that refused (for the audit log of refusals)."""


@dataclass(frozen=True)
class Limits:
    """The cost limits of one app (defaults fit the 342 gemeenten with a wide margin)."""

    edits_per_scenario: int = 200
    """Edits in one scenario document (the library's largest has 3)."""
    regions_per_division: int = 1_000
    """Regions of any division a scenario makes (there are 342 gemeenten)."""
    divisions_per_scenario: int = 24
    """Divisions after applying a scenario (the data has 7; each adds a map layer)."""
    membership_rows: int = 5_000
    """Rows of one ``assign`` edit (342 gemeenten, a few split)."""
    document_bytes: int = 1_000_000
    """Stored scenario document, as compact JSON."""
    scenarios_per_user: int = 100
    """Scenarios one user may own."""
    bytes_per_user: int = 20_000_000
    """Bytes of scenario documents one user may own."""
    evaluation_seconds: float = 20.0
    """Time budget for applying one scenario (its base chain included)."""
    cache_bytes: int = 96 * 1024 * 1024
    """Memory of the evaluation cache (applied divisions, scores, bodies), estimated."""
    page_cache_bytes: int = 32 * 1024 * 1024
    """Memory of the rendered map page cache."""
    page_bytes: int = 4 * 1024 * 1024
    """Largest map page served (the national map is ~1 MB)."""
    upload_features: int = 5_000
    """Features of an uploaded GeoJSON/GeoPackage layer."""
    upload_vertices: int = 2_000_000
    """Vertices of an uploaded layer."""
    geometry_work: int = 20_000_000
    """Vertex x gemeente pairs the overlay of uploaded polygons may process."""
    geometry_seconds: float = 30.0
    """Wall-clock seconds of an upload's geometry work (repair, dissolve, assign)."""
    geometry_memory: int = 2 * 1024 * 1024 * 1024
    """Bytes of memory an upload's geometry work may allocate (in its own process)."""
    rate_writes: str = "60/minute"
    """Writes (POST, PUT, PATCH, DELETE) per client, ``limits`` syntax."""
    rate_reads: str = "600/minute"
    """Expensive reads (maps, scores, compare, exports, home page) per client."""
    proposal_slots: int = 2
    """Proposal jobs queued or running at once in the app."""
    proposal_slots_per_user: int = 1
    """Proposal jobs queued or running at once per user (or per client when anonymous)."""
    rate_keys: int = 20_000
    """Clients (users and addresses) each rate counter remembers; the least recent is dropped."""
    login_failures_per_account: str = "10/15minutes"
    """Failed sign-ins of one account name (from anywhere) before it must wait."""
    login_failures_per_address: str = "30/15minutes"
    """Failed sign-ins from one client address (any names) before it must wait."""
    password_hashes: int = 2
    """Password checks (Argon2, 64 MiB each) running at once in the app; the rest wait."""
    evaluations: int = 4
    """Editor evaluations (``POST .../evaluate``) running at once in the app."""
    evaluations_per_client: int = 2
    """Editor evaluations running at once per user (or per client address when anonymous)."""
    evaluation_cpu_per_minute: float = 10.0
    """CPU seconds of editor evaluations one client may spend per minute (a click costs about
    0.02; a steady stream of heavy evaluations from one client gets 429)."""
    cost_seconds: float = 0.05
    """Seconds of work (CPU time of the request) that count as one expensive read in the rate
    limit: an evaluation or a freshly rendered map page counts by its cost."""
    editor_cache_bytes: int = 64 * 1024 * 1024
    """Memory of the editor's caches (applied edit prefixes, live sessions), estimated."""
    evaluation_workers: int = 0
    """Worker processes that run editor evaluations (:mod:`api.compute.workers`); 0: a thread of the
    server process (an embedded app; ``regio serve`` sets one per :attr:`evaluations`)."""
    evaluation_nice: int = 10
    """How much lower the OS priority of an evaluation worker is (``nice``, 0-19)."""
    evaluation_memory: int = 1024 * 1024 * 1024
    """Bytes of data memory one evaluation worker may allocate beyond what it starts with."""


ENV: dict[str, str] = {
    "edits_per_scenario": "REGIOKOMPAS_MAX_EDITS",
    "regions_per_division": "REGIOKOMPAS_MAX_REGIONS",
    "divisions_per_scenario": "REGIOKOMPAS_MAX_DIVISIONS",
    "membership_rows": "REGIOKOMPAS_MAX_MEMBERSHIP_ROWS",
    "document_bytes": "REGIOKOMPAS_MAX_DOCUMENT_BYTES",
    "scenarios_per_user": "REGIOKOMPAS_MAX_SCENARIOS_PER_USER",
    "bytes_per_user": "REGIOKOMPAS_MAX_BYTES_PER_USER",
    "evaluation_seconds": "REGIOKOMPAS_EVALUATION_SECONDS",
    "cache_bytes": "REGIOKOMPAS_CACHE_BYTES",
    "page_cache_bytes": "REGIOKOMPAS_PAGE_CACHE_BYTES",
    "page_bytes": "REGIOKOMPAS_MAX_PAGE_BYTES",
    "upload_features": "REGIOKOMPAS_MAX_UPLOAD_FEATURES",
    "upload_vertices": "REGIOKOMPAS_MAX_UPLOAD_VERTICES",
    "geometry_work": "REGIOKOMPAS_GEOMETRY_WORK",
    "geometry_seconds": "REGIOKOMPAS_GEOMETRY_SECONDS",
    "geometry_memory": "REGIOKOMPAS_GEOMETRY_MEMORY",
    "rate_writes": "REGIOKOMPAS_RATE_WRITES",
    "rate_reads": "REGIOKOMPAS_RATE_READS",
    "proposal_slots": "REGIOKOMPAS_PROPOSAL_SLOTS",
    "proposal_slots_per_user": "REGIOKOMPAS_PROPOSAL_SLOTS_PER_USER",
    "rate_keys": "REGIOKOMPAS_RATE_KEYS",
    "login_failures_per_account": "REGIOKOMPAS_LOGIN_FAILURES_PER_ACCOUNT",
    "login_failures_per_address": "REGIOKOMPAS_LOGIN_FAILURES_PER_ADDRESS",
    "password_hashes": "REGIOKOMPAS_PASSWORD_HASHES",
    "evaluations": "REGIOKOMPAS_EVALUATIONS",
    "evaluations_per_client": "REGIOKOMPAS_EVALUATIONS_PER_CLIENT",
    "evaluation_cpu_per_minute": "REGIOKOMPAS_EVALUATION_CPU",
    "cost_seconds": "REGIOKOMPAS_COST_SECONDS",
    "editor_cache_bytes": "REGIOKOMPAS_EDITOR_CACHE_BYTES",
    "evaluation_workers": "REGIOKOMPAS_EVALUATION_WORKERS",
    "evaluation_nice": "REGIOKOMPAS_EVALUATION_NICE",
    "evaluation_memory": "REGIOKOMPAS_EVALUATION_MEMORY",
}
"""Field of :class:`Limits` -> its environment variable."""

ZERO_ALLOWED = frozenset({"evaluation_workers", "evaluation_nice"})
"""Settings for which 0 means something (no worker processes, the same priority)."""


def limits_from_env(env: Mapping[str, str] | None = None) -> Limits:
    """:class:`Limits` with every variable of :data:`ENV` that is set; a bad value raises
    ValueError naming the variable.

    >>> limits_from_env({"REGIOKOMPAS_MAX_EDITS": "50"}).edits_per_scenario
    50
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for f in dataclasses.fields(Limits):
        raw = env.get(ENV[f.name])
        if raw is None or raw == "":
            continue
        kind = type(f.default)
        try:
            value = kind(raw)
        except ValueError:
            raise ValueError(f"{ENV[f.name]}={raw!r}: not a {kind.__name__}") from None
        if kind is not str and (value < 0 or (value == 0 and f.name not in ZERO_ALLOWED)):
            raise ValueError(f"{ENV[f.name]}={raw!r}: must be positive")
        if f.name == "evaluation_nice" and value > 19:
            raise ValueError(f"{ENV[f.name]}={raw!r}: must lie in 0-19")
        values[f.name] = value
    return Limits(**values)


def cost_budget(
    limits: Limits, *, cancel: threading.Event | None = None, seconds: float | None = None
) -> Budget:
    """The :class:`geo.scenarios.budget.Budget` every path that applies edits runs under:
    ``limits.evaluation_seconds`` (or ``seconds``), the region, share-row and division limits
    of a stored scenario, and ``cancel`` (set when the client goes away).

    >>> cost_budget(Limits()).max_regions, cost_budget(Limits()).setting("rows")
    (1000, 'REGIOKOMPAS_MAX_MEMBERSHIP_ROWS')
    """
    return Budget(
        seconds=limits.evaluation_seconds if seconds is None else seconds,
        cancel=cancel,
        max_regions=limits.regions_per_division,
        max_rows=limits.membership_rows,
        max_divisions=limits.divisions_per_scenario,
        settings={
            "seconds": ENV["evaluation_seconds"],
            "regions": ENV["regions_per_division"],
            "rows": ENV["membership_rows"],
            "divisions": ENV["divisions_per_scenario"],
        },
    )


def check_rows(what: str, rows: int, limits: Limits) -> None:
    """Refuse an upload of more rows than one ``assign`` edit may hold (before building it)."""
    _over(what, rows, limits.membership_rows, "rows", "membership_rows")


def _over(what: str, count: int, limit: int, unit: str, field: str, status: int = 413) -> None:
    if count > limit:
        raise LimitExceeded(
            f"{what}: {count} {unit} exceed the limit of {limit} ({ENV[field]})", status
        )


def document_size(document: Mapping[str, Any]) -> int:
    """Bytes of ``document`` as stored (compact JSON, UTF-8)."""
    return len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def check_document_limits(document: Mapping[str, Any], limits: Limits) -> int:
    """Refuse a document over the size, edit, row or region limits; return its size in bytes.

    Counts only (no validation): a 10,000-edit document is refused in milliseconds.
    """
    edits = document.get("edits") or []
    _over("edits", len(edits), limits.edits_per_scenario, "edits", "edits_per_scenario")
    for i, edit in enumerate(edits):
        if not isinstance(edit, Mapping):
            continue
        rows = edit.get("membership") or []
        assignment = edit.get("assignment") or {}
        if isinstance(rows, list):
            _over(f"edits[{i}].membership", len(rows), limits.membership_rows, "rows",
                  "membership_rows")  # fmt: skip
            regions = {str(r.get("region")) for r in rows if isinstance(r, Mapping)}
        else:
            regions = set()
        if isinstance(assignment, Mapping):
            regions |= set(map(str, assignment.values()))
        _over(f"edits[{i}]", len(regions - {NO_REGION}), limits.regions_per_division,
              "regions", "regions_per_division")  # fmt: skip
    size = document_size(document)  # last: the counts above are cheaper than serialising
    _over("document", size, limits.document_bytes, "bytes", "document_bytes")
    return size


def check_divisions(divisions: Mapping[str, Division], limits: Limits, *, source: str) -> None:
    """Refuse an applied scenario with too many divisions or a division with too many regions."""
    _over(source, len(divisions), limits.divisions_per_scenario, "divisions",
          "divisions_per_scenario")  # fmt: skip
    for name, division in divisions.items():
        _over(f"{source}: division {name!r}", division.n_regions, limits.regions_per_division,
              "regions", "regions_per_division")  # fmt: skip


def check_owner_quota(
    owned_sizes: Iterable[int], new_size: int, limits: Limits, *, owner: str, replacing: int = 0
) -> None:
    """Refuse a save that would give ``owner`` more scenarios or bytes than allowed.

    ``owned_sizes``: document sizes of the scenarios ``owner`` owns now; ``replacing``: size of
    the scenario this save replaces (0 for a new one).

    >>> check_owner_quota([10, 20], 5, Limits(scenarios_per_user=2), owner="ann")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    api.safety.limits.LimitExceeded: user 'ann': 3 scenarios exceed the limit of 2 (...)
    """
    sizes = list(owned_sizes)
    count = len(sizes) + (0 if replacing else 1)
    _over(f"user {owner!r}", count, limits.scenarios_per_user, "scenarios", "scenarios_per_user")
    total = sum(sizes) - replacing + new_size
    _over(f"user {owner!r}", total, limits.bytes_per_user, "bytes", "bytes_per_user")
