"""The map editor's domain work, for the browser and for scripts alike: apply tentative edits
to a scenario and measure them (:class:`LiveEditor`), with the figures of ``regio verdict`` and
``regio score`` (:mod:`geo.editing.figures`) and the editor's building blocks
(:mod:`geo.editing.parts`)."""

from geo.editing.figures import HARD_CHECKS, LEVELS_OF, SWV_DIVISIONS
from geo.editing.live import HEADLINE, LiveEditor, shifted
from geo.editing.memo import Memo, MemoLike
from geo.editing.parts import (
    EDIT_SOURCE,
    EditorResources,
    build_resources,
    json_num,
    membership_rows,
    region_adjacency,
    touched_regions,
    weighted_mean,
)

__all__ = [
    "EDIT_SOURCE",
    "HARD_CHECKS",
    "HEADLINE",
    "LEVELS_OF",
    "SWV_DIVISIONS",
    "EditorResources",
    "LiveEditor",
    "Memo",
    "MemoLike",
    "build_resources",
    "json_num",
    "membership_rows",
    "region_adjacency",
    "shifted",
    "touched_regions",
    "weighted_mean",
]
