"""The weighted contingency table of two divisions: a sparse matrix product, no geometry.

Rule: ``n_ab = sum_u w(u) * share_A(u, a) * share_B(u, b)``, i.e. ``A.T @ diag(w) @ B`` with
``A``, ``B`` the ``units x (regions + [NO_REGION])`` share matrices. Rows are ``a.columns`` and
columns ``b.columns``; the 'no region' row and column come last and are kept, never dropped, so
the table always sums to the total weight.

>>> from geo.division import Division
>>> a = Division.from_assignment("a", {"x": "A1", "y": "A1", "z": "A2"})
>>> b = Division.from_assignment("b", {"x": "B1", "y": "B2", "z": "B2"})
>>> c = contingency(a, b, pd.Series({"x": 1.0, "y": 2.0, "z": 4.0}))
>>> c.table.tolist()
[[1.0, 2.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 0.0]]
>>> list(c.row_labels), list(c.col_labels)
(['A1', 'A2', 'GEEN'], ['B1', 'B2', 'GEEN'])
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.division import Division
from geo.overlap.preconditions import aligned_weights, require_same_units


@dataclass(frozen=True, eq=False)
class Contingency:
    """A weighted table ``n_ab`` with 'no region' as the last row and the last column.

    ``table[i, j]`` is the weight in row region ``row_labels[i]`` and column region
    ``col_labels[j]``; ``row_labels[-1] == col_labels[-1] == NO_REGION``.
    """

    table: np.ndarray
    row_labels: pd.Index
    col_labels: pd.Index
    row_division: str = "a"
    col_division: str = "b"
    row_names: Mapping[str, str] = field(default_factory=dict)
    col_names: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def real(self) -> np.ndarray:
        """The table over real regions only (without the 'no region' row and column)."""
        return self.table[:-1, :-1]

    @property
    def total(self) -> float:
        """Sum of the whole table (= total weight of all units)."""
        return float(self.table.sum())

    def to_frame(self) -> pd.DataFrame:
        """The table as a labelled DataFrame (rows: division A, columns: division B)."""
        return pd.DataFrame(
            self.table,
            index=self.row_labels.rename(self.row_division),
            columns=self.col_labels.rename(self.col_division),
        )

    def long(self) -> pd.DataFrame:
        """Tidy table ``a, b, weight`` of the non-zero cells (incl. 'no region').

        >>> from geo.division import Division
        >>> d = Division.from_assignment("d", {"x": "A"})
        >>> contingency(d, d, pd.Series({"x": 2.0})).long().to_dict("records")
        [{'a': 'A', 'b': 'A', 'weight': 2.0}]
        """
        rows, cols = np.nonzero(self.table)
        return pd.DataFrame(
            {
                "a": self.row_labels.to_numpy()[rows],
                "b": self.col_labels.to_numpy()[cols],
                "weight": self.table[rows, cols],
            }
        )

    def transpose(self) -> Contingency:
        """The same table seen from division B (rows and columns swapped)."""
        return Contingency(
            self.table.T.copy(),
            self.col_labels,
            self.row_labels,
            self.col_division,
            self.row_division,
            self.col_names,
            self.row_names,
            self.notes,
        )


_COLUMNS: weakref.WeakKeyDictionary[Division, pd.Index] = weakref.WeakKeyDictionary()


def columns_of(division: Division) -> pd.Index:
    """``division.columns`` (regions + [NO_REGION]), built once per (immutable) division."""
    try:
        return _COLUMNS[division]
    except KeyError:
        _COLUMNS[division] = columns = division.columns
        return columns


def table_of(a: Division, b: Division, w: np.ndarray) -> np.ndarray:
    """Dense ``A.T @ diag(w) @ B`` for divisions over the same units in the same order.

    ``diag(w) @ A`` is formed by scaling the stored shares row by row; the product of the sparse
    ``(diag(w) A).T`` with the dense ``B`` is a dense ``regions x regions`` table.
    """
    shares = a.shares
    weighted = sp.csr_matrix(
        (shares.data * np.repeat(w, np.diff(shares.indptr)), shares.indices, shares.indptr),
        shape=shares.shape,
    )
    return np.asarray(weighted.T @ b.shares.toarray(), dtype=float)


@require_same_units("a", "b")
def contingency(a: Division, b: Division, weights: pd.Series) -> Contingency:
    """Weighted contingency table of divisions ``a`` (rows) and ``b`` (columns).

    Rule: ``n_ab = sum_u w(u) share_A(u,a) share_B(u,b)`` computed as the sparse product
    ``A.T @ diag(w) @ B``; every unit needs a finite weight >= 0 (a
    :class:`~geo.errors.DivisionError` names the unit otherwise). Both divisions must cover the
    same units. The 'no region' row/column (:data:`~geo.division.NO_REGION`) comes last.
    A division with weight-specific shares is seen through the weight named by
    ``weights.name`` (:meth:`~geo.division.Division.for_weight`).

    >>> from geo.division import Division
    >>> d = Division.from_assignment("d", {"x": "A", "y": "B"})
    >>> contingency(d, d, pd.Series({"x": 1.0, "y": 3.0})).table.diagonal().tolist()
    [1.0, 3.0, 0.0]
    """
    w = aligned_weights(a, weights, label=f"weights for {a.name!r} x {b.name!r}")
    a, b = a.for_weight(weights.name), b.for_weight(weights.name)
    return Contingency(
        table_of(a, b, w),
        columns_of(a),  # regions + [NO_REGION]
        columns_of(b),
        a.name,
        b.name,
        dict(a.region_names),
        dict(b.region_names),
    )
