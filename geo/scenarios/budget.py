"""What applying a scenario may cost: a time budget, a cancellation flag and size bounds.

Rule: inside ``with within(Budget(...))`` (or the shorthand ``with time_budget(seconds, ...)``)
:func:`geo.scenarios.apply_scenario` calls :func:`check_budget` before every edit and
:func:`check_result` on the divisions after it, and ``split_by`` calls :func:`check_pieces`
with the size of its result before building it (a split of a split multiplies the pieces).
Over a bound they raise:

- :class:`BudgetExceeded` when the time is spent (checked between edits and between the weight
  views of one edit, so one edit overshoots by at most one view's work);
- :class:`Cancelled` once the budget's ``cancel`` flag is set (the client went away);
- :class:`CostExceeded` when a division would get more regions or share rows, or the scenario
  more divisions, than allowed: refused *before* the work that would make them.

Every message names where it stopped and the setting. Outside a budget nothing is checked (the
CLI runs without one). The budget is per thread of execution (a :class:`contextvars.ContextVar`)
so concurrent requests have their own; nested budgets combine (earliest deadline, smallest
bounds, either cancel flag).

>>> with time_budget(0.0, setting="EXAMPLE_SECONDS"):
...     check_budget("edits[0]")
Traceback (most recent call last):
geo.scenarios.budget.BudgetExceeded: edits[0]: the time budget of 0 s is spent (EXAMPLE_SECONDS)
>>> with within(Budget(max_regions=10, settings={"regions": "MAX_REGIONS"})):
...     check_pieces("edits[3]", rows=40, regions=12)  # doctest: +ELLIPSIS
Traceback (most recent call last):
geo.scenarios.budget.CostExceeded: edits[3]: the split would make 12 regions, over the limit ...
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from geo.errors import RegiokompasError

if TYPE_CHECKING:
    from geo.division import Division


class BudgetExceeded(RegiokompasError):
    """Applying a scenario took longer than its time budget (or was stopped)."""


class Cancelled(BudgetExceeded):
    """The budget's cancel flag was set: nobody waits for the result any more."""


class CostExceeded(BudgetExceeded):
    """An edit would make a division (or a scenario) larger than the bounds allow."""


@dataclass(frozen=True)
class Budget:
    """One budget: seconds from when it is entered, a cancel flag and size bounds.

    ``settings`` names the setting behind each bound in messages (keys ``seconds``,
    ``regions``, ``rows``, ``divisions``).
    """

    seconds: float | None = None
    cancel: threading.Event | None = None
    max_regions: int | None = None
    """Regions of any one division."""
    max_rows: int | None = None
    """Nonzero shares (unit x region rows) of any one division, in each of its weight views."""
    max_divisions: int | None = None
    """Divisions of the applied scenario."""
    settings: Mapping[str, str] = field(default_factory=dict)
    deadline: float | None = None
    """Absolute :func:`time.monotonic` deadline (set when entered)."""

    def setting(self, what: str) -> str:
        return self.settings.get(what, f"{what} bound")


_current: ContextVar[Budget | None] = ContextVar("budget", default=None)
_place: ContextVar[str] = ContextVar("budget_place", default="scenario")
"""Where the work is (``<source> edits[i]``), for messages from inside an edit."""


@contextmanager
def at(where: str) -> Iterator[None]:
    """Name the work inside the block (messages of checks that are not told where)."""
    token = _place.set(where)
    try:
        yield
    finally:
        _place.reset(token)


def _smallest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _merged(outer: Budget | None, inner: Budget) -> Budget:
    """``inner`` started now, combined with ``outer`` (the stricter of each part wins)."""
    deadline = None if inner.seconds is None else time.monotonic() + inner.seconds
    inner = dataclasses.replace(inner, deadline=deadline)
    if outer is None:
        return inner
    seconds, deadline, settings = inner.seconds, inner.deadline, {**outer.settings}
    settings.update(inner.settings)
    if outer.deadline is not None and (deadline is None or outer.deadline <= deadline):
        seconds, deadline = outer.seconds, outer.deadline
        settings["seconds"] = outer.setting("seconds")
    cancel = inner.cancel or outer.cancel
    if inner.cancel is not None and outer.cancel is not None and inner.cancel is not outer.cancel:
        cancel = _Either(outer.cancel, inner.cancel)
    return Budget(
        seconds=seconds,
        cancel=cancel,
        max_regions=_smallest(outer.max_regions, inner.max_regions),
        max_rows=_smallest(outer.max_rows, inner.max_rows),
        max_divisions=_smallest(outer.max_divisions, inner.max_divisions),
        settings=settings,
        deadline=deadline,
    )


class _Either(threading.Event):
    """Set when either of two flags is set (nested budgets with their own cancel flags)."""

    def __init__(self, a: threading.Event, b: threading.Event) -> None:
        super().__init__()
        self._flags = (a, b)

    def is_set(self) -> bool:
        return any(flag.is_set() for flag in self._flags)


@contextmanager
def within(budget: Budget) -> Iterator[Budget]:
    """Apply ``budget`` (combined with any budget around it) inside the block."""
    token = _current.set(_merged(_current.get(), budget))
    try:
        yield _current.get()  # type: ignore[misc]
    finally:
        _current.reset(token)


@contextmanager
def time_budget(seconds: float, *, setting: str = "time budget") -> Iterator[None]:
    """A budget of ``seconds`` from now (the earlier deadline wins when budgets nest)."""
    with within(Budget(seconds=seconds, settings={"seconds": setting})):
        yield


def current() -> Budget | None:
    """The budget in force (None outside any)."""
    return _current.get()


def check_budget(where: str | None = None) -> None:
    """Raise :class:`Cancelled` or :class:`BudgetExceeded` when the current budget is cancelled
    or spent (no-op without one); ``where`` defaults to the place named by :func:`at`."""
    budget = _current.get()
    if budget is None:
        return
    where = _place.get() if where is None else where
    if budget.cancel is not None and budget.cancel.is_set():
        raise Cancelled(f"{where}: stopped, the client went away")
    if budget.deadline is not None and time.monotonic() >= budget.deadline:
        raise BudgetExceeded(
            f"{where}: the time budget of {budget.seconds:g} s is spent "
            f"({budget.setting('seconds')})"
        )


def _over(where: str, what: str, count: int, limit: int | None, budget: Budget) -> None:
    if limit is not None and count > limit:
        raise CostExceeded(
            f"{where}: {count} {_UNIT[what]} exceed the limit of {limit} ({budget.setting(what)})"
        )


_UNIT = {"regions": "regions", "rows": "share rows", "divisions": "divisions"}


def check_pieces(where: str | None = None, *, rows: int, regions: int) -> None:
    """Before a split: refuse one whose result would have more than the allowed share rows or
    regions (no-op without a budget)."""
    budget = _current.get()
    if budget is None:
        return
    where = _place.get() if where is None else where
    for what, count, limit in (
        ("regions", regions, budget.max_regions),
        ("rows", rows, budget.max_rows),
    ):
        if limit is not None and count > limit:
            raise CostExceeded(
                f"{where}: the split would make {count} {_UNIT[what]}, over the limit of "
                f"{limit} ({budget.setting(what)})"
            )
    check_budget(where)


def check_result(where: str, divisions: Mapping[str, Division]) -> None:
    """After an edit: refuse a scenario with too many divisions, or a division with too many
    regions or share rows in any weight view (no-op without a budget). Counts only."""
    budget = _current.get()
    if budget is None:
        return
    _over(where, "divisions", len(divisions), budget.max_divisions, budget)
    for name, division in divisions.items():
        here = f"{where}: division {name!r}"
        _over(here, "regions", division.n_regions, budget.max_regions, budget)
        if budget.max_rows is not None:
            rows = max([division.shares.nnz, *(m.nnz for m in division.weight_shares.values())])
            _over(here, "rows", rows, budget.max_rows, budget)
