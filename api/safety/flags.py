"""One meaning of a yes/no request flag such as ``replace``.

Rule: a flag is true only as JSON ``true`` or the text ``true``; false as JSON ``false``, the
text ``false``, ``null`` or when it is absent. Every other spelling (``t``, ``y``, ``1``,
``on``, ``yes``, ``True``, numbers, lists ...) is refused with 422 naming the field, by the
access policy (:mod:`api.safety.auth.policy`) and by the route alike (:data:`StrictFlag`), so no
spelling can mean "replace" to the route and "no" to the ownership check.

>>> parse_flag("true"), parse_flag(False), parse_flag(None)
(True, False, False)
>>> parse_flag("t")
Traceback (most recent call last):
api.safety.flags.BadFlag: replace: must be true or false, not 't'
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

TRUE, FALSE = "true", "false"


class BadFlag(ValueError):
    """A flag spelled other than ``true``/``false``."""


def parse_flag(value: Any, field: str = "replace") -> bool:
    """``value`` as a strict boolean (see the module rule); :class:`BadFlag` otherwise."""
    if value is True or (isinstance(value, str) and value == TRUE):
        return True
    if value is False or value is None or (isinstance(value, str) and value == FALSE):
        return False
    shown = value if isinstance(value, str | int | float) else type(value).__name__
    raise BadFlag(f"{field}: must be true or false, not {str(shown)[:40]!r}")


def _validate(value: Any) -> bool:
    try:
        return parse_flag(value)
    except BadFlag as exc:  # pydantic reports a ValueError as the field's 422 message
        raise ValueError(str(exc).partition(": ")[2]) from None


StrictFlag = Annotated[bool, BeforeValidator(_validate)]
"""A ``bool`` field, query or form parameter that accepts only :func:`parse_flag`'s spellings."""
