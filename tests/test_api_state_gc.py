"""api.state.freeze_long_lived: off unless REGIOKOMPAS_GC_FREEZE=1 (regio serve sets it)."""

from __future__ import annotations

import gc

import pytest

from api.state import GC_FREEZE_SETTING, freeze_long_lived


def test_freezing_is_off_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(GC_FREEZE_SETTING, raising=False)
    before = gc.get_freeze_count()
    assert freeze_long_lived() is False
    assert gc.get_freeze_count() == before


def test_freezing_moves_live_objects_to_the_permanent_generation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(GC_FREEZE_SETTING, "1")
    kept = [[i] for i in range(1000)]  # tracked containers alive now
    try:
        assert freeze_long_lived() is True
        assert gc.get_freeze_count() >= len(kept)
    finally:
        gc.unfreeze()
