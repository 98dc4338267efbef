"""Precompute once what the checks need and what no scenario changes (the verdict's context).

Rule: :func:`build_context` computes from the dataset, once,

* today's SWVs (``swv_po``, ``swv_vo``) and the PO / VO pupils per gemeente;
* per level the gemeente x special-education-location distance matrix in km (the travel model
  of :mod:`geo.checks.distance`: the operator's travel table when the data directory has one
  (:mod:`geo.checks.table`), else "hemelsbreed over land, via vaste oeververbindingen";
  342 x 694 for PO and 342 x 511 for VO on the real data,
  :mod:`geo.checks.locations`),
  each location's gemeente and current SWV, and today's distance per gemeente (*before*);
* the contiguity graph of the gemeenten (queen contiguity plus the fixed links across water,
  :func:`geo.adjacency.contiguity_graph`; no island fallback) as a sparse matrix;
* the default size bounds (the range of today's SWVs, :mod:`geo.checks.sizes`).

What depends on the jeugdregio division checked against (the principle-3 travel baseline, the
island links of the contiguity graph) is computed on first use per division and kept
(:meth:`VerdictContext.jeugdregio`), so the editor's second click on the same scenario costs only
the checks themselves.

>>> from fixtures.proposal_grids import layout_dataset
>>> ds = layout_dataset(["AA", "AA"], ["AB", "AB"], schools=[("GM0000", "SO")])
>>> ctx = build_context(ds)
>>> ctx.travel["po"].dist.shape, ctx.travel["po"].before.round(3).tolist()
((4, 1), [0.0, inf, 1.0, inf])
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.adjacency import ContiguityGraph, contiguity_graph
from geo.checks.base import VerdictError
from geo.checks.distance import DistanceModel
from geo.checks.locations import LEVELS, gemeente_points, travel_model
from geo.checks.sizes import SizeBounds, default_size_bounds
from geo.checks.table import dataset_model
from geo.dataset import Dataset
from geo.division import Division
from geo.overlap.disruption import swv_pupils

LEVEL_NAMES: dict[str, str] = {"po": "PO", "vo": "VO"}


def nearest_by_label(dist: np.ndarray, labels: np.ndarray, n_labels: int) -> np.ndarray:
    """``units x n_labels``: the smallest distance to a location of each label (``inf`` when
    no location has it; locations with a negative label are ignored).

    >>> d = np.array([[1.0, 5.0, 2.0]])
    >>> nearest_by_label(d, np.array([0, 0, 2]), 3).tolist()
    [[1.0, inf, 2.0]]
    """
    out = np.full((dist.shape[0], n_labels), np.inf)
    keep = labels >= 0
    if not keep.any() or n_labels == 0:
        return out
    order = np.argsort(labels[keep], kind="stable")
    sorted_labels = labels[keep][order]
    sub = dist[:, np.flatnonzero(keep)[order]]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    out[:, sorted_labels[starts]] = np.minimum.reduceat(sub, starts, axis=1)
    return out


@dataclass(frozen=True, eq=False)
class LevelTravel:
    """Special-education locations of one level and today's distances."""

    dist: np.ndarray
    """``units x locations`` in km."""
    school_unit: np.ndarray
    """Row index (into the context's units) of each location's gemeente."""
    school_swv: np.ndarray
    """Each location's current SWV of the level (its postcode's ``swv_po`` / ``swv_vo``)."""
    before: np.ndarray
    """Today's distance per gemeente (share-weighted over its current SWVs; ``inf`` where an
    SWV has no location of the level)."""
    group_dist: np.ndarray
    """``units x groups``: locations grouped by (gemeente, current SWV), nearest of each group;
    every location of a group lands in the same new SWV, so the checks work on groups."""
    group_unit: np.ndarray
    """Row index of each group's gemeente."""
    group_swv: np.ndarray
    """Each group's current SWV."""


@dataclass(frozen=True, eq=False)
class JeugdregioFrame:
    """What the checks derive from one jeugdregio division (cached per division)."""

    division: Division
    labels: pd.Series
    """Each gemeente's jeugdregio (largest share)."""
    best: dict[str, np.ndarray]
    """Per level: distance to the nearest location inside the gemeente's jeugdregio."""
    baseline: dict[str, np.ndarray]
    """Per level: ``max(before, best)``: today's distance unless principle 3 forbids it."""
    forced: dict[str, np.ndarray]
    """Per level: True where principle 3 makes today's distance unreachable."""
    links: list[dict[str, object]]
    """Island links of the contiguity graph (``island``, ``linked_to``, ``distance_km``)."""
    link_edges: np.ndarray
    """``k x 2`` unit row indices of those links."""


@dataclass
class VerdictContext:
    """Everything precomputed for :func:`geo.checks.verdict` (see the module docstring)."""

    dataset: Dataset
    units: pd.Index
    names: pd.Series
    pupils: dict[str, np.ndarray]
    today: dict[str, Division]
    today_pupils: dict[str, sp.csr_matrix]
    """Per level ``units x today's SWVs``: pupils x share (``disruption.swv_pupils``)."""
    travel: dict[str, LevelTravel]
    adjacency: sp.csr_matrix
    """Queen contiguity plus fixed links (``contiguity.matrix()``), no island fallback."""
    bounds: SizeBounds
    point_rule: str
    contiguity: ContiguityGraph | None = None
    """The contiguity graph behind :attr:`adjacency` (its fixed links and island fallback)."""
    distance: dict[str, object] = field(default_factory=dict)
    """The travel model: ``name``, ``text``, ``table`` (the operator's travel table file, or
    ``None``) and per level ``pairs`` / ``over_water`` / ``unrouted`` (:mod:`geo.checks.distance`),
    or ``pairs`` / ``from_table`` / ``fallback`` / ``fallback_factor`` (:mod:`geo.checks.table`)."""
    codes: np.ndarray = field(init=False, repr=False)
    """Unit codes as a plain array (fast labelling of offenders)."""
    labels: np.ndarray = field(init=False, repr=False)
    """Unit names as a plain array."""
    _frames: dict[str, JeugdregioFrame] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _by_object: weakref.WeakKeyDictionary[Division, JeugdregioFrame] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    def __post_init__(self) -> None:
        self.codes = np.asarray(self.units, dtype=object)
        self.labels = np.asarray(self.names.reindex(self.units), dtype=object)

    def weight(self, name: str) -> np.ndarray:
        """A dataset weight aligned with :attr:`units` (KeyError names the options)."""
        w = self.dataset.weight(name)
        w.index = w.index.astype(str)
        return w.reindex(self.units).fillna(0.0).to_numpy(float)

    def jeugdregio(self, division: Division) -> JeugdregioFrame:
        """The :class:`JeugdregioFrame` of ``division`` (computed once per distinct division;
        the same division object again is a lookup: the editor asks twice per click)."""
        given = division
        with self._lock:
            known = self._by_object.get(given)
        if known is not None:
            return known
        division = division.reindexed(self.units)
        m = division.shares
        digest = hashlib.sha1(m.indptr.tobytes() + m.indices.tobytes() + m.data.tobytes())
        digest.update("\0".join(map(str, division.regions)).encode())
        key = digest.hexdigest()
        with self._lock:
            frame = self._frames.get(key)
        if frame is None:
            frame = self._frame(division, division.assignment().astype(str))
            with self._lock:
                if len(self._frames) > 32:
                    self._frames.clear()
                self._frames[key] = frame
        elif frame.division is not division:
            frame = JeugdregioFrame(division, *[getattr(frame, f) for f in _FRAME_FIELDS])
        with self._lock:
            self._by_object[given] = frame
        return frame

    def _frame(self, division: Division, labels: pd.Series) -> JeugdregioFrame:
        from geo.checks.graph import region_graphs

        codes = pd.Index(sorted(pd.unique(labels)))
        idx = codes.get_indexer(labels.to_numpy())
        best, baseline, forced = {}, {}, {}
        for level, lt in self.travel.items():
            near = nearest_by_label(lt.group_dist, idx[lt.group_unit], len(codes))
            best[level] = near[np.arange(len(self.units)), idx]
            baseline[level] = np.maximum(lt.before, best[level])
            forced[level] = np.isfinite(lt.before) & (best[level] > lt.before + 1e-9)
        rows, cols = self.adjacency.nonzero()
        adjacency: dict[str, set[str]] = {u: set() for u in self.units}
        for i, j in zip(self.units[rows], self.units[cols], strict=True):
            adjacency[i].add(j)
        graphs = region_graphs(self.dataset.units, labels, adjacency)
        links = [link for g in graphs.values() for link in g.graph["links"]]
        edges = np.array(
            [[self.units.get_loc(x["island"]), self.units.get_loc(x["linked_to"])] for x in links],
            dtype=np.int64,
        ).reshape(-1, 2)
        return JeugdregioFrame(division, labels, best, baseline, forced, links, edges)


_FRAME_FIELDS = ("labels", "best", "baseline", "forced", "links", "link_edges")


def contiguity_of(dataset: Dataset, units: pd.Index) -> ContiguityGraph:
    """The one contiguity graph (:func:`geo.adjacency.contiguity_graph`: queen contiguity plus
    fixed links; the island fallback kept apart) of ``units``."""
    frame = dataset.units.copy()
    frame.index = frame.index.astype(str)
    return contiguity_graph(frame.loc[units])


def adjacency_matrix(dataset: Dataset, units: pd.Index) -> sp.csr_matrix:
    """Queen contiguity plus fixed links (no island fallback) as a symmetric 0/1 ``units x
    units`` matrix."""
    return contiguity_of(dataset, units).matrix()


def build_context(
    dataset: Dataset,
    *,
    points: gpd.GeoSeries | None = None,
    distance: DistanceModel | None = None,
) -> VerdictContext:
    """Precompute the verdict's context (rule in the module docstring); about 1-3 s on the real
    data, mostly libpysal's adjacency. Keep it and reuse it for every verdict. ``points``: the
    gemeente locations (default :func:`geo.checks.locations.gemeente_points`; a proposal passes
    the points it was solved with). ``distance``: the travel model (default
    :func:`geo.checks.table.dataset_model`: the operator's travel table, else water-aware)."""
    missing = [n for n in ("swv_po", "swv_vo") if n not in dataset.divisions]
    if missing:
        raise VerdictError(
            f"the dataset has no division {', '.join(missing)}: today's SWVs are the baseline of "
            "the verdict (travel, size bounds, disruption)"
        )
    units = pd.Index(dataset.units.index.astype(str), name="code")
    names = dataset.units["name"].astype(str) if "name" in dataset.units else pd.Series(units)
    names.index = units
    today = {level: dataset.division(f"swv_{level}").reindexed(units) for level in LEVELS}
    pupils = {}
    for level in LEVELS:
        w = dataset.weight(f"pupils_{level}")
        w.index = w.index.astype(str)
        pupils[level] = w.reindex(units).fillna(0.0).to_numpy(float)
    if points is None:
        points, point_rule = gemeente_points(dataset.units)
    else:
        point_rule = "points given by the caller"
    if distance is None:
        distance = dataset_model(dataset)
    origin_rule = getattr(distance, "origin_rule", None)
    if origin_rule:  # the operator's table says where trips start; points only for its gaps
        point_rule = f"{origin_rule}; for pairs not in the table: {point_rule}"
    model = travel_model(dataset.units, dataset.special_schools, points, distance)
    travel = {}
    for level in LEVELS:
        schools = model.schools[level]
        before = model.before(level, today[level]).to_numpy(float)
        school_unit = units.get_indexer(schools["unit"].to_numpy())
        school_swv = schools[f"swv_{level}"].astype(str).to_numpy()
        pairs = pd.MultiIndex.from_arrays([school_unit, school_swv])
        group_of, groups = pd.factorize(pairs, sort=True)
        group_dist = nearest_by_label(model.dist[level], np.asarray(group_of), len(groups))
        travel[level] = LevelTravel(
            dist=np.ascontiguousarray(model.dist[level]),
            school_unit=school_unit,
            school_swv=school_swv,
            before=np.where(np.isnan(before), np.inf, before),
            group_dist=np.ascontiguousarray(group_dist),
            group_unit=np.asarray(groups.get_level_values(0), dtype=np.int64),
            group_swv=np.asarray(groups.get_level_values(1), dtype=object),
        )
    both = pd.Series(pupils["po"] + pupils["vo"], index=units)
    bounds = default_size_bounds(today["po"], today["vo"], both)
    today_pupils = {
        level: swv_pupils(  # named: the exact pupil shares of split gemeenten
            today[level], pd.Series(pupils[level], index=units, name=f"pupils_{level}")
        )[0]
        for level in LEVELS
    }
    graph = contiguity_of(dataset, units)
    return VerdictContext(
        dataset,
        units,
        names,
        pupils,
        today,
        today_pupils,
        travel,
        graph.matrix(),
        bounds,
        point_rule,
        graph,
        {
            "name": model.distance_name,
            "text": model.distance_text,
            "levels": model.stats,
            "table": getattr(getattr(distance, "table", None), "file", None),
        },
    )
