"""Sentences for people as data: an English msgid and its values, translated where shown.

``geo`` sits below the translation layer (``maps.i18n``), so a text it makes for people (a
check's summary, an offender's problem) is a :class:`Message`: an English msgid with
``%(name)s`` placeholders, marked with :func:`N_` (``make messages`` extracts it into the
catalogs), and its values. A value is a string, a whole number, a float, a :class:`Figure`
(a number with the format it is shown in), another message, or a :class:`Join` of values.

- ``str(message)`` is the English text, exactly as the API and the CLI have always shown it.
- :meth:`Message.to_dict` is its JSON form (``{"msgid", "params"}``; a figure is
  ``{"value", "format"}``, a join ``{"join", "items"}``), kept beside the English text.
- ``maps.i18n.render_message`` translates either form into the reader's language, with the
  locale's number formats (``0,995``; ``7.425``; ``93,1%``).

>>> low, high = Figure(7425.0, ",.0f"), Figure(142727, ",.0f")
>>> m = Message(N_("%(n)s of %(total)s SWVs within %(low)s-%(high)s PO+VO pupils"),
...             {"n": 75, "total": 76, "low": low, "high": high})
>>> str(m)
'75 of 76 SWVs within 7,425-142,727 PO+VO pupils'
>>> m.to_dict()["params"]["low"]
{'value': 7425.0, 'format': ',.0f'}
>>> Message.from_dict(m.to_dict()) == m
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Union

MISSING = "–"
"""Shown for a missing figure (None, NaN, infinity)."""


def N_(msgid: str) -> str:
    """Mark ``msgid`` for the translation catalogs; it is translated where it is shown.

    >>> N_("%(n)s of %(total)s SWVs connected")
    '%(n)s of %(total)s SWVs connected'
    """
    return msgid


@dataclass(frozen=True)
class Figure:
    """A number and the Python format spec of its English text (``",.0f"``, ``".1%"``,
    ``".2f"``, ``"g"``); the translation layer maps the spec to the locale's format.

    >>> str(Figure(0.9312, ".1%")), str(Figure(float("inf"), "g")), str(Figure(None, ".1f"))
    ('93.1%', '–', '–')
    """

    value: float | int | None
    format: str = ""

    @property
    def missing(self) -> bool:
        """True when there is no finite value to show."""
        v = self.value
        return v is None or (isinstance(v, float) and not math.isfinite(v))

    def __str__(self) -> str:
        if self.missing:
            return MISSING
        return format(self.value, self.format)


@dataclass(frozen=True)
class Join:
    """Values shown one after another with ``sep`` between them (a list in a sentence).

    >>> str(Join((Figure(1.5, ".1f"), "A"), "; "))
    '1.5; A'
    """

    items: tuple[Param, ...]
    sep: str = ", "

    def __str__(self) -> str:
        return self.sep.join(english(v) for v in self.items)


@dataclass(frozen=True)
class Message:
    """An English msgid with ``%(name)s`` placeholders and the values that fill them."""

    msgid: str
    params: Mapping[str, Param] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.render(lambda msgid: msgid, english)

    def render(self, gettext: Callable[[str], str], value: Callable[[Param], str]) -> str:
        """The sentence with ``gettext`` applied to the msgid and ``value`` to every value."""
        text = gettext(self.msgid)
        if not self.params:
            return text
        return text % {k: value(v) for k, v in self.params.items()}

    def __hash__(self) -> int:
        return hash((self.msgid, tuple(sorted(self.params))))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"msgid": ..., "params": {...}}`` (see the module docstring)."""
        return {"msgid": self.msgid, "params": {k: _json(v) for k, v in self.params.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """The message of a JSON form made by :meth:`to_dict`."""
        return cls(str(data["msgid"]), {k: _param(v) for k, v in data.get("params", {}).items()})


Param = Union[str, int, float, None, Figure, Join, Message]  # noqa: UP007 - a runtime alias
"""A value of a message placeholder."""


def english(value: Param) -> str:
    """The English text of a placeholder value (a float as Python prints it).

    >>> english(0.995), english(3), english(None), english(Message(N_("%(x)s km"), {"x": 2}))
    ('0.995', '3', '–', '2 km')
    """
    if value is None:
        return MISSING
    return str(value)


def _json(value: Param) -> Any:
    if isinstance(value, Message):
        return value.to_dict()
    if isinstance(value, Figure):
        return {"value": None if value.missing else value.value, "format": value.format}
    if isinstance(value, Join):
        return {"join": value.sep, "items": [_json(v) for v in value.items]}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()  # type: ignore[union-attr]
    return value


def _param(data: Any) -> Param:
    if isinstance(data, Mapping):
        if "msgid" in data:
            return Message.from_dict(data)
        if "join" in data:
            return Join(tuple(_param(v) for v in data["items"]), str(data["join"]))
        return Figure(data.get("value"), str(data.get("format", "")))
    return data  # type: ignore[no-any-return]


def as_message(data: Message | Mapping[str, Any] | None) -> Message | None:
    """A :class:`Message` from either form (None stays None)."""
    if data is None or isinstance(data, Message):
        return data
    return Message.from_dict(data)


__all__ = ["MISSING", "N_", "Figure", "Join", "Message", "Param", "as_message", "english"]
