"""Tests of api.storage.store: the SQLite scenario store (atomic saves, versions, seeding,
checks)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from api.storage.store import (
    DB_NAME,
    SCHEMA_VERSION,
    ScenarioExists,
    ScenarioNotFound,
    SQLiteScenarioStore,
    StorageError,
    UnsafeScenarioId,
    check_scenario_id,
    document_sha256,
    library_documents,
    open_store,
)


def doc(name: str, note: str = "") -> dict:
    return {"name": name, "description": f"test {note}", "principles": [1], "edits": []}


@pytest.fixture
def store(tmp_path: Path) -> SQLiteScenarioStore:
    s = open_store(tmp_path, library_dir=None)
    yield s
    s.close()


def snapshot(store: SQLiteScenarioStore) -> list[tuple]:
    return [(s.id, s.version, s.revision, s.sha256, json.dumps(s.document)) for s in store.list()]


@pytest.mark.parametrize("good", ["a", "huidig", "swv_binnen_jeugdregio", "plan-2", "0" * 64])
def test_safe_ids_pass(good: str) -> None:
    assert check_scenario_id(good) == good


@pytest.mark.parametrize(
    "bad", ["../../x", "..", "", "A", "-a", "_a", "a/b", "a b", "a.yaml", "é", "0" * 65, None, 3]
)
def test_unsafe_ids_are_refused(bad: object) -> None:
    with pytest.raises(UnsafeScenarioId, match="not a safe slug"):
        check_scenario_id(bad)


def test_save_get_list_delete_round_trip(store: SQLiteScenarioStore) -> None:
    d = {"name": "plan", "description": "ëéü ok", "principles": [1, 3], "edits": [{"op": "x"}]}
    saved = store.save("plan", d)
    assert (saved.version, saved.source) == (1, "user")
    got = store.get("plan")
    assert got.document == d
    assert got.sha256 == document_sha256(d) == saved.sha256
    assert [s.id for s in store.list()] == ["plan"]
    store.delete("plan")
    with pytest.raises(ScenarioNotFound, match="unknown scenario 'plan'"):
        store.get("plan")
    with pytest.raises(ScenarioNotFound):
        store.delete("plan")


def test_replace_makes_a_new_version_and_revision(store: SQLiteScenarioStore) -> None:
    first = store.save("p", doc("p", "one"))
    second = store.save("p", doc("p", "two"), replace=True)
    assert (second.version, second.created_at) == (2, first.created_at)
    assert second.revision > first.revision
    assert store.revision("p") == second.revision
    assert store.get("p").document["description"] == "test two"


def test_existing_id_without_replace_changes_nothing(store: SQLiteScenarioStore) -> None:
    store.save("p", doc("p", "one"))
    before = snapshot(store)
    with pytest.raises(ScenarioExists, match="is taken"):
        store.save("p", doc("p", "two"))
    assert snapshot(store) == before


def test_revisions_are_never_reused_after_delete(store: SQLiteScenarioStore) -> None:
    r1 = store.save("p", doc("p")).revision
    store.delete("p")
    r2 = store.save("p", doc("p")).revision
    assert r2 > r1
    assert store.get("p").version == 1


def test_failed_save_stores_nothing(store: SQLiteScenarioStore) -> None:
    store.save("keep", doc("keep"))
    before = snapshot(store)
    with pytest.raises(StorageError, match="not JSON"):
        store.save("bad", {"name": "bad", "x": object()})
    with pytest.raises(UnsafeScenarioId):
        store.save("../../x", doc("x"))
    with pytest.raises(StorageError, match="source"):
        store.save("bad", doc("bad"), source="elsewhere")
    assert snapshot(store) == before
    assert not list(store.path.parent.glob("*x*"))


def test_pragmas_wal_and_full_sync(tmp_path: Path) -> None:
    store = open_store(tmp_path, library_dir=None)
    mode = store._conn.execute("PRAGMA journal_mode").fetchone()[0]
    sync = store._conn.execute("PRAGMA synchronous").fetchone()[0]
    version = store._conn.execute("PRAGMA user_version").fetchone()[0]
    store.close()
    assert (mode, sync, version) == ("wal", 2, SCHEMA_VERSION)  # 2 = FULL


def test_library_is_seeded_once_and_deletions_stick(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "huidig.yaml").write_text("name: huidig\ndescription: today\nedits: []\n")
    state = tmp_path / "state"
    store = open_store(state, library_dir=lib)
    assert [(s.id, s.source) for s in store.list()] == [("huidig", "library")]
    store.delete("huidig")
    store.close()
    (lib / "nieuw.yaml").write_text("name: nieuw\ndescription: new\nedits: []\n")
    store = open_store(state, library_dir=lib)
    assert [s.id for s in store.list()] == ["nieuw"]  # huidig stays deleted, nieuw is added
    assert store.get("nieuw").document == {"name": "nieuw", "description": "new", "edits": []}
    store.close()


def test_library_seed_does_not_overwrite_a_user_scenario(tmp_path: Path) -> None:
    store = open_store(tmp_path, library_dir=None)
    store.save("huidig", doc("huidig", "mine"))
    store.seed_library({"huidig": doc("huidig", "library")})
    assert store.get("huidig").document["description"] == "test mine"
    store.close()


def test_real_library_documents_are_read() -> None:
    docs = library_documents()
    assert {"huidig", "po_vo_samen", "swv_binnen_jeugdregio", "jeugdregio_41"} <= set(docs)
    assert all(d["name"] == name for name, d in docs.items())


def test_bad_library_file_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "kapot.yaml").write_text("- just\n- a list\n")
    with pytest.raises(StorageError, match="kapot.yaml: a scenario document must be a mapping"):
        library_documents(tmp_path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    open_store(tmp_path, library_dir=None).close()
    with sqlite3.connect(tmp_path / DB_NAME) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StorageError, match="newer than this regiokompas"):
        open_store(tmp_path, library_dir=None)


def test_not_a_database_is_refused_and_kept(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StorageError, match="not a usable scenario store"):
        open_store(tmp_path, library_dir=None)
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_verify_finds_a_tampered_document(store: SQLiteScenarioStore) -> None:
    store.save("p", doc("p"))
    assert store.verify() == []
    with sqlite3.connect(store.path) as conn:
        conn.execute("UPDATE scenarios SET document = ? WHERE id = 'p'", (json.dumps(doc("q")),))
    assert store.verify() == ["scenario 'p': checksum mismatch"]


def test_concurrent_saves_from_threads_all_land(store: SQLiteScenarioStore) -> None:
    def work(k: int) -> None:
        for i in range(10):
            store.save(f"t{k}-{i}", doc(f"t{k}-{i}", str(k * 100 + i)))
            store.get(f"t{k}-{i}")

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = store.list()
    assert len(stored) == 40
    assert len({s.revision for s in stored}) == 40
    assert store.verify() == []


def test_two_stores_on_one_file_see_each_other(tmp_path: Path) -> None:
    a = open_store(tmp_path, library_dir=None)
    b = open_store(tmp_path, library_dir=None)
    a.save("p", doc("p"))
    assert b.get("p").document == doc("p")
    a.close()
    b.close()


def test_read_connections_of_finished_threads_are_closed(tmp_path) -> None:
    """Thread pools retire idle workers; each new thread opens a read connection. The store
    closes the ones of finished threads, so a long-running server does not pile them up (the
    abuse benchmark's memory growth came from this)."""
    import threading

    store = open_store(tmp_path, library_dir=None)
    try:
        for _ in range(50):
            thread = threading.Thread(target=store.list)
            thread.start()
            thread.join()
        store.list()
        assert len(store._readers) <= 2
    finally:
        store.close()
