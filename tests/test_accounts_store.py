"""Accounts in the scenario store: schema migration in place, users, credentials, audit log,
ownership and the base/child rules checked inside one transaction."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from api.safety.auth.accounts import AccountError, AccountExists, AccountNotFound, User
from api.safety.auth.bootstrap import add_user, create_token, first_start
from api.safety.auth.credentials import matches, new_credential, parse_credential
from api.safety.auth.passwords import verify_password
from api.storage.schema import MIGRATIONS
from api.storage.store import (
    DB_NAME,
    MAX_BASE_DEPTH,
    SCHEMA_VERSION,
    BadBase,
    ScenarioInUse,
    ScenarioNotFound,
    open_store,
)


def doc(name: str, base: str | None = None) -> dict:
    d = {"name": name, "description": f"test {name}", "principles": [], "edits": []}
    if base is not None:
        d["base"] = base
    return d


@pytest.fixture
def store(tmp_path: Path):
    s = open_store(tmp_path, library_dir=None)
    yield s
    s.close()


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    """A store written by the previous release (schema 1) opens, keeps every scenario byte for
    byte, and gains accounts; existing scenarios are published with no owner."""
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    rows = [("huidig", doc("huidig"), "library"), ("kind", doc("kind", "huidig"), "user")]
    for i, (sid, d, source) in enumerate(rows, start=1):
        conn.execute(
            "INSERT INTO revisions (scenario_id, action, sha256, at) VALUES (?, 'save', 'x', 't')",
            (sid,),
        )
        conn.execute(
            "INSERT INTO scenarios VALUES (?, ?, 'x', 1, ?, ?, 't0', 't1')",
            (sid, json.dumps(d), i, source),
        )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()

    store = open_store(tmp_path, library_dir=None)
    try:
        assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        got = {s.id: s for s in store.list()}
        assert got["kind"].document == doc("kind", "huidig")
        assert (got["kind"].owner, got["kind"].visibility, got["kind"].revision) == (
            None,
            "published",
            2,
        )
        base = store._conn.execute("SELECT base FROM scenarios WHERE id='kind'").fetchone()[0]
        assert base == "huidig"  # the new base column is filled from the documents
        with pytest.raises(ScenarioInUse):  # so the delete check already sees the old child
            store.delete("huidig")
        add_user(store, "ann", "a long password")
        assert store.get_user("ann").role == "planner"
        # schema 3 keeps the current documents as the first kept versions
        assert [v.version for v in store.history("kind")] == [1]
        assert store.version_of("kind", 1).document == doc("kind", "huidig")
    finally:
        store.close()
    reopened = open_store(tmp_path, library_dir=None)  # opening again migrates nothing
    assert [s.id for s in reopened.list()] == ["huidig", "kind"]
    reopened.close()


def test_a_version_4_database_gains_the_shared_with_me_list(tmp_path: Path) -> None:
    """Schema 4 -> 5: users, share links and scenarios stay; the new list starts empty, keeps
    what a user opens and drops it when the link is revoked."""
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:4]:
        conn.executescript(script)
    conn.execute(
        "INSERT INTO scenarios (id, document, sha256, version, revision, source, created_at, "
        "updated_at, owner, visibility) VALUES ('plan', ?, 'x', 1, 1, 'user', 't', 't', "
        "'ann', 'private')",
        (json.dumps(doc("plan")),),
    )
    conn.execute("PRAGMA user_version = 4")
    conn.commit()
    conn.close()
    store = open_store(tmp_path, library_dir=None)
    try:
        assert store._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
        assert store.get("plan").owner == "ann" and store.history("plan")[0].version == 1
        add_user(store, "bob", "bob's long password")
        cred, token = new_credential("share", scenario_id="plan")
        store.add_credential(cred)
        assert store.shared_with("bob") == []
        assert store.remember_share("bob", cred.id, token) is True
        assert store.remember_share("bob", cred.id, token) is False  # once
        assert [e.token for e in store.shared_with("bob")] == [token]
        store.remove_credential("share", cred.id)
        assert store.shared_with("bob") == []
        assert store.remember_share("bob", cred.id, token) is False  # a revoked link
        assert store._conn.execute("SELECT COUNT(*) FROM shared_with").fetchone()[0] == 0
    finally:
        store.close()


def test_users_are_stored_with_argon2_hashes(store) -> None:
    add_user(store, "ann", "correct horse battery", admin=True)
    user = store.get_user("ann")
    assert user.role == "admin" and user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash
    assert verify_password("correct horse battery", user.password_hash)
    with pytest.raises(AccountExists):
        add_user(store, "ann", "another password")
    with pytest.raises(AccountError, match="not valid"):
        store.add_user(User("Ann Smith", "planner", "x"))
    with pytest.raises(AccountError, match="role"):
        store.add_user(User("bob", "root", "x"))
    assert [u.name for u in store.list_users()] == ["ann"]


def test_tokens_are_stored_hashed_and_die_with_their_user(store) -> None:
    add_user(store, "ann", "correct horse battery")
    text = create_token(store, "ann", "laptop")
    ident, secret = parse_credential(text)
    raw = store._conn.execute("SELECT secret_hash FROM credentials").fetchall()
    assert secret not in json.dumps(raw)  # only the hash is stored
    cred = store.get_credential("token", ident)
    assert cred.user == "ann" and cred.label == "laptop" and matches(cred, secret)
    store.save("mine", doc("mine"), owner="ann")
    store.remove_user("ann")
    assert store.get_credential("token", ident) is None
    assert store.get("mine").owner is None  # the scenario stays, owned by nobody
    with pytest.raises(AccountNotFound):
        store.remove_user("ann")
    with pytest.raises(AccountNotFound):
        create_token(store, "nobody")


def test_first_start_creates_one_admin_and_a_one_time_link(store) -> None:
    link = first_start(store, "http://localhost:8000/")
    assert link.startswith("http://localhost:8000/login/once?token=")
    assert [(u.name, u.role) for u in store.list_users()] == [("admin", "admin")]
    assert first_start(store, "http://localhost:8000") is None
    (login,) = store.list_credentials("login")
    assert login.user == "admin" and login.expires_at is not None and not login.expired()


def test_every_write_is_in_the_audit_log(store) -> None:
    add_user(store, "ann", "correct horse battery")
    saved = store.save("plan", doc("plan"), owner="ann", actor="ann")
    store.save("plan", doc("plan"), replace=True, actor="ann")
    store.set_visibility("plan", "published", actor="ann")
    share, _ = new_credential("share", scenario_id="plan")
    store.add_credential(share, actor="ann")
    store.remove_credential("share", share.id, actor="ann")
    store.delete("plan", actor="admin")
    log = [(e.actor, e.action, e.target) for e in reversed(store.audit_log())]
    assert log == [
        ("cli", "user.add", "ann"),
        ("ann", "scenario.create", "plan"),
        ("ann", "scenario.replace", "plan"),
        ("ann", "scenario.published", "plan"),
        ("ann", "share.create", "plan"),
        ("ann", "share.revoke", "plan"),
        ("admin", "scenario.delete", "plan"),
    ]
    revisions = [e.revision for e in reversed(store.audit_log())][1:4]
    assert revisions[0] == saved.revision and revisions[0] < revisions[1] < revisions[2]


def test_owner_and_visibility_defaults_and_replacement(store) -> None:
    new = store.save("p", doc("p"), owner="ann")
    assert (new.owner, new.visibility) == ("ann", "private")
    store.set_visibility("p", "published")
    again = store.save("p", doc("p"), replace=True)  # keeps owner and visibility
    assert (again.owner, again.visibility) == ("ann", "published")
    assert store.get("p").revision == again.revision


def test_base_must_exist_inside_the_save_transaction(store) -> None:
    with pytest.raises(BadBase, match="unknown scenario 'weg'"):
        store.save("kind", doc("kind", "weg"))
    assert store.list() == []
    store.save("a", doc("a"))
    with pytest.raises(BadBase, match="cycle"):
        store.save("a", doc("a", "a"), replace=True)


def test_chain_depth_limit_is_the_one_shown(store) -> None:
    store.save("chain-1", doc("chain-1"))
    for i in range(2, MAX_BASE_DEPTH + 1):
        store.save(f"chain-{i}", doc(f"chain-{i}", f"chain-{i - 1}"))
    with pytest.raises(BadBase, match=f"deeper than {MAX_BASE_DEPTH}"):
        store.save("chain-x", doc("chain-x", f"chain-{MAX_BASE_DEPTH}"))


def test_deleting_a_base_and_adding_a_child_never_leave_an_orphan(tmp_path: Path) -> None:
    """Many rounds of a delete racing a child save on two connections: afterwards either the
    base is gone and no child points to it, or the child exists and so does its base."""
    stores = [open_store(tmp_path, library_dir=None) for _ in range(2)]
    outcomes = set()
    try:
        for i in range(30):
            stores[0].save(f"base-{i}", doc(f"base-{i}"))
            barrier = threading.Barrier(2)

            def delete(i: int = i, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                try:
                    stores[0].delete(f"base-{i}")
                except ScenarioInUse:
                    pass

            def child(i: int = i, barrier: threading.Barrier = barrier) -> None:
                barrier.wait()
                try:
                    stores[1].save(f"child-{i}", doc(f"child-{i}", f"base-{i}"))
                except BadBase:
                    pass

            threads = [threading.Thread(target=delete), threading.Thread(target=child)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            ids = {s.id for s in stores[0].list()}
            has_base, has_child = f"base-{i}" in ids, f"child-{i}" in ids
            assert has_base or not has_child, f"round {i}: child without its base"
            outcomes.add((has_base, has_child))
    finally:
        for s in stores:
            s.close()
    assert outcomes <= {(True, True), (False, False)}


def test_delete_removes_share_links(store) -> None:
    store.save("p", doc("p"))
    share, _ = new_credential("share", scenario_id="p")
    store.add_credential(share)
    store.delete("p")
    assert store.list_credentials("share") == []
    with pytest.raises(ScenarioNotFound):
        store.delete("p")


def test_the_deepest_stored_chain_can_be_shown(store) -> None:
    """The same limit when stored and when shown: the deepest chain the store accepts is one
    the evaluator applies (chain-16 used to be stored but never shown)."""
    from api.compute.cache import EvaluationCache
    from api.compute.evaluator import ScenarioEvaluator
    from fixtures.synthetic import synthetic_dataset

    store.save("chain-1", doc("chain-1"))
    for i in range(2, MAX_BASE_DEPTH + 1):
        store.save(f"chain-{i}", doc(f"chain-{i}", f"chain-{i - 1}"))
    evaluator = ScenarioEvaluator(synthetic_dataset(), store, EvaluationCache())
    deepest = f"chain-{MAX_BASE_DEPTH}"
    assert len(evaluator.chain(deepest)) == MAX_BASE_DEPTH
    assert "jeugdregio" in evaluator.divisions(deepest)


def test_removing_a_user_disowns_their_scenarios_with_a_new_revision(store) -> None:
    """A user added again under the same name does not get the old scenarios back, also not
    through a cache keyed by revision."""
    add_user(store, "ann", "correct horse battery")
    before = store.save("mine", doc("mine"), owner="ann").revision
    store.remove_user("ann")
    after = store.get("mine")
    assert after.owner is None and after.revision > before
