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


class GeometryError(RegiokompasError):
    """Geometry is invalid or in the wrong CRS."""


class RegiokompasWarning(UserWarning):
    """Base class for problems that are reported but do not stop the work."""


class RepairedGeometryWarning(RegiokompasWarning):
    """Invalid geometries were repaired with shapely.make_valid."""


class LowOverlapWarning(RegiokompasWarning):
    """A unit was assigned to a region that covers less of it than the threshold."""
