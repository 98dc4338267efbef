"""Incremental evaluation of single-unit moves (like GerryChain's ``Tally`` updater).

Rule: moving the share ``s = share_A(u, f)`` of unit u from region f to region t of division A
changes only rows f and t of the table: ``n_f -= d`` and ``n_t += d`` with
``d = w(u) * s * share_B(u, :)``. The congruence ``(sum_a max_b n_ab + sum_b max_a n_ab) / (2N)``
therefore changes only through the row maxima of f and t, the column maxima of the columns
where u lies, and ``N`` (when f or t is 'no region'). :class:`MoveEvaluator` keeps the row
maxima and the three largest entries of every column, so every move is evaluated in
``O(#regions of B)`` numpy work, vectorised over all candidate moves at once.

>>> from geo.division import Division
>>> a = Division.from_assignment("a", {"x": "A1", "y": "A1", "z": "A2"})
>>> b = Division.from_assignment("b", {"x": "B1", "y": "B2", "z": "B2"})
>>> ev = MoveEvaluator(a, b, pd.Series({"x": 1.0, "y": 1.0, "z": 1.0}))
>>> round(ev.congruence, 6), round(ev.gain("y", "A2"), 6)
(0.666667, 0.333333)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.division import Division
from geo.errors import DivisionError
from geo.overlap.contingency import table_of
from geo.overlap.preconditions import aligned_weights, require_same_units

Move = tuple[str, str] | tuple[str, str, str]
"""``(unit, to_region)`` or ``(unit, to_region, from_region)``."""

_TOP = 3  # a move touches two rows, so the third-largest entry of a column is always enough
_CHUNK = 8192  # moves evaluated per numpy block (bounds memory to ~CHUNK x regions of B)


class MoveEvaluator:
    """Congruence of division ``a`` against ``b`` and its change under single-unit moves of ``a``.

    ``gain(unit, to)`` and ``evaluate(moves)`` leave the state alone; ``apply(unit, to)``
    commits a move (the table, maxima and shares are updated in place) and ``division()``
    returns division ``a`` with all applied moves.
    """

    @require_same_units("a", "b")
    def __init__(self, a: Division, b: Division, weights: pd.Series) -> None:
        self.name = a.name
        self.against = b.name
        self.units = a.units
        self.regions = a.regions
        self.columns = a.columns
        self.region_names = dict(a.region_names)
        self.meta = dict(a.meta)
        self._unit_pos = {str(code): i for i, code in enumerate(a.units)}
        self._column_pos = {str(code): j for j, code in enumerate(a.columns)}
        self.w = aligned_weights(a, weights, label=f"weights for {a.name!r} x {b.name!r}")
        a, b = a.for_weight(weights.name), b.for_weight(weights.name)  # weight-specific shares
        self.share_a = a.shares.toarray()
        self.share_b = b.shares.toarray()
        self.n_rows = len(a.regions)  # index of the 'no region' row
        self.n_cols = len(b.regions)  # index of the 'no region' column
        self.table = table_of(a, b, self.w)
        self._refresh()

    # ------------------------------------------------------------------ state
    def _refresh(self) -> None:
        """Recompute row maxima, the top entries per column and N from :attr:`table`."""
        real = self.table[: self.n_rows, : self.n_cols]
        self.total = float(real.sum())
        self.row_max = real.max(axis=1) if self.n_cols else np.zeros(self.n_rows)
        k = min(_TOP, self.n_rows)
        order = np.argsort(-real, axis=0, kind="stable")[:k]
        pad = _TOP - k
        self.top_idx = np.vstack([order, np.full((pad, self.n_cols), -1)])
        self.top_val = np.vstack(
            [np.take_along_axis(real, order, axis=0), np.full((pad, self.n_cols), -np.inf)]
        )
        self.col_max = self.top_val[0] if self.n_rows else np.zeros(self.n_cols)
        self.sum_max = float(self.row_max.sum() + self.col_max.sum())

    @property
    def congruence(self) -> float:
        """Current congruence ``(sum row maxima + sum column maxima) / (2N)`` over real regions."""
        return self.sum_max / (2.0 * self.total) if self.total > 0 else float("nan")

    # ------------------------------------------------------------------ moves
    def _resolve(self, moves: Iterable[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit, from and to positions of ``moves``; errors name the move and the bad code."""
        if isinstance(moves, pd.DataFrame):
            for column in ("unit", "to"):
                if column not in moves.columns:
                    raise DivisionError(f"moves: field {column!r} is missing")
            units = [str(x) for x in moves["unit"]]
            to = [str(x) for x in moves["to"]]
            frm = [None if pd.isna(x) else str(x) for x in moves.get("from", [None] * len(moves))]
        else:
            records = [tuple(m) for m in moves]
            units = [str(r[0]) for r in records]
            to = [str(r[1]) for r in records]
            frm = [str(r[2]) if len(r) > 2 and r[2] is not None else None for r in records]
        u = np.fromiter((self._unit_pos.get(x, -1) for x in units), int, len(units))
        t = np.fromiter((self._column_pos.get(x, -1) for x in to), int, len(to))
        given = np.fromiter(
            (-2 if x is None else self._column_pos.get(x, -1) for x in frm), int, len(frm)
        )
        for codes, index, field, kind in (
            (units, u, "unit", "unit"),
            (to, t, "to", "region"),
            (frm, given, "from", "region"),
        ):
            if (index == -1).any():
                pos = int(np.flatnonzero(index == -1)[0])
                raise DivisionError(
                    f"moves[{pos}]: unknown {kind} {codes[pos]!r} in {self.name!r} "
                    f"(field {field!r})"
                )
        f = np.where(given >= 0, given, self._default_from(u))
        empty = self.share_a[u, f] <= 0
        if empty.any():
            pos = int(np.flatnonzero(empty)[0])
            raise DivisionError(
                f"moves[{pos}]: unit {units[pos]!r} has no share in region "
                f"{self.columns[f[pos]]!r} of {self.name!r} (field 'from')"
            )
        return u, f, t

    def _default_from(self, u: np.ndarray) -> np.ndarray:
        """Each unit's region with the largest share among real regions ('no region' if none)."""
        real = self.share_a[u, : self.n_rows]
        best = real.argmax(axis=1) if self.n_rows else np.zeros(len(u), int)
        has_real = real.max(axis=1) > 0 if self.n_rows else np.zeros(len(u), bool)
        return np.where(has_real, best, self.n_rows)

    def _congruence_after(self, u: np.ndarray, f: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Congruence after each move alone (vectorised over moves)."""
        out = np.empty(len(u))
        for start in range(0, len(u), _CHUNK):
            sl = slice(start, start + _CHUNK)
            out[sl] = self._block(u[sl], f[sl], t[sl])
        return out

    def _block(self, u: np.ndarray, f: np.ndarray, t: np.ndarray) -> np.ndarray:
        nr, nc = self.n_rows, self.n_cols
        mass = self.w[u] * self.share_a[u, f]
        d = mass[:, None] * self.share_b[u, :nc]  # change of row t (+) and row f (-), real cols
        real_f, real_t = f < nr, t < nr
        moved = d.sum(axis=1)
        total = self.total + moved * (real_t.astype(float) - real_f.astype(float))

        table = self.table[:, :nc]
        new_f = table[f] - d  # rows of 'no region' are computed but masked below
        new_t = table[t] + d
        delta = np.zeros(len(u))
        if nc:
            delta += np.where(real_f, new_f.max(axis=1) - self.row_max[np.minimum(f, nr - 1)], 0.0)
            delta += np.where(real_t, new_t.max(axis=1) - self.row_max[np.minimum(t, nr - 1)], 0.0)
            # column maxima: the best entry of rows other than f and t, or the new f / t entries
            others = np.full(d.shape, -np.inf)
            for k in range(_TOP):
                idx = self.top_idx[k][None, :]
                ok = (idx != f[:, None]) & (idx != t[:, None]) & (idx >= 0)
                others = np.maximum(others, np.where(ok, self.top_val[k][None, :], -np.inf))
            new_col = np.maximum(
                others,
                np.maximum(
                    np.where(real_f[:, None], new_f, -np.inf),
                    np.where(real_t[:, None], new_t, -np.inf),
                ),
            )
            delta += (new_col - self.col_max[None, :]).sum(axis=1)
        same = f == t
        delta[same] = 0.0
        total[same] = self.total
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(total > 0, (self.sum_max + delta) / (2.0 * total), np.nan)

    def evaluate(self, moves: Iterable[Move] | pd.DataFrame) -> pd.DataFrame:
        """Congruence after each move on its own, and its gain over the current congruence.

        ``moves`` are ``(unit, to)`` or ``(unit, to, from)`` tuples, or a DataFrame with columns
        ``unit``, ``to`` (and optionally ``from``); ``from`` defaults to the unit's region with
        the largest share. Returns columns ``unit, from, to, congruence, gain`` in input order.

        >>> from geo.division import Division
        >>> a = Division.from_assignment("a", {"x": "A1", "y": "A2"})
        >>> ev = MoveEvaluator(a, a, pd.Series({"x": 1.0, "y": 1.0}))
        >>> ev.evaluate([("x", "A2")])[["from", "to", "gain"]].to_dict("records")
        [{'from': 'A1', 'to': 'A2', 'gain': -0.25}]
        """
        u, f, t = self._resolve(moves)
        after = self._congruence_after(u, f, t)
        return pd.DataFrame(
            {
                "unit": self.units.to_numpy()[u],
                "from": self.columns.to_numpy()[f],
                "to": self.columns.to_numpy()[t],
                "congruence": after,
                "gain": after - self.congruence,
            }
        )

    def gain(self, unit: str, to_region: str, from_region: str | None = None) -> float:
        """Change in congruence when ``unit`` (its share in ``from_region``) moves to
        ``to_region``."""
        move: Move = (unit, to_region) if from_region is None else (unit, to_region, from_region)
        return float(self.evaluate([move])["gain"].iloc[0])

    def apply(self, unit: str, to_region: str, from_region: str | None = None) -> float:
        """Commit one move; returns the new congruence.

        >>> from geo.division import Division
        >>> a = Division.from_assignment("a", {"x": "A1", "y": "A2"})
        >>> b = Division.from_assignment("b", {"x": "B", "y": "B"})
        >>> MoveEvaluator(a, b, pd.Series({"x": 1.0, "y": 1.0})).apply("x", "A2")
        1.0
        """
        move: Move = (unit, to_region) if from_region is None else (unit, to_region, from_region)
        u, f, t = (int(x[0]) for x in self._resolve([move]))
        if f != t:
            s = self.share_a[u, f]
            self.share_a[u, f] = 0.0
            self.share_a[u, t] += s
            d = self.w[u] * s * self.share_b[u]
            self.table[f] -= d
            self.table[t] += d
            self._refresh()
        return self.congruence

    def division(self, name: str | None = None) -> Division:
        """Division ``a`` with all applied moves."""
        shares = sp.csr_matrix(self.share_a)
        shares.eliminate_zeros()
        return Division(
            name or self.name, self.units, self.regions, self.region_names, shares, self.meta
        )

    # ------------------------------------------------------------------ candidates
    def _adjacency_matrix(self, adjacency: Any) -> sp.csr_matrix:
        """Units x units 0/1 matrix from a mapping, networkx graph, libpysal W or edge table."""
        if isinstance(adjacency, pd.DataFrame):
            left, right = adjacency.iloc[:, 0].astype(str), adjacency.iloc[:, 1].astype(str)
        else:
            mapping: Mapping[Any, Iterable[Any]]
            if hasattr(adjacency, "neighbors") and isinstance(adjacency.neighbors, Mapping):
                mapping = adjacency.neighbors  # libpysal W
            elif hasattr(adjacency, "adj"):
                mapping = adjacency.adj  # networkx graph
            else:
                mapping = adjacency
            pairs = [(str(k), str(v)) for k, vs in mapping.items() for v in vs]
            left = pd.Series([p[0] for p in pairs], dtype=str)
            right = pd.Series([p[1] for p in pairs], dtype=str)
        i = self.units.get_indexer(pd.Index(left))
        j = self.units.get_indexer(pd.Index(right))
        unknown = np.flatnonzero((i < 0) | (j < 0))
        if len(unknown):
            k = unknown[0]
            code = left.iloc[k] if i[k] < 0 else right.iloc[k]
            raise DivisionError(f"adjacency: unknown unit {code!r} (not a unit of {self.name!r})")
        n = len(self.units)
        adj = sp.csr_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
        return ((adj + adj.T) > 0).astype(float).tocsr()

    def border_moves(self, adjacency: Any) -> list[tuple[str, str]]:
        """Every single-unit move across a border: ``(unit, to_region)`` for each unit and each
        real region of A that one of its neighbours lies in (share > 0) other than the unit's
        own (largest-share) region; in unit order, then region order.

        ``adjacency``: ``{unit: [neighbours]}``, a networkx graph, a libpysal ``W`` or a
        DataFrame whose first two columns are unit pairs (see
        :func:`geo.adjacency.queen_adjacency`).

        >>> from geo.division import Division
        >>> a = Division.from_assignment("a", {"x": "A1", "y": "A2", "z": "A2"})
        >>> MoveEvaluator(a, a, pd.Series(1.0, index=["x", "y", "z"])).border_moves(
        ...     {"x": ["y"], "y": ["z"]})
        [('x', 'A2'), ('y', 'A1')]
        """
        adj = self._adjacency_matrix(adjacency)
        in_region = sp.csr_matrix(self.share_a[:, : self.n_rows] > 0, dtype=float)
        reach = (adj @ in_region).toarray() > 0
        own = self._default_from(np.arange(len(self.units)))
        rows = np.arange(len(self.units))
        has_own = own < self.n_rows
        reach[rows[has_own], own[has_own]] = False
        ui, ri = np.nonzero(reach)
        return [(str(self.units[i]), str(self.regions[r])) for i, r in zip(ui, ri, strict=True)]


__all__ = ["MoveEvaluator", "Move"]
