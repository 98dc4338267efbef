"""A time budget for applying scenarios, checked between edits.

Rule: inside ``with time_budget(seconds, setting=...)`` every edit applied by
:func:`geo.scenarios.apply_scenario` first calls :func:`check_budget`; once the budget is spent
it raises :class:`BudgetExceeded` naming where it stopped and the setting. Outside a budget
nothing is checked (the CLI runs without one). The budget is per thread of execution
(a :class:`contextvars.ContextVar`), so concurrent requests have their own.

>>> with time_budget(0.0, setting="EXAMPLE_SECONDS"):
...     check_budget("edits[0]")
Traceback (most recent call last):
geo.scenarios.budget.BudgetExceeded: edits[0]: the time budget of 0 s is spent (EXAMPLE_SECONDS)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from geo.errors import RegiokompasError

_deadline: ContextVar[tuple[float, float, str] | None] = ContextVar("deadline", default=None)


class BudgetExceeded(RegiokompasError):
    """Applying a scenario took longer than its time budget."""


@contextmanager
def time_budget(seconds: float, *, setting: str = "time budget") -> Iterator[None]:
    """Check :func:`check_budget` against ``seconds`` from now inside the block (the earlier
    deadline wins when budgets nest)."""
    outer = _deadline.get()
    deadline = time.monotonic() + seconds
    if outer is not None and outer[0] <= deadline:
        token = _deadline.set(outer)
    else:
        token = _deadline.set((deadline, seconds, setting))
    try:
        yield
    finally:
        _deadline.reset(token)


def check_budget(where: str) -> None:
    """Raise :class:`BudgetExceeded` when the current budget is spent (no-op without one)."""
    current = _deadline.get()
    if current is not None and time.monotonic() >= current[0]:
        raise BudgetExceeded(
            f"{where}: the time budget of {current[1]:g} s is spent ({current[2]})"
        )
