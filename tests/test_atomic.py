"""Tests of geo.atomic: the target is replaced by complete content or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.atomic import AtomicFile, write_atomic


def test_text_bytes_and_writer(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "a.bin"
    write_atomic(target, "tekst é")
    assert target.read_text(encoding="utf-8") == "tekst é"
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    write_atomic(target, lambda tmp: tmp.write_bytes(b"via writer"))
    assert target.read_bytes() == b"via writer"
    assert [p.name for p in target.parent.iterdir()] == ["a.bin"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")

    def half(tmp: Path) -> None:
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, half)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_atomic_file_commits_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with AtomicFile(target) as sink:
            sink.write(b"partial")
            raise RuntimeError("stream broke")
    assert target.read_text() == "old"
    with AtomicFile(target) as sink:
        sink.write(b"complete")
        assert target.read_text() == "old"  # not visible before commit
    assert target.read_text() == "complete"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]
