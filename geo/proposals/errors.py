"""Typed problems of the proposal generator; every message names the jeugdregio and the bound.

>>> str(InfeasibleError("JZ43", "min_pupils", "total pupils 11,473 are below the minimum 20,000"))
'jeugdregio JZ43: min_pupils: total pupils 11,473 are below the minimum 20,000'
"""

from __future__ import annotations

from geo.errors import RegiokompasError, RegiokompasWarning


class ProposalError(RegiokompasError):
    """A proposal cannot be made (bad settings, unknown jeugdregio division, no solution)."""


class InfeasibleError(ProposalError):
    """No division of one jeugdregio can satisfy a bound; raised before (or by) the solver."""

    def __init__(self, region: str, bound: str, problem: str) -> None:
        self.region = region
        self.bound = bound
        self.problem = problem
        super().__init__(f"jeugdregio {region}: {bound}: {problem}")


class TimeLimitWarning(RegiokompasWarning):
    """The solver stopped at its time limit: the division is the best found, not proven optimal."""


class ForcedTravelWarning(RegiokompasWarning):
    """Principle 3 alone makes some gemeenten's distance to special education longer."""


class ProposalCheckWarning(RegiokompasWarning):
    """The proposal fails one of its own hard checks (:mod:`geo.checks`): a solver bug to report."""
