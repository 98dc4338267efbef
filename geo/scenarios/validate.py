"""Check a scenario document completely before anything runs.

Two stages, both raising :class:`~geo.scenarios.errors.ScenarioError` naming the file, the
position (``edits[2]``) and the field:

1. types and structure (:func:`~geo.scenarios.parse.parse_scenario`: unknown fields, wrong
   types, unknown ``op``, missing fields);
2. meaning, against the dataset: unknown units, regions or divisions, shares that would no longer
   sum to 1, cycles of merges, a base that cannot be found. This is a dry run of every edit on
   the real divisions (cheap: edits are sparse-matrix operations on a few hundred units).

To check *and* use the result, parse and apply once instead:
``apply_scenario(parse_scenario(data, source=...), dataset)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from geo.scenarios.apply import BaseResolver, apply_scenario
from geo.scenarios.model import ScenarioDoc
from geo.scenarios.parse import parse_scenario

if TYPE_CHECKING:
    from geo.dataset import Dataset

__all__ = ["parse_scenario", "validate_scenario"]


def validate_scenario(
    doc: dict[str, Any] | ScenarioDoc,
    dataset: Dataset,
    *,
    source: str | None = None,
    bases: BaseResolver | None = None,
) -> ScenarioDoc:
    """Check a scenario completely against the dataset before anything runs.

    Rule: types first (see :func:`parse_scenario`), then a dry run of the base and every edit in
    order on the dataset's divisions (:func:`apply_scenario`, the base found by ``bases``); the
    first problem raises :class:`ScenarioError` naming ``source`` (default: the document's own
    source), the position ``edits[i]`` and the field.
    """
    if isinstance(doc, ScenarioDoc):
        parsed = doc if source is None else doc.with_source(source)
    else:
        parsed = parse_scenario(doc, source=source or "<inline>")
    apply_scenario(parsed, dataset, bases=bases)
    return parsed
