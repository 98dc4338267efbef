"""Numbers and dates in the reader's language, through Babel (CLDR), one rule per kind of figure.

Rule: the same figure is rounded the same way on every page. Metrics (0-1 scores) have 3
decimals, counts and weights are whole numbers with group separators (non-integer weights get
1 decimal), percentages have 1 decimal unless asked otherwise. Missing values (None, NaN) are
'–'.

>>> format_metric(0.83412, "nl"), format_metric(0.83412, "en"), format_metric(None, "nl")
('0,834', '0.834', '–')
>>> format_number(17942942, "nl"), format_weight(198.367, "nl"), format_percent(0.391, "nl")
('17.942.942', '198,4', '39,1%')
>>> import datetime; format_date(datetime.date(2026, 12, 6), "nl")
'6 december 2026'
"""

from __future__ import annotations

import datetime as _dt
import math
from numbers import Real

from babel import dates as _dates
from babel import numbers as _numbers

from maps.i18n.catalog import gettext

MISSING = "–"
"""Shown for a missing figure."""

METRIC_DIGITS = 3
"""Decimals of a 0-1 metric (congruence, containment, ARI, NMI, VI)."""


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_number(value: object, locale: str) -> str:
    """A whole number with the locale's group separator (rounded half to even by Babel).

    >>> format_number(45534, "nl"), format_number(45534, "en"), format_number(2.6, "nl")
    ('45.534', '45,534', '3')
    """
    if _missing(value):
        return MISSING
    return _numbers.format_decimal(round(float(value)), format="#,##0", locale=locale)  # type: ignore[arg-type]


def format_decimal(value: object, locale: str, *, digits: int = 2) -> str:
    """A number with exactly ``digits`` decimals and group separators.

    >>> format_decimal(5157.0, "nl", digits=1), format_decimal(0.8, "en")
    ('5.157,0', '0.80')
    """
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return _numbers.format_decimal(float(value), format=pattern, locale=locale)  # type: ignore[arg-type]


def format_percent(value: object, locale: str, *, digits: int = 1) -> str:
    """A share (0.391) as a percentage with ``digits`` decimals ('39,1%' in Dutch).

    >>> format_percent(1.0, "nl", digits=0), format_percent(0.0008, "en", digits=4)
    ('100%', '0.0800%')
    """
    if _missing(value):
        return MISSING
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return _numbers.format_percent(float(value), format=pattern, locale=locale)  # type: ignore[arg-type]


def format_metric(value: object, locale: str) -> str:
    """A summary metric: floats to :data:`METRIC_DIGITS` decimals (whole numbers from 1,000 up),
    integers whole, booleans as yes/no in the locale's words.

    >>> format_metric(True, "nl"), format_metric(42, "nl"), format_metric(5157.25, "nl")
    ('ja', '42', '5.157')
    """
    if _missing(value):
        return MISSING
    if isinstance(value, bool):
        _ = gettext(locale)
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return format_number(value, locale)
    if isinstance(value, Real):
        number = float(value)
        if abs(number) >= 1000:
            return format_number(number, locale)
        return format_decimal(number, locale, digits=METRIC_DIGITS)
    return str(value)


def format_weight(value: object, locale: str) -> str:
    """A weight or count: whole numbers with group separators, others to 1 decimal.

    >>> format_weight(243768.0, "nl"), format_weight(float("nan"), "nl")
    ('243.768', '–')
    """
    if _missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if number.is_integer():
        return format_number(number, locale)
    return format_decimal(number, locale, digits=1)


def format_date(value: _dt.date | _dt.datetime, locale: str, *, style: str = "long") -> str:
    """A date in the locale's ``style`` ('6 december 2026' long in Dutch).

    >>> import datetime; format_date(datetime.date(2026, 12, 6), "en")
    'December 6, 2026'
    """
    return _dates.format_date(value, format=style, locale=locale)
