"""The error of the space package."""

from __future__ import annotations

from geo.errors import RegiokompasError


class SpaceError(RegiokompasError):
    """A space cannot be built or read (names the directory or setting)."""
