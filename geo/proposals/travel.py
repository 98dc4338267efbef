"""Principle 2's travel model, now :mod:`geo.checks.locations` (the rule is written once, with the
checks that judge it); re-exported here for the proposal solver and existing imports.

>>> from geo.proposals.travel import travel_model
>>> travel_model.__module__
'geo.checks.locations'
"""

from __future__ import annotations

from geo.checks.locations import (
    LEVELS,
    POINT_COLUMNS,
    POINT_RULE_TEXT,
    SPECIAL_TYPES,
    TravelModel,
    gemeente_points,
    travel_model,
    travel_stats,
)

__all__ = [
    "LEVELS",
    "POINT_COLUMNS",
    "POINT_RULE_TEXT",
    "SPECIAL_TYPES",
    "TravelModel",
    "gemeente_points",
    "travel_model",
    "travel_stats",
]
