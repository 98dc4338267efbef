"""The API models match the engine's dataclasses (so the OpenAPI contract cannot drift)."""

from __future__ import annotations

import dataclasses
import typing

from api import models
from fixtures.synthetic import synthetic_dataset
from geo.overlap import score
from geo.overlap.score import RegionScore, Score


def test_region_score_fields_and_types_are_the_engines() -> None:
    engine = RegionScore
    engine_hints = typing.get_type_hints(engine)
    api_hints = typing.get_type_hints(models.RegionScore)
    names = [f.name for f in dataclasses.fields(engine)]
    assert list(models.RegionScore.model_fields) == names
    assert {n: api_hints[n] for n in names} == {n: engine_hints[n] for n in names}


def test_score_out_fields_are_the_engines_json_keys() -> None:
    engine = Score
    json_fields = [f.name for f in dataclasses.fields(engine) if f.name != "contingency"]
    assert list(models.ScoreOut.model_fields) == json_fields


def test_a_real_score_round_trips_through_the_api_models() -> None:
    ds = synthetic_dataset()
    result = score(
        ds.division("swv_po"), ds.division("jeugdregio"), ds.weight("pupils_po"), weight_name="p"
    ).to_dict()
    out = models.ScoreOut.model_validate(result).model_dump()
    assert out == result
    summary_fields = set(models.ScoreSummary.model_fields)
    assert summary_fields <= set(result["summary"]), "the API names a summary key the engine lacks"
