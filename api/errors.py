"""The HTTP status of each typed error: one table for the app's handlers and the workers.

>>> from geo.scenarios.budget import CostExceeded
>>> status_of(CostExceeded("x")), status_of(ValueError("x")) is None
(413, True)
"""

from __future__ import annotations

from api.storage.store import (
    RevisionConflict,
    ScenarioExists,
    ScenarioInUse,
    ScenarioNotFound,
    UnsafeScenarioId,
)
from geo.errors import RegiokompasError
from geo.scenarios.budget import Cancelled, CostExceeded

ERROR_STATUS: dict[type[Exception], int] = {
    ScenarioNotFound: 404,
    UnsafeScenarioId: 422,
    ScenarioExists: 409,
    ScenarioInUse: 409,
    RevisionConflict: 409,
    CostExceeded: 413,
    Cancelled: 499,
    RegiokompasError: 422,
}
"""HTTP status of each typed error (the most specific class wins); the detail is its message."""


def status_of(exc: BaseException) -> int | None:
    """The status :data:`ERROR_STATUS` gives ``exc`` (its most specific class), else None."""
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return None
