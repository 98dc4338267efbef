"""Random secrets and their stored hashes: API tokens, sessions, share links, login links.

Rule: a credential is ``<id>.<secret>`` (API tokens start with ``rk_``). The ``id`` is public
(the key to look it up and to revoke it, e.g. ``regio tokens revoke ID``); the ``secret`` has
256 random bits and only its SHA-256 is stored, so a leaked database holds no usable
credential. A high-entropy secret needs no slow hash; checks compare in constant time.

>>> cred, text = new_credential("token", user="ann")
>>> text.startswith("rk_") and parse_credential(text)[0] == cred.id
True
>>> matches(cred, parse_credential(text)[1]), matches(cred, "wrong")
(True, False)
>>> parse_credential("garbage") is None
True
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

KINDS = ("token", "session", "share", "login")
"""``token`` API token, ``session`` browser session, ``share`` read-only link, ``login``
one-time login link."""

TOKEN_PREFIX = "rk_"
_FORMAT = re.compile(r"^(?:rk_)?([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class Credential:
    """One stored credential (never its secret, only the secret's hash)."""

    id: str
    kind: str
    secret_hash: str
    user: str | None = None
    """The account it acts for (``None`` for a share link)."""
    scenario_id: str | None = None
    """The scenario a share link shows."""
    label: str = ""
    csrf: str | None = None
    """A session's CSRF token (sent back in forms and the ``X-CSRF-Token`` header)."""
    created_at: str = ""
    expires_at: str | None = None
    """ISO time after which it is refused (``None``: until revoked)."""

    def expired(self, now: datetime | None = None) -> bool:
        """True once ``expires_at`` has passed."""
        if self.expires_at is None:
            return False
        return datetime.fromisoformat(self.expires_at) <= (now or datetime.now(UTC))


def secret_hash(secret: str) -> str:
    """SHA-256 hex of a secret (what the store keeps)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def now_iso() -> str:
    """The current UTC time as ISO text."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_credential(
    kind: str,
    *,
    user: str | None = None,
    scenario_id: str | None = None,
    label: str = "",
    lifetime: timedelta | None = None,
) -> tuple[Credential, str]:
    """A new credential and its secret text (shown once, to whoever asked for it)."""
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    ident = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    cred = Credential(
        id=ident,
        kind=kind,
        secret_hash=secret_hash(secret),
        user=user,
        scenario_id=scenario_id,
        label=label,
        csrf=secrets.token_urlsafe(32) if kind == "session" else None,
        created_at=now.isoformat(timespec="seconds"),
        expires_at=(now + lifetime).isoformat(timespec="seconds") if lifetime else None,
    )
    prefix = TOKEN_PREFIX if kind == "token" else ""
    return cred, f"{prefix}{ident}.{secret}"


def parse_credential(text: str | None) -> tuple[str, str] | None:
    """``(id, secret)`` of a credential text, or ``None`` when it is malformed."""
    if not text or len(text) > 100:
        return None
    match = _FORMAT.fullmatch(text.strip())
    return (match.group(1), match.group(2)) if match else None


def matches(cred: Credential, secret: str) -> bool:
    """True when ``secret`` is the credential's secret (constant-time comparison)."""
    return hmac.compare_digest(cred.secret_hash, secret_hash(secret))
