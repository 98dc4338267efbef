"""Tests for geo.data.names."""

from __future__ import annotations

import pytest

from geo.data.names import DUO_ALIASES, match_names, normalise_name
from geo.errors import SourceError


def test_spellings_of_the_regeling_match_cbs() -> None:
    cbs = {
        "GM1900": "Súdwest-Fryslân",
        "GM0820": "Nuenen. Gerwen en Nederwetten",
        "GM0518": "'s-Gravenhage",
    }
    got = match_names(
        ["Sudwest Fryslan", "Nuenen, Gerwen en Nederwetten", "S GRAVENHAGE"], cbs, source="t"
    )
    assert got == {
        "Sudwest Fryslan": "GM1900",
        "Nuenen, Gerwen en Nederwetten": "GM0820",
        "S GRAVENHAGE": "GM0518",
    }


def test_province_qualifier_only_when_unique() -> None:
    cbs = {"GM1": "Hengelo (O.)", "GM2": "Bergen (L.)", "GM3": "Bergen (NH.)"}
    assert match_names(["HENGELO"], cbs, source="t") == {"HENGELO": "GM1"}
    assert match_names(["BERGEN LB"], cbs, source="t", aliases=DUO_ALIASES) == {"BERGEN LB": "GM2"}
    with pytest.raises(SourceError, match=r"not matched: \['BERGEN'\]"):
        match_names(["BERGEN"], cbs, source="t")


def test_normalise_is_idempotent() -> None:
    for name in ["'s-Hertogenbosch", "Súdwest-Fryslân", "Bergen (NH.)"]:
        assert normalise_name(normalise_name(name)) == normalise_name(name)
