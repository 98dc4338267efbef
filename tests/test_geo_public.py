"""``geo`` names the public verbs (``from geo import load, score, apply_scenario``), lazily."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import geo

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(geo.VERBS))
def test_each_verb_is_the_object_in_its_home_module(name: str) -> None:
    module, attribute = geo.VERBS[name].split(":")
    assert getattr(geo, name) is getattr(importlib.import_module(module), attribute)


def test_a_planners_imports() -> None:
    from geo import apply_scenario, load, score
    from geo.data.store import load_dataset
    from geo.overlap.score import score as engine_score
    from geo.scenarios.apply import apply_scenario as engine_apply

    assert (load, score, apply_scenario) == (load_dataset, engine_score, engine_apply)


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        geo.nope  # noqa: B018


def test_import_geo_stays_light() -> None:
    """``import geo`` loads none of the heavy libraries (the CLI's start-up depends on it)."""
    code = (
        "import sys, geo; heavy = ('pandas', 'numpy', 'geopandas', 'shapely', 'ortools', "
        "'fastapi'); print(','.join(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == ""
