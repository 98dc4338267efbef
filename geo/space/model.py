"""One jeugdregio as plain arrays: what the enumeration, the sampler and the figures need.

A :class:`RegionModel` holds no dataset and no geometry, only numpy arrays and bitmasks, so it
pickles small and a Dask worker needs nothing else. It is built from the proposal's
:class:`~geo.proposals.problem.Context` (:func:`region_models`), so the space is judged by
exactly the proposal's settings:

* the contiguity graph of the proposals and checks (:func:`geo.checks.graph.region_graphs`,
  queen contiguity plus the explicit links), as one neighbour bitmask per gemeente;
* the size bounds (PO + VO pupils per SWV) of the proposal's settings;
* principle 2 per gemeente: a gemeente's distance after is the distance to the nearest
  special-education location of the level in a gemeente of its new SWV (whole-gemeente SWVs:
  a location belongs to the SWV of the gemeente it stands in), and must be at most its baseline
  + ``max_extra_km`` (+1 m rounding, as :mod:`geo.checks.travel`); ``allowed_hosts[level][i]`` is
  the bitmask of the gemeenten whose locations are close enough for gemeente ``i``;
* the jeugdregio-mean margin ``max_extra_mean_km`` of the proposal (checked per plan);
* ``W[level]``: pupils of each current SWV present in the jeugdregio per gemeente (exact pupil
  shares of split gemeenten), with ``home[level]`` marking the SWVs whose home is this jeugdregio.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from geo.proposals.problem import Context
from geo.proposals.travel import LEVELS
from geo.space.errors import SpaceError

TOLERANCE_KM = 1e-3
"""Slack on a distance against its allowed maximum (1 m, as geo.checks.travel)."""

UNIFORM = ("ggdregio", "veiligheidsregio", "arbeidsmarktregio", "provincie")
"""The uniform regions of recommendation 10 (geo.checks.reported.UNIFORM_DIVISIONS)."""


@dataclass
class RegionModel:
    """A jeugdregio's gemeenten, graph, bounds and the matrices of the per-plan figures."""

    region: str
    name: str
    units: list[str]
    """The gemeenten in search order (:func:`search_order`); plan texts follow this order."""
    sizes: np.ndarray
    neighbours: list[int]
    """Bitmask of the neighbours of each gemeente (queen + links, inside the jeugdregio)."""
    edges: list[tuple[int, int]]
    min_size: float
    max_size: float
    pupils: dict[str, np.ndarray]
    host_km: dict[str, np.ndarray]
    """``n x n``: km from gemeente ``i`` to the nearest location of the level in gemeente ``h``
    (``inf`` where ``h`` has none)."""
    before_km: dict[str, np.ndarray]
    baseline_km: dict[str, np.ndarray]
    allowed_km: dict[str, np.ndarray]
    """Baseline + max_extra_km (``inf``: not constrained, no finite baseline)."""
    allowed_hosts: dict[str, list[int]]
    """Per level and gemeente the bitmask of admissible host gemeenten (-1: unconstrained)."""
    mean_allowed: dict[str, float | None]
    """Bound on the pupil-weighted sum of after-distances over the constrained gemeenten."""
    W: dict[str, np.ndarray]
    """``n x P``: pupils of current SWV ``p`` in gemeente ``i`` (the level's pupil shares)."""
    home: dict[str, np.ndarray]
    """Per current SWV column: is this jeugdregio its home."""
    current: dict[str, list[str]]
    """The codes of the columns of ``W``."""
    uniform: dict[str, np.ndarray]
    """Per uniform division: ``n x R`` PO + VO pupils of gemeente ``i`` in region ``r``."""

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def full(self) -> int:
        return (1 << self.n) - 1

    def mask_size(self, mask: int) -> float:
        return float(self.sizes[_bits(mask)].sum())


def _bits(mask: int) -> list[int]:
    out, i = [], 0
    while mask:
        if mask & 1:
            out.append(i)
        mask >>= 1
        i += 1
    return out


bits = _bits


def search_order(graph: nx.Graph) -> list[str]:
    """The gemeenten in reverse Cuthill-McKee order, deterministic (every tie broken by code):
    neighbours get nearby numbers, so the covered set of the enumeration's "lowest uncovered
    gemeente first" search has a short frontier and the counting DP visits far fewer states
    than in code order.

    Deterministic on purpose: a plan is stored as text in this order, so two processes must
    number alike (networkx's ordering starts from a set's iteration order, which changes with
    the string hash seed of each process). Readers still take the order from the manifest.

    >>> g = nx.Graph([("GM3", "GM1"), ("GM1", "GM2"), ("GM2", "GM4")])
    >>> search_order(g)
    ['GM4', 'GM2', 'GM1', 'GM3']
    """
    adj = {str(u): sorted(str(v) for v in graph.neighbors(u)) for u in graph.nodes}
    degree = {u: len(vs) for u, vs in adj.items()}

    def key(u: str) -> tuple[int, str]:
        return degree[u], u

    def levels(start: str) -> list[list[str]]:
        seen, level, out = {start}, [start], []
        while level:
            out.append(level)
            nxt = sorted({v for u in level for v in adj[u] if v not in seen}, key=key)
            seen.update(nxt)
            level = nxt
        return out

    order: list[str] = []
    placed: set[str] = set()
    for first in sorted(adj):
        if first in placed:
            continue
        component = [u for level in levels(first) for u in level]
        start = min(component, key=key)
        depth = len(levels(start))
        while True:  # a pseudo-peripheral start (George and Liu), ties by (degree, code)
            candidate = min(levels(start)[-1], key=key)
            d = len(levels(candidate))
            if d <= depth:
                break
            start, depth = candidate, d
        queue, seen = [start], {start}
        for u in queue:  # Cuthill-McKee: breadth first, neighbours by (degree, code)
            for v in sorted(adj[u], key=key):
                if v not in seen:
                    seen.add(v)
                    queue.append(v)
        order += queue
        placed.update(queue)
    return order[::-1]


def region_models(
    ctx: Context,
    regions: list[str] | None = None,
    orders: dict[str, list[str]] | None = None,
) -> dict[str, RegionModel]:
    """One :class:`RegionModel` per jeugdregio of the proposal context (all when ``regions`` is
    None). ``orders``: the numbering of a jeugdregio's gemeenten to use (a space's manifest
    ``units``, so its plan texts read right), else :func:`search_order`."""
    return dict(iter_region_models(ctx, regions, orders))


def iter_region_models(
    ctx: Context,
    regions: list[str] | None = None,
    orders: dict[str, list[str]] | None = None,
) -> Iterator[tuple[str, RegionModel]]:
    """:func:`region_models` one at a time, in the order of ``regions`` (the build submits a
    jeugdregio's first task as soon as its model exists)."""
    ds = ctx.dataset
    s = ctx.settings
    chosen = sorted(ctx.graphs) if regions is None else list(regions)
    pupils_all = {
        lv: ds.weight(f"pupils_{lv}").rename(lambda c: str(c)).astype(float) for lv in LEVELS
    }
    today = {lv: ds.division(f"swv_{lv}").reindexed(ctx.travel.units) for lv in LEVELS}
    uniform = {
        name: ds.divisions[name].reindexed(ctx.travel.units)
        for name in UNIFORM
        if name in ds.divisions
    }
    names = ctx.jeugdregio.region_names
    for region in chosen:
        graph = ctx.graphs[region]
        units = search_order(graph)
        if orders and region in orders:
            if sorted(orders[region]) != sorted(units):
                raise SpaceError(
                    f"jeugdregio {region}: the space numbers other gemeenten "
                    f"({len(orders[region])}) than the data ({len(units)}); rebuild the space"
                )
            units = [str(u) for u in orders[region]]
        pos = {u: i for i, u in enumerate(units)}
        nb = [0] * len(units)
        edges = []
        for a, b in graph.edges:
            i, j = pos[str(a)], pos[str(b)]
            nb[i] |= 1 << j
            nb[j] |= 1 << i
            edges.append((min(i, j), max(i, j)))
        pupils, host_km, before, baseline, allowed, hosts, mean_allowed = {}, {}, {}, {}, {}, {}, {}
        W, home, current = {}, {}, {}
        for lv in LEVELS:
            p = pupils_all[lv].reindex(units).fillna(0.0).to_numpy()
            pupils[lv] = p
            h = ctx.host_km[lv].reindex(index=units, columns=units).to_numpy(dtype=float)
            h = np.where(np.isfinite(h), h, np.inf)
            host_km[lv] = h
            before[lv] = ctx.before.loc[units, f"{lv}_before_km"].to_numpy(dtype=float)
            base = ctx.before.loc[units, f"{lv}_baseline_km"].to_numpy(dtype=float)
            baseline[lv] = base
            allow = np.where(np.isfinite(base), base + s.max_extra_km + TOLERANCE_KM, np.inf)
            allowed[lv] = allow
            hosts[lv] = [
                sum(1 << j for j in np.flatnonzero(h[i] <= allow[i]).tolist())
                if np.isfinite(allow[i])
                else -1
                for i in range(len(units))
            ]
            fin = np.isfinite(base)
            mean_allowed[lv] = (
                float((p[fin] * (base[fin] + s.max_extra_mean_km)).sum() + TOLERANCE_KM * p.sum())
                if fin.any()
                else None
            )
            div = today[lv]
            rows = div.units.get_indexer(units)
            shares = div.shares_for(f"pupils_{lv}")[rows][:, : div.n_regions].toarray()
            w = shares * p[:, None]
            cols = np.flatnonzero(w.sum(axis=0) > 0)
            W[lv] = w[:, cols]
            codes = [str(div.regions[c]) for c in cols]
            current[lv] = codes
            homes = ctx.homes[lv]["home"]
            home[lv] = np.array([str(homes.get(c, "")) == region for c in codes], dtype=bool)
        both = pupils["po"] + pupils["vo"]
        uni = {}
        for name, div in uniform.items():
            rows = div.units.get_indexer(units)
            m = div.shares[rows][:, : div.n_regions].toarray() * both[:, None]
            uni[name] = m[:, m.sum(axis=0) > 0]
        yield (
            region,
            RegionModel(
                region=region,
                name=str(names.get(region, region)),
                units=units,
                sizes=ctx.sizes.reindex(units).to_numpy(dtype=float),
                neighbours=nb,
                edges=sorted(edges),
                min_size=float(ctx.bounds.min_pupils),
                max_size=float(ctx.bounds.max_pupils),
                pupils=pupils,
                host_km=host_km,
                before_km=before,
                baseline_km=baseline,
                allowed_km=allowed,
                allowed_hosts=hosts,
                mean_allowed=mean_allowed,
                W=W,
                home=home,
                current=current,
                uniform=uni,
            ),
        )


def labels_text(model: RegionModel, parts: list[int]) -> str:
    """A plan as text: one letter per gemeente (sorted codes), ``a`` for the SWV of the first
    gemeente, ``b`` for the next new one, ... (canonical: equal plans give equal text)."""
    label = [""] * model.n
    for k, mask in enumerate(sorted(parts, key=lambda m: m & -m)):
        for i in _bits(mask):
            label[i] = chr(97 + k) if k < 26 else chr(65 + k - 26)
    return "".join(label)


def parts_of_text(text: str) -> list[int]:
    """The part bitmasks of a plan text (inverse of :func:`labels_text`)."""
    masks: dict[str, int] = {}
    for i, ch in enumerate(text):
        masks[ch] = masks.get(ch, 0) | (1 << i)
    return list(masks.values())


def plan_of_assignment(model: RegionModel, assignment: pd.Series) -> list[int] | None:
    """The parts of a whole-gemeente assignment restricted to this jeugdregio (None when a
    gemeente is missing)."""
    sub = assignment.reindex(model.units)
    if sub.isna().any():
        return None
    masks: dict[str, int] = {}
    for i, code in enumerate(sub.astype(str)):
        masks[code] = masks.get(code, 0) | (1 << i)
    return list(masks.values())


def toy_path(n: int, *, sizes: list[float], min_size: float, max_size: float) -> RegionModel:
    """A path of ``n`` gemeenten without travel rules (doctests and small tests)."""
    nb = [((1 << (i - 1)) if i else 0) | ((1 << (i + 1)) if i < n - 1 else 0) for i in range(n)]
    zeros = np.zeros((n, 0))
    empty = {lv: np.zeros(n) for lv in ("po", "vo")}
    return RegionModel(
        region="T",
        name="toy",
        units=[f"G{i}" for i in range(n)],
        sizes=np.asarray(sizes, dtype=float),
        neighbours=nb,
        edges=[(i, i + 1) for i in range(n - 1)],
        min_size=min_size,
        max_size=max_size,
        pupils=empty,
        host_km={lv: np.full((n, n), np.inf) for lv in ("po", "vo")},
        before_km=empty,
        baseline_km={lv: np.full(n, np.inf) for lv in ("po", "vo")},
        allowed_km={lv: np.full(n, np.inf) for lv in ("po", "vo")},
        allowed_hosts={lv: [-1] * n for lv in ("po", "vo")},
        mean_allowed={"po": None, "vo": None},
        W={lv: zeros for lv in ("po", "vo")},
        home={lv: np.zeros(0, bool) for lv in ("po", "vo")},
        current={"po": [], "vo": []},
        uniform={},
    )
