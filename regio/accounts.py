"""``regio users|tokens|library``: accounts, API tokens and the shipped scenario library.

Every command works on the scenario store of ``--state`` (default ``$REGIOKOMPAS_STATE`` or a
per-user data dir), the same one ``regio serve`` uses, and writes the audit log as ``cli``.

Examples::

    regio users add ann                      # asks for a password (twice)
    echo "$PW" | regio users add bob --admin --password-stdin
    regio tokens create ann --label laptop   # prints only the token
    regio tokens revoke 3f2a9c0d1e4b
    regio library restore                    # bring back the shipped scenarios
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from geo.errors import RegiokompasError
from regio.common import console, fail

if TYPE_CHECKING:
    from api.storage.store import SQLiteScenarioStore

StateOption = Annotated[
    Path | None,
    typer.Option(
        "--state", help="Directory of the scenario store (default: $REGIOKOMPAS_STATE or a "
        "per-user data dir)."
    ),
]  # fmt: skip

users_app = typer.Typer(
    help="Accounts: planners own scenarios, admins manage users and the library.",
    no_args_is_help=True,
)
tokens_app = typer.Typer(
    help="API tokens (sent as 'Authorization: Bearer ...').", no_args_is_help=True
)
library_app = typer.Typer(
    help="The shipped library scenarios (scenarios/*.yaml).", no_args_is_help=True
)


@contextmanager
def opened(state: Path | None) -> Iterator[SQLiteScenarioStore]:
    """The store of ``state``; any store or account problem stops with its message (exit 2)."""
    from api.storage.store import open_store

    try:
        store = open_store(state)
    except RegiokompasError as exc:
        fail(str(exc))
    try:
        yield store
    except RegiokompasError as exc:
        fail(str(exc))
    finally:
        store.close()


def read_password(from_stdin: bool) -> str:
    """The new password: one line of stdin, or asked twice without echo."""
    from api.safety.auth.passwords import WeakPassword, check_password

    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        return check_password(password)
    except WeakPassword as exc:
        fail(str(exc))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (lower-case letters, digits, _ . -).")],
    admin: Annotated[bool, typer.Option("--admin", help="Role admin (default: planner).")] = False,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (one line).")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Reset the password and role of an existing user.")
    ] = False,
    state: StateOption = None,
) -> None:
    """Add a user (asks for the password unless --password-stdin)."""
    from api.safety.auth.accounts import check_user_name
    from api.safety.auth.bootstrap import add_user

    try:
        check_user_name(name)
    except RegiokompasError as exc:
        fail(str(exc))
    password = read_password(password_stdin)
    with opened(state) as store:
        user = add_user(store, name, password, admin=admin, replace=replace)
    console.print(f"user {user.name} ({user.role}) {'updated' if replace else 'added'}")


@users_app.command("list")
def users_list(state: StateOption = None) -> None:
    """List the users with their role and number of API tokens."""
    with opened(state) as store:
        for user in store.list_users():
            tokens = len(store.list_credentials("token", user=user.name))
            typer.echo(f"{user.name}\t{user.role}\t{tokens} tokens\t{user.created_at}")


@users_app.command("remove")
def users_remove(name: str, state: StateOption = None) -> None:
    """Remove a user, their tokens and sessions (their scenarios stay, owned by nobody)."""
    with opened(state) as store:
        store.remove_user(name, actor="cli")
    console.print(f"user {name} removed")


@users_app.command("link")
def users_link(
    name: str,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Address of the server.")
    ] = "http://127.0.0.1:8000",
    state: StateOption = None,
) -> None:
    """Print a one-time login link for a user (valid 24 hours)."""
    from api.safety.auth.bootstrap import login_link

    with opened(state) as store:
        typer.echo(login_link(store, name, base_url))


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="The user the token acts for.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "",
    state: StateOption = None,
) -> None:
    """Create an API token; prints only the token (shown once, stored hashed)."""
    from api.safety.auth.bootstrap import create_token

    with opened(state) as store:
        token = create_token(store, name, label)
    typer.echo(token)


@tokens_app.command("list")
def tokens_list(state: StateOption = None) -> None:
    """List the API tokens (id, user, label; never the secret)."""
    with opened(state) as store:
        for cred in store.list_credentials("token"):
            typer.echo(f"{cred.id}\t{cred.user}\t{cred.label}\t{cred.created_at}")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[str, typer.Argument(help="Token id (the part before the dot).")],
    state: StateOption = None,
) -> None:
    """Revoke an API token by its id (the 12 hex digits after 'rk_')."""
    token_id = token_id.removeprefix("rk_").split(".", 1)[0]
    with opened(state) as store:
        if not store.remove_credential("token", token_id, actor="cli"):
            fail(f"unknown token id {token_id!r}; see regio tokens list")
    console.print(f"token {token_id} revoked")


@library_app.command("restore")
def library_restore(state: StateOption = None) -> None:
    """Store the shipped library scenarios again (deleted or changed ones come back)."""
    from api.storage.store import library_documents

    with opened(state) as store:
        changed = store.restore_library(library_documents(), actor="cli")
    console.print(f"restored: {', '.join(changed) if changed else 'nothing (all as shipped)'}")
