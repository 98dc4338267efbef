"""The overlap engine: how well two divisions line up, region by region and as a whole.

- :func:`contingency` - weighted table ``n_ab`` as a sparse product (matrix mode);
- :func:`overlay_contingency` - the same table from polygons by exact overlay (geometry mode);
- :func:`score` / :func:`score_contingency` - per-region and whole-division metrics
  (:mod:`geo.overlap.metrics`, formulas in docs/metrics.md);
- :class:`MoveEvaluator` - incremental evaluation of single-unit moves (neighbours from
  :func:`geo.adjacency.queen_adjacency`);
- :mod:`geo.overlap.live` - the map editor's live figures, kept per edit (not imported here:
  it loads the scenario and travel modules; ``from geo.overlap.live import LiveSession``).

>>> from geo.division import Division
>>> import pandas as pd
>>> d = Division.from_assignment("d", {"x": "A", "y": "B"})
>>> score(d, d, pd.Series({"x": 1.0, "y": 1.0}), weight_name="w").summary["congruence"]
1.0
"""

from geo.overlap.contingency import Contingency, contingency
from geo.overlap.geometry import overlay_contingency
from geo.overlap.incremental import MoveEvaluator
from geo.overlap.score import RegionScore, Score, score, score_contingency

__all__ = [
    "Contingency",
    "MoveEvaluator",
    "RegionScore",
    "Score",
    "contingency",
    "overlay_contingency",
    "score",
    "score_contingency",
]
