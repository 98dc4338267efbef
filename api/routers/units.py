"""``/api/units``: gemeenten with their weights and memberships in every division."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Depends, HTTPException, Path
from fastapi.responses import Response
from pydantic import TypeAdapter

from api.deps import ScenarioEvaluator, ScenarioQuery, cached_response, get_evaluator
from api.models import ERROR_RESPONSES, MembershipOut, UnitOut
from geo.dataset import WEIGHTS
from geo.division import Division

router = APIRouter(prefix="/api/units", tags=["units"], responses=ERROR_RESPONSES)


def memberships_table(divisions: dict[str, Division]) -> pd.DataFrame:
    """Long table ``division, unit, region, name, share`` of all divisions (largest share first).

    >>> from fixtures.synthetic import synthetic_dataset
    >>> t = memberships_table(synthetic_dataset().divisions)
    >>> t[(t.unit == "GM0000") & (t.division == "swv_po")][["region", "share"]].values.tolist()
    [['C0', 0.5], ['GEEN', 0.5]]
    """
    frames = []
    for name, division in sorted(divisions.items()):
        m = division.membership
        names = {**division.region_names, "GEEN": "geen regio"}
        frames.append(m.assign(division=name, name=m["region"].map(names).fillna(m["region"])))
    return pd.concat(frames, ignore_index=True)[["division", "unit", "region", "name", "share"]]


def build_units(evaluator: ScenarioEvaluator, scenario: str | None) -> dict[str, UnitOut]:
    """Every gemeente as :class:`UnitOut` (cached per scenario revision)."""

    def compute() -> dict[str, UnitOut]:
        dataset = evaluator.dataset
        table = memberships_table(evaluator.divisions(scenario))
        grouped: dict[str, dict[str, list[MembershipOut]]] = {}
        for division, unit, region, name, share in table.itertuples(index=False):
            grouped.setdefault(unit, {}).setdefault(division, []).append(
                MembershipOut(region=region, name=name, share=float(share))
            )
        weights = dataset.units[list(WEIGHTS.values())].astype(float)
        weights.columns = list(WEIGHTS)
        out: dict[str, UnitOut] = {}
        for code, name, row in zip(
            dataset.units.index,
            dataset.units["name"],
            weights.to_dict(orient="records"),
            strict=True,
        ):
            out[str(code)] = UnitOut(
                code=str(code), name=str(name), weights=row, memberships=grouped.get(code, {})
            )
        return out

    return evaluator.cache.get_or_compute(("units", evaluator.key(scenario)), compute)


UNIT_LIST = TypeAdapter(list[UnitOut])


@router.get("", response_model=list[UnitOut], summary="Gemeenten with memberships and weights")
def list_units(
    scenario: ScenarioQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> Response:
    """All gemeenten (2025) with their weights and their regions in every division.

    Example: ``GET /api/units?scenario=swv_binnen_jeugdregio``.
    """
    return cached_response(
        evaluator,
        ("units_json", evaluator.key(scenario)),
        lambda: UNIT_LIST.dump_json(list(build_units(evaluator, scenario).values())),
    )


@router.get("/{code}", response_model=UnitOut, summary="One gemeente")
def unit_detail(
    code: Annotated[str, Path(max_length=16, description="gemeente code, e.g. GM0363")],
    scenario: ScenarioQuery = None,
    evaluator: ScenarioEvaluator = Depends(get_evaluator),
) -> UnitOut:
    """One gemeente by CBS code (``GM0363`` = Amsterdam); 404 names an unknown code."""
    units = build_units(evaluator, scenario)
    if code not in units:
        raise HTTPException(404, f"unknown unit {code!r}; gemeente codes look like 'GM0363'")
    return units[code]
