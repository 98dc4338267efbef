"""Contiguity graphs per jeugdregio with islands linked, now :mod:`geo.checks.graph` (the rule
is written once, with the contiguity check); re-exported here for the proposal solver.

>>> from geo.proposals.graph import region_graphs
>>> region_graphs.__module__
'geo.checks.graph'
"""

from __future__ import annotations

from geo.checks.graph import region_graphs

__all__ = ["region_graphs"]
