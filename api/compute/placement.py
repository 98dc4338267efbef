"""Placement of a stored scenario among the valid divisions, when the server has a space.

Rule: the server's space is the directory named by ``REGIOKOMPAS_SPACE`` (written by
``regio space build``, docs/space.md). The placement is the reported check ``space``
(:func:`geo.space.verdict.space_result`) of the scenario's ``swv``, else its ``swv_po``, cached
per scenario revision (its base chain) and space build (the manifest's time). Without a space
nothing is computed and pages say how to build one; a space that cannot be read is an error the
caller shows, never a broken page.
"""

from __future__ import annotations

import os
from typing import Any

from api.compute.evaluator import ScenarioEvaluator
from geo.checks.base import CheckResult
from geo.division import Division
from geo.errors import RegiokompasError

ENV = "REGIOKOMPAS_SPACE"


def space_dirs() -> list[str]:
    """The server's space directories: ``REGIOKOMPAS_SPACE`` names one, or several separated by
    the path separator (one per jeugdregio division, e.g. ``space42:space41``)."""
    return [d for d in (os.environ.get(ENV) or "").split(os.pathsep) if d]


def space_dir() -> str | None:
    """The space pages place scenarios in (the first of :func:`space_dirs`), or None."""
    dirs = space_dirs()
    return dirs[0] if dirs else None


def spaces() -> dict[str, str]:
    """The readable spaces by the jeugdregio division they were built for (first one wins)."""
    from geo.space.placement import space_settings

    out: dict[str, str] = {}
    for d in space_dirs():
        try:
            division = space_settings(d).jeugdregio
        except (RegiokompasError, OSError, ValueError, KeyError):
            continue
        out.setdefault(division, d)
    return out


def placement(
    evaluator: ScenarioEvaluator,
    scenario_id: str,
    divisions: dict[str, Division],
    *,
    version: int | None = None,
    title: str | None = None,
    division: str | None = None,
    edits: tuple[str, ...] = (),
) -> CheckResult | None:
    """The check ``space`` of a stored scenario (cached), None without a space; a space that
    cannot be read raises its :class:`~geo.errors.RegiokompasError`. ``division``: the one
    placed (default ``swv``, else ``swv_po``); ``edits``: tentative edits already applied to
    ``divisions`` (their JSON texts, part of the cache key)."""
    space = space_dir()
    if not space:
        return None
    from geo.space.verdict import manifest_time, space_result

    key = ("space", evaluator.key(scenario_id, version), space, manifest_time(space))
    key += (division, edits)
    return evaluator.cache.get_or_compute(
        key,
        lambda: space_result(
            evaluator.dataset,
            divisions,
            space,
            scenario=title or scenario_id,
            division=division,
        ),
    )


def placement_page(
    evaluator: ScenarioEvaluator,
    scenario_id: str,
    locale: str,
    *,
    version: int | None = None,
    id_prefix: str = "space",
    divisions: dict[str, Division] | None = None,
    division: str | None = None,
    edits: tuple[str, ...] = (),
) -> dict[str, Any]:
    """What a page shows (:mod:`maps.space_view`): ``state`` ``none`` (no space, with how to
    build one), ``error`` (with the problem) or ``ok`` (with the ``view``). ``divisions``:
    the scenario with tentative ``edits`` applied (default: as stored)."""
    from maps.space_view import not_built_text, placement_view

    if not space_dir():
        return {"state": "none", **not_built_text(locale)}
    try:
        if divisions is None:
            divisions = evaluator.divisions(scenario_id, version)
        result = placement(
            evaluator,
            scenario_id,
            divisions,
            version=version,
            division=division,
            edits=edits,
        )
    except (RegiokompasError, KeyError, ValueError) as exc:
        return {"state": "error", "error": str(exc)}
    assert result is not None
    return {
        "state": "ok",
        "view": placement_view(result.figures, locale, id_prefix=id_prefix),
        "figures": result.figures,
    }
