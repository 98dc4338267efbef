"""First start and operator helpers: accounts and one-time login links.

Rule (like Jupyter): a store without any user gets an ``admin`` account with a random password
nobody is shown, plus a one-time login link valid for :data:`LOGIN_LINK_LIFETIME`; ``regio
serve`` prints the link. Opening it logs the browser in once (the link is then spent); the admin
sets a password with ``regio users add admin --admin --replace`` or asks for a new link with
``regio users link admin``.

>>> import tempfile; from api.storage.store import open_store
>>> store = open_store(tempfile.mkdtemp(), library_dir=None)
>>> link = first_start(store, "http://127.0.0.1:8000")
>>> link.startswith("http://127.0.0.1:8000/login/once?token=")
True
>>> first_start(store, "http://127.0.0.1:8000") is None  # users exist now
True
>>> [(u.name, u.role) for u in store.list_users()]
[('admin', 'admin')]
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from api.safety.auth.accounts import AccountNotFound, AccountStore, User
from api.safety.auth.credentials import new_credential
from api.safety.auth.passwords import hash_password, random_password

FIRST_ADMIN = "admin"
LOGIN_LINK_LIFETIME = timedelta(hours=24)
"""How long a one-time login link can be used."""


def add_user(
    store: AccountStore,
    name: str,
    password: str,
    *,
    admin: bool = False,
    replace: bool = False,
    actor: str = "cli",
) -> User:
    """Create (or with ``replace`` reset) an account with an Argon2 hash of ``password``."""
    role = "admin" if admin else "planner"
    user = User(name=name, role=role, password_hash=hash_password(password))
    store.add_user(user, replace=replace, actor=actor)
    return user


def create_token(store: AccountStore, name: str, label: str = "", *, actor: str = "cli") -> str:
    """A new API token for user ``name`` (returned once; only its hash is stored)."""
    if store.get_user(name) is None:
        raise AccountNotFound(f"unknown user {name!r}")
    cred, text = new_credential("token", user=name, label=label)
    store.add_credential(cred, actor=actor)
    return text


def login_link(store: AccountStore, name: str, base_url: str, *, actor: str = "cli") -> str:
    """A one-time login link for user ``name`` (valid :data:`LOGIN_LINK_LIFETIME`)."""
    if store.get_user(name) is None:
        raise AccountNotFound(f"unknown user {name!r}")
    cred, text = new_credential("login", user=name, lifetime=LOGIN_LINK_LIFETIME)
    store.add_credential(cred, actor=actor)
    return f"{base_url.rstrip('/')}/login/once?{urlencode({'token': text})}"


def first_start(store: AccountStore, base_url: str) -> str | None:
    """With no users: create :data:`FIRST_ADMIN` and return a one-time login link; else None."""
    if store.list_users():
        return None
    add_user(store, FIRST_ADMIN, random_password(), admin=True, actor="first-start")
    return login_link(store, FIRST_ADMIN, base_url, actor="first-start")
