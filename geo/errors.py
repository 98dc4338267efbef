"""Typed errors and warnings: every problem names the file, field or code that is wrong."""

from __future__ import annotations


class RegiokompasError(Exception):
    """Base class for errors that carry a message meant for a planner, not a traceback."""


class SourceError(RegiokompasError):
    """A source file is missing, corrupt or does not have the expected columns.

    >>> str(SourceError("swv/swv_pc4_2015.csv", "column 'po_swv' is missing"))
    "swv/swv_pc4_2015.csv: column 'po_swv' is missing"
    """

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class DivisionError(RegiokompasError):
    """A division is inconsistent: unknown codes, shares that do not sum to 1, negative shares."""


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


class GeometryError(RegiokompasError):
    """Geometry is invalid or in the wrong CRS."""


class RegiokompasWarning(UserWarning):
    """Base class for problems that are reported but do not stop the work."""


class RepairedGeometryWarning(RegiokompasWarning):
    """Invalid geometries were repaired with shapely.make_valid."""


class LowOverlapWarning(RegiokompasWarning):
    """A unit was assigned to a region that covers less of it than the threshold."""
