"""Password hashes with Argon2id (pwdlib's recommended settings); never stored in clear.

>>> digest = hash_password("correct horse battery staple")
>>> digest.startswith("$argon2id$")
True
>>> verify_password("correct horse battery staple", digest), verify_password("nope", digest)
(True, False)
"""

from __future__ import annotations

import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

MIN_PASSWORD_LENGTH = 10
"""Shortest password accepted for an account."""

_HASHER = PasswordHash((Argon2Hasher(),))


class WeakPassword(ValueError):
    """A password too short to be accepted."""


def check_password(password: str) -> str:
    """Return ``password`` if it is long enough, else raise :class:`WeakPassword`.

    >>> check_password("short")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    api.safety.auth.passwords.WeakPassword: password: at least 10 characters are needed (got 5)
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(
            f"password: at least {MIN_PASSWORD_LENGTH} characters are needed (got {len(password)})"
        )
    return password


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (salted; a new salt every call)."""
    return _HASHER.hash(password)


def verify_password(password: str, digest: str) -> bool:
    """True when ``password`` matches ``digest``; False for a wrong or malformed hash."""
    try:
        return _HASHER.verify(password, digest)
    except Exception:  # noqa: BLE001 - a malformed stored hash never logs anyone in
        return False


def random_password() -> str:
    """A random password (24 URL-safe characters, ~144 bits) for a generated account."""
    return secrets.token_urlsafe(18)
