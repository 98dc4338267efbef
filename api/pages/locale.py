"""The reader's language: the remembered switch (cookie) > ``Accept-Language`` > Dutch.

Pages take it as a dependency, ``locale: str = Depends(get_locale)``; the language switch
(``/taal/{locale}``, :mod:`api.routers.pages`) stores the choice in :data:`LOCALE_COOKIE`.
The dependency reads the request itself (no declared cookie or header parameter), so it adds
nothing to the OpenAPI schema.
"""

from __future__ import annotations

from fastapi import Request

from maps.i18n import negotiate

LOCALE_COOKIE = "regio_taal"
"""Cookie holding the chosen locale (``nl`` or ``en``), set by the language switch."""

LOCALE_COOKIE_SECONDS = 365 * 24 * 3600
"""How long the choice is remembered (a year)."""


def get_locale(request: Request) -> str:
    """The locale of ``request`` (:func:`maps.i18n.negotiate` of its cookie and header)."""
    return negotiate(request.cookies.get(LOCALE_COOKIE), request.headers.get("accept-language"))
