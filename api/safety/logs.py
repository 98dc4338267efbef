"""Secrets never reach the logs: share links and one-time login links are redacted.

Rule: the access log line of a request shows ``/share/[redacted]`` instead of a share link's
token, and ``[redacted]`` as the value of the ``share``, ``token`` and ``csrf_token`` query
parameters (share links on map pages, one-time login links), whoever logs it (uvicorn's
access log, issue 16 F13). :func:`install_log_redaction` adds the filter to the
``uvicorn.access`` logger (and to any other logger named); :func:`create_app` calls it, after
uvicorn configured its logging.

>>> redact("/maps/x?division=swv_po&share=abc.def&weight=area")
'/maps/x?division=swv_po&share=[redacted]&weight=area'
>>> redact("/share/abc.def?x=1"), redact("/login/once?token=s3cret")
('/share/[redacted]?x=1', '/login/once?token=[redacted]')
"""

from __future__ import annotations

import logging
import re

SECRET_PARAMS = ("share", "token", "csrf_token")
"""Query parameters whose values are secrets."""

REDACTED = "[redacted]"

_PATH = re.compile(r"/share/[^/?#\s]+")
_QUERY = re.compile(r"([?&](?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s]*", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with every share token and secret query value replaced by ``[redacted]``."""
    return _QUERY.sub(r"\g<1>" + REDACTED, _PATH.sub("/share/" + REDACTED, text))


class RedactSecrets(logging.Filter):
    """A logging filter that redacts secrets in a record's message and string arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def install_log_redaction(*names: str) -> None:
    """Add :class:`RedactSecrets` (once) to ``uvicorn.access`` and the loggers ``names``."""
    for name in ("uvicorn.access", *names):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
