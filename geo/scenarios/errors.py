"""Typed errors of the scenario package.

A :class:`ScenarioError` always names where the problem is: the file, the position in the
document (``edits[2]``) and the field (``unit``), so a planner can fix the YAML without a
traceback.

>>> str(ScenarioError("scenarios/x.yaml", "edits[2]", "unit", "unknown unit 'GM9999'"))
"scenarios/x.yaml: edits[2].unit: unknown unit 'GM9999'"
"""

from __future__ import annotations

from geo.errors import RegiokompasError, RegiokompasWarning


class ScenarioError(RegiokompasError):
    """A scenario document is invalid: bad YAML, wrong types, unknown codes or impossible edits.

    ``source`` is the file (or ``<inline>``), ``position`` the place in the document
    (``edits[2]``, ``name``, ``line 4, column 3``) and ``field`` the offending field, if any.
    """

    def __init__(self, source: str, position: str | None, field: str | None, problem: str) -> None:
        self.source = source
        self.position = position
        self.field = field
        self.problem = problem
        where = ".".join(part for part in (position, field) if part)
        super().__init__(f"{source}: {where}: {problem}" if where else f"{source}: {problem}")


class EditError(RegiokompasError):
    """An edit function got an argument it cannot apply; ``field`` names that argument.

    Raised by :mod:`geo.scenarios.edits`; :mod:`geo.scenarios.apply` turns it into a
    :class:`ScenarioError` that adds the file and the edit's position.

    >>> EditError("unit", "unknown unit 'GM9999'").field
    'unit'
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class EmptiedRegionWarning(RegiokompasWarning):
    """An edit left a region without any unit; the region was removed from the division."""
