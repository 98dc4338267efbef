"""The map editor's live figures for a scenario stored in the web app.

:class:`LiveFigures` is :class:`geo.editing.LiveEditor` (the domain work: apply tentative edits,
measure them by the rules of ``regio verdict`` and ``regio score``) on the app's store: a
scenario id is resolved to its revision chain and divisions (one read of the store), and the
caches are the app's, bounded by bytes (``limits.editor_cache_bytes``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from api.compute.cache import EvaluationCache
from api.deps import ScenarioEvaluator
from api.editor.parts import editor_resources
from geo.division import Division
from geo.editing import LiveEditor
from geo.overlap.live_cache import LiveCache

PREFIX_CACHE = 512
"""Applied edit-list prefixes kept per app (a few editing sessions of a few hundred clicks)."""

LIVE_SESSIONS = 128
"""Live sessions kept per app (each holds a few dense gemeente x region arrays, ~0.3 MB)."""


class LiveFigures(LiveEditor):
    """:class:`geo.editing.LiveEditor` on the scenarios of the app's store."""

    def __init__(self, evaluator: ScenarioEvaluator, cache_bytes: int | None = None) -> None:
        """``cache_bytes``: memory the prefix cache and the live sessions may hold together
        (half each, estimated; None: bounded by entries only)."""
        half = None if cache_bytes is None else cache_bytes // 2
        super().__init__(
            evaluator.dataset,
            editor_resources(evaluator),
            prefixes=EvaluationCache(max_entries=PREFIX_CACHE, max_bytes=half),
            memo=evaluator.cache,
            sessions=LiveCache(max_sessions=LIVE_SESSIONS, max_bytes=half),
        )
        self.evaluator = evaluator

    def apply(self, scenario: str, edits: Sequence[dict[str, Any]]) -> dict[str, Division]:
        """The stored scenario's divisions with ``edits`` applied after its own edits (the
        prefix cache usually has them)."""
        chain, stored = self.evaluator.resolve(scenario)
        return self.apply_edits(chain, stored, edits, scenario=scenario)

    def evaluate(
        self,
        scenario: str,
        edits: Sequence[dict[str, Any]],
        division: str,
        against: str,
        weight: str,
    ) -> dict[str, Any]:
        """Every figure of the panel (:class:`geo.editing.LiveEditor`) for a stored scenario."""
        chain, stored = self.evaluator.resolve(scenario)
        return self.figures(chain, stored, edits, division, against, weight, scenario=scenario)
