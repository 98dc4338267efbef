"""``regio users|tokens|library``: accounts, API tokens and the library, on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.safety.auth.credentials import matches, parse_credential
from api.safety.auth.passwords import verify_password
from api.storage.store import library_documents, open_store
from regio import app

runner = CliRunner()


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REGIOKOMPAS_STATE", str(tmp_path))
    return tmp_path


def invoke(*args: str, stdin: str | None = None):
    return runner.invoke(app, list(args), input=stdin)


def test_users_add_list_remove(state: Path) -> None:
    added = invoke("users", "add", "ann", "--password-stdin", stdin="a very long secret\n")
    assert added.exit_code == 0, added.output
    admin = invoke("users", "add", "root", "--admin", stdin="another secret!\nanother secret!\n")
    assert admin.exit_code == 0, admin.output  # asked twice (prompt with confirmation)
    listed = invoke("users", "list")
    lines = [line.split("\t")[:2] for line in listed.stdout.splitlines()]
    assert lines == [["ann", "planner"], ["root", "admin"]]
    store = open_store(state, library_dir=None)
    assert verify_password("a very long secret", store.get_user("ann").password_hash)
    store.close()
    assert invoke("users", "remove", "ann").exit_code == 0
    gone = invoke("users", "remove", "ann")
    assert gone.exit_code == 2 and "unknown user 'ann'" in gone.output


def test_users_add_refuses_bad_input_and_keeps_the_store(state: Path) -> None:
    short = invoke("users", "add", "ann", "--password-stdin", stdin="short\n")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    bad = invoke("users", "add", "Ann Smith", "--password-stdin", stdin="long enough pw\n")
    assert bad.exit_code == 2 and "not valid" in bad.output
    invoke("users", "add", "ann", "--password-stdin", stdin="long enough pw\n")
    twice = invoke("users", "add", "ann", "--password-stdin", stdin="other long pw\n")
    assert twice.exit_code == 2 and "exists already" in twice.output
    store = open_store(state, library_dir=None)
    assert verify_password("long enough pw", store.get_user("ann").password_hash)
    store.close()
    reset = invoke("users", "add", "ann", "--replace", "--password-stdin", stdin="other long pw\n")
    assert reset.exit_code == 0
    store = open_store(state, library_dir=None)
    assert verify_password("other long pw", store.get_user("ann").password_hash)
    store.close()


def test_tokens_create_prints_only_the_token_and_revoke_works(state: Path) -> None:
    invoke("users", "add", "ann", "--password-stdin", stdin="long enough pw\n")
    created = invoke("tokens", "create", "ann", "--label", "laptop")
    assert created.exit_code == 0
    (token,) = created.stdout.splitlines()
    assert created.stdout == token + "\n" and token.startswith("rk_")
    ident, secret = parse_credential(token)
    store = open_store(state, library_dir=None)
    cred = store.get_credential("token", ident)
    assert cred.user == "ann" and cred.label == "laptop" and matches(cred, secret)
    store.close()
    listed = invoke("tokens", "list").stdout
    assert ident in listed and secret not in listed
    assert invoke("tokens", "revoke", ident).exit_code == 0
    again = invoke("tokens", "revoke", ident)
    assert again.exit_code == 2 and "unknown token id" in again.output
    nobody = invoke("tokens", "create", "nobody")
    assert nobody.exit_code == 2 and nobody.stdout == ""


def test_library_restore_brings_back_the_shipped_versions(state: Path) -> None:
    store = open_store(state)
    shipped = store.get("huidig").document
    store.delete("po_vo_samen")
    store.save("huidig", {**shipped, "description": "vandalised"}, replace=True, owner="eve")
    store.close()
    restored = invoke("library", "restore")
    assert restored.exit_code == 0 and "huidig, po_vo_samen" in restored.output
    store = open_store(state)
    huidig = store.get("huidig")
    assert huidig.document == library_documents()["huidig"] and huidig.owner is None
    assert huidig.source == "library" and huidig.visibility == "published" and huidig.version == 3
    assert store.get("po_vo_samen").document == library_documents()["po_vo_samen"]
    assert {e.action for e in store.audit_log()} >= {"library.restore"}
    store.close()
    assert "nothing" in invoke("library", "restore").output


def test_users_link_prints_a_one_time_login_link(state: Path) -> None:
    invoke("users", "add", "ann", "--password-stdin", stdin="long enough pw\n")
    out = invoke("users", "link", "ann", "--base-url", "https://regio.example.nl")
    assert out.exit_code == 0 and out.stdout.startswith("https://regio.example.nl/login/once?")
