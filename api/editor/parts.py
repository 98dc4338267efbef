"""The editor's per-app pieces: the dataset's :class:`~geo.editing.EditorResources`, built once
per app, and the refusal of file references in edits sent over HTTP.

>>> check_edits_api_safe([{"op": "move", "division": "swv_po", "unit": "GM0363", "to": "PO2701"}])
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from api.deps import ScenarioEvaluator
from api.state import freeze_long_lived
from geo.editing import EDIT_SOURCE, EditorResources, build_resources
from geo.errors import RegiokompasError

_RESOURCES: dict[int, EditorResources] = {}
_RESOURCES_LOCK = threading.Lock()


def editor_resources(evaluator: ScenarioEvaluator) -> EditorResources:
    """The :class:`~geo.editing.EditorResources` of the evaluator's dataset (built on first
    use, kept for the app's lifetime and frozen out of the garbage collector's scans)."""
    key = id(evaluator.dataset)
    with _RESOURCES_LOCK:
        found = _RESOURCES.get(key)
        if found is not None:
            return found
        resources = build_resources(evaluator.dataset)
        _RESOURCES.clear()
        _RESOURCES[key] = resources
        freeze_long_lived()
        return resources


def check_edits_api_safe(edits: Sequence[dict[str, Any]]) -> None:
    """Refuse file references in edits sent over HTTP (the server reads no client paths)."""
    for i, edit in enumerate(edits):
        if isinstance(edit, dict) and edit.get("csv") is not None:
            raise RegiokompasError(
                f"{EDIT_SOURCE}: edits[{i}].csv: file references are not accepted over the API; "
                "send the rows inline as 'membership'"
            )
