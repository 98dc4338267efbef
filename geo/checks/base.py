"""What every check shares: its result, the check itself, the settings and the error.

A check is a small callable with a ``name``, a ``hard`` flag and a ``title`` (GerryChain's
``constraints`` are the model): called on a :class:`~geo.checks.state.CheckState` it returns a
:class:`CheckResult` with ``passed``, the ``figures`` behind the verdict and the ``offenders``
(the regions or gemeenten that break it, each with ``code``, ``name`` and a one-line
``problem``). A *reported* check (``hard=False``: disruption, uniform regions) has
``passed=None``: it informs, it does not judge.

>>> @check("demo", hard=True, title="always passes")
... def demo(state):
...     return demo.result(True, figures={"n": 1})
>>> r = demo(None)
>>> r.name, r.hard, r.passed, r.to_dict()["figures"]
('demo', True, True, {'n': 1})
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geo.errors import RegiokompasError, RegiokompasWarning
from geo.messages import Message


class VerdictError(RegiokompasError):
    """The verdict cannot be given: unknown scenario or division, no SWV division, bad bounds."""


class PrincipleClaimWarning(RegiokompasWarning):
    """A scenario claims a principle (``principles: [...]``) that its verdict says it breaks."""


@dataclass(frozen=True)
class VerdictSettings:
    """The knobs of the checks; defaults from docs/proposals.md where they exist."""

    tolerance: float = 0.995
    """P3: an SWV lies within one jeugdregio when its containment (share of its weight in its
    best-matching jeugdregio) is at least this value (as ``regio score --tolerance``)."""
    weight: str = "pupils"
    """P3 and uniform regions: ``pupils`` (the SWV's own level: pupils_po for swv_po, pupils_vo
    for swv_vo, PO + VO for swv) or any dataset weight name (``area``, ``inhabitants``, ...)."""
    margin_km: float = 0.0
    """P2: allowed extra km per gemeente and per SWV mean over the baseline."""
    min_pupils: float | None = None
    """Size: minimum PO + VO pupils per SWV (None: the smallest of today's SWVs)."""
    max_pupils: float | None = None
    """Size: maximum PO + VO pupils per SWV (None: the largest of today's SWVs)."""
    worst: int = 10
    """P2: how many worst gemeenten are listed in the figures."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.tolerance <= 1.0:
            raise VerdictError(f"tolerance must lie in [0, 1], got {self.tolerance}")
        if not (math.isfinite(self.margin_km) and self.margin_km >= 0):
            raise VerdictError(f"margin_km must be a number >= 0, got {self.margin_km}")
        for key in ("min_pupils", "max_pupils"):
            value = getattr(self, key)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise VerdictError(f"{key} must be a number >= 0, got {value}")
        if (
            self.min_pupils is not None
            and self.max_pupils is not None
            and self.min_pupils > self.max_pupils
        ):
            raise VerdictError(
                f"size bounds cannot be met: min_pupils {self.min_pupils:,.0f} is above "
                f"max_pupils {self.max_pupils:,.0f}"
            )


def clean(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, inf/nan to None, tuples to lists.

    >>> clean({"a": np.float64(1.5), "b": [float("inf"), np.int64(2)]})
    {'a': 1.5, 'b': [None, 2]}
    """
    if isinstance(value, Mapping):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [clean(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check (JSON: :meth:`to_dict`, schema in docs/verdict.md)."""

    name: str
    title: str
    hard: bool
    passed: bool | None
    """True/False for a hard check; None for a reported one."""
    summary: str
    """One line for people: what was measured and the outcome."""
    figures: dict[str, Any] = field(default_factory=dict)
    offenders: list[dict[str, Any]] = field(default_factory=list)
    message: Message | None = None
    """The summary as a message (msgid and values): pages show it in the reader's language;
    ``summary`` is its English text. Each offender likewise has ``problem`` and ``message``
    (the JSON form, :meth:`geo.messages.Message.to_dict`)."""

    def to_dict(self) -> dict[str, Any]:
        """``{"name", "title", "hard", "passed", "summary", "message", "figures",
        "offenders"}``."""
        return clean(
            {
                "name": self.name,
                "title": self.title,
                "hard": self.hard,
                "passed": self.passed,
                "summary": self.summary,
                "message": self.message.to_dict() if self.message is not None else None,
                "figures": self.figures,
                "offenders": self.offenders,
            }
        )


@dataclass(frozen=True)
class Check:
    """A named check: ``check(state) -> CheckResult`` (make one with :func:`check`)."""

    name: str
    hard: bool
    title: str
    run: Callable[[Any], CheckResult]

    def __call__(self, state: Any) -> CheckResult:
        return self.run(state)

    def result(
        self,
        passed: bool | None,
        *,
        summary: str | Message = "",
        figures: Mapping[str, Any] | None = None,
        offenders: Sequence[Mapping[str, Any]] = (),
    ) -> CheckResult:
        """A :class:`CheckResult` of this check (a reported check always gets ``passed=None``);
        a :class:`~geo.messages.Message` summary is kept as ``message``, its English text as
        ``summary``."""
        message = summary if isinstance(summary, Message) else None
        return CheckResult(
            self.name,
            self.title,
            self.hard,
            bool(passed) if self.hard and passed is not None else None,
            str(summary),
            dict(figures or {}),
            [dict(o) for o in offenders],
            message,
        )


def problem(message: Message) -> dict[str, Any]:
    """An offender's ``problem`` (English) and ``message`` (JSON form) of one sentence.

    >>> from geo.messages import N_
    >>> problem(Message(N_("%(n)s parts"), {"n": 2}))
    {'problem': '2 parts', 'message': {'msgid': '%(n)s parts', 'params': {'n': 2}}}
    """
    return {"problem": str(message), "message": message.to_dict()}


def check(name: str, *, hard: bool, title: str) -> Callable[[Callable[..., CheckResult]], Check]:
    """Decorator: turn ``fn(state) -> CheckResult`` into a :class:`Check`."""

    def wrap(fn: Callable[..., CheckResult]) -> Check:
        made = Check(name, hard, title, fn)
        if fn.__doc__:
            object.__setattr__(made, "__doc__", fn.__doc__)
        return made

    return wrap
