"""Postcode-level edits, and weight-specific shares carried through every edit.

Rules:

- :func:`per_weight`: an edit of a division with weight-specific shares
  (:attr:`~geo.division.Division.weight_shares`) is applied to the default shares and, the same
  way, to each weight's shares (:meth:`~geo.division.Division.for_weight`). Moving a gemeente
  wholly to an SWV therefore moves it wholly for every weight; a merge merges every weight's
  shares. Where an edit cannot be applied to one weight's shares (e.g. a partial move larger
  than that weight's share), that weight falls back to the default shares.
- :func:`move_postcode`: the Regeling's legal unit is the postcode. Moving PC4 ``p`` from SWV
  ``a`` to SWV ``b`` moves, for every weight ``k``, the share ``k(p in g) / k(g)`` of each
  gemeente ``g`` that ``p`` lies in from ``a`` to ``b``, using the PC4 layer's weights per piece
  (:attr:`geo.dataset.Dataset.postcodes`). The postcode's current SWV is the one the PC4 layer
  gives it, unless an earlier edit moved it (recorded in the division's ``meta``
  ``postcode_moves``); ``from_`` names it explicitly.

>>> callable(move_postcode)
True
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.division import NO_REGION, WEIGHT_ALIASES, Division
from geo.errors import DivisionError
from geo.scenarios.budget import check_budget
from geo.scenarios.errors import EditError

F = TypeVar("F", bound=Callable[..., Division])

WEIGHT_COLUMNS = (
    "area_km2",
    "inhabitants",
    "inhabitants_0_15",
    "pupils_po",
    "pupils_vo",
    "pupils_special",
    "pupils_total",
)
"""Weights the PC4 layer carries per piece."""


def _aligned(matrix: Division, columns: pd.Index) -> sp.csr_matrix | None:
    """``matrix.shares`` with its columns placed on ``columns``; None if a share would be lost."""
    if matrix.columns is columns or matrix.columns.equals(columns):
        return matrix.shares
    src = matrix.columns
    where = columns.get_indexer(src)
    coo = matrix.shares.tocoo()
    lost = where[coo.col] < 0
    if lost.any() and np.abs(coo.data[lost]).max() > 0:
        return None
    keep = ~lost
    return sp.csr_matrix(
        (coo.data[keep], (coo.row[keep], where[coo.col[keep]])),
        shape=(matrix.shares.shape[0], len(columns)),
    )


def per_weight(func: F) -> F:
    """Decorator: apply an edit to the default shares and to each weight's shares alike.

    Every :class:`Division` positional argument is replaced by its view for the weight; the
    results are aligned on the columns of the default result.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Division:
        result = func(*args, **kwargs)
        divisions = [a for a in args if isinstance(a, Division)]
        keys = sorted({k for d in divisions for k in d.weight_shares})
        if not keys:
            return result
        others: dict[str, Division] = {}
        for key in keys:
            check_budget()  # one weight view's work at most past the budget
            view_args = [a.for_weight(key) if isinstance(a, Division) else a for a in args]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    others[key] = func(*view_args, **kwargs)
            except (EditError, DivisionError):
                continue
        names = dict(result.region_names)
        for other in others.values():  # a region only one weight reaches (e.g. by pupils)
            if other.regions is result.regions:
                continue
            for code in other.regions.difference(result.regions):
                names[code] = other.region_names.get(code, code)
        if len(names) > len(result.regions):
            regions = pd.Index(sorted(names), dtype=str)
            columns = regions.append(pd.Index([NO_REGION]))
            result = Division(
                result.name,
                result.units,
                regions,
                names,
                _aligned(result, columns),
                dict(result.meta),
            )
        matrices = {k: _aligned(o, result.columns) for k, o in others.items()}
        matrices = {k: m for k, m in matrices.items() if m is not None}
        # each matrix is an edit's validated result, only its columns placed
        return result.with_weight_shares(matrices, validated=True) if matrices else result

    return wrapper  # type: ignore[return-value]


def _current_swv(division: Division, postcodes: pd.DataFrame, pc4: str) -> str | None:
    moves = dict(division.meta.get("postcode_moves", {}) or {})
    if pc4 in moves:
        return str(moves[pc4])
    column = division.name if division.name in postcodes.columns else None
    if column is None:
        return None
    values = postcodes.loc[postcodes["pc4"] == pc4, column]
    return str(values.iloc[0]) if len(values) else None


def move_postcode(
    division: Division,
    postcodes: pd.DataFrame | None,
    pc4: str,
    to: str,
    *,
    from_: str | None = None,
) -> Division:
    """Move one PC4 to SWV ``to`` (rule in the module docstring); returns a new division.

    >>> pcs = pd.DataFrame({"pc4": ["1000", "1001"], "unit": ["G", "G"], "swv_po": ["A", "A"],
    ...     "inhabitants": [30.0, 10.0], "area_km2": [1.0, 3.0]})
    >>> d = Division.from_assignment("swv_po", {"G": "A", "H": "B"})
    >>> d = d.with_weight_shares({"area_km2": d.shares, "inhabitants": d.shares})
    >>> moved = move_postcode(d, pcs, "1001", "B")
    >>> moved.for_weight("inhabitants").unit_regions("G")
    {'A': 0.75, 'B': 0.25}
    >>> moved.for_weight("area").unit_regions("G")
    {'A': 0.25, 'B': 0.75}
    """
    if postcodes is None or postcodes.empty:
        raise EditError("pc4", "this dataset has no PC4 layer; rebuild it ('regio data build')")
    pc4 = str(pc4).strip()
    rows = postcodes.loc[postcodes["pc4"] == pc4]
    if rows.empty:
        raise EditError("pc4", f"unknown postcode {pc4!r} (not a PC4 of the PC4 layer)")
    if to not in division.columns:
        raise EditError("to", f"unknown region {to!r} in division {division.name!r}")
    source = from_ or _current_swv(division, postcodes, pc4)
    if source is None:
        raise EditError(
            "from", f"the SWV of postcode {pc4} in division {division.name!r} is not known; give it"
        )
    if source not in division.columns:
        raise EditError(
            "from",
            f"postcode {pc4} lies in {source!r}, which division {division.name!r} no longer has "
            "(merged or renamed?); name the region it lies in now with 'from'",
        )
    if source == to:
        raise EditError("to", f"postcode {pc4} already lies in {to!r}")
    units = pd.Index(rows["unit"].astype(str))
    all_pieces = postcodes.loc[postcodes["unit"].isin(units)]
    frm, dst = division.columns.get_loc(source), division.columns.get_loc(to)
    row_index = division.units.get_indexer(units)

    def moved(matrix: sp.csr_matrix, weight: str | None) -> sp.csr_matrix:
        key = WEIGHT_ALIASES.get(weight, weight) if weight else "inhabitants"
        if key not in postcodes.columns:
            key = "inhabitants"
        totals = all_pieces.groupby("unit")[key].sum()
        part = rows.groupby("unit")[key].sum().reindex(units).to_numpy(float)
        whole = totals.reindex(units).to_numpy(float)
        delta = np.divide(part, whole, out=np.zeros_like(part), where=whole > 0)
        lil = matrix.tolil(copy=True)
        for i, d in zip(row_index, delta, strict=True):  # the 1-2 gemeenten of one postcode
            have = lil[i, frm]
            d = min(d, have)
            lil[i, frm] = have - d
            lil[i, dst] = lil[i, dst] + d
        out = lil.tocsr()
        out.eliminate_zeros()
        return out

    default = str(division.meta.get("default_weight", "inhabitants"))
    moves = dict(division.meta.get("postcode_moves", {}) or {})
    moves[pc4] = to
    result = Division(
        division.name,
        division.units,
        division.regions,
        dict(division.region_names),
        moved(division.shares, default),
        {**division.meta, "postcode_moves": moves},
    )
    result.validate()
    if division.weight_shares:
        result = result.with_weight_shares(
            {k: moved(m, k) for k, m in division.weight_shares.items()}
        )
    return result


def keep_weight_shares(old: Division, new: Division) -> Division:
    """``new`` (a whole division from an assignment table, e.g. an ``assign`` edit or an
    uploaded CSV) with the weight-specific shares of ``old`` kept for every unit it leaves as
    it was.

    Rule: a unit whose default row in ``new`` equals its row in ``old`` (the same regions, shares
    within 1e-12) keeps, for each weight, its row of ``old`` (its postcode-exact split), as long
    as every region of that row is a region of ``new``; every other unit gets its new default
    row for every weight (a table of default shares says nothing per weight).

    >>> d = Division.from_membership("d", pd.DataFrame(
    ...     {"unit": ["g", "g", "h"], "region": ["A", "B", "B"], "share": [0.5, 0.5, 1.0]}))
    >>> d = d.with_weight_shares({"pupils_po": sp.csr_matrix([[0.9, 0.1, 0.0], [0.0, 1.0, 0.0]])})
    >>> same = keep_weight_shares(d, Division.from_membership("d", d.membership))
    >>> same.for_weight("pupils_po").unit_regions("g")
    {'A': 0.9, 'B': 0.1}
    >>> moved = keep_weight_shares(d, Division.from_assignment("d", {"g": "B", "h": "B"}))
    >>> moved.for_weight("pupils_po").unit_regions("g")
    {'B': 1.0}
    """
    if not old.weight_shares:
        return new
    old = old.reindexed(new.units)
    position = new.column_position
    to_new = np.array([position.get(c, -1) for c in old.column_codes], dtype=np.int64)

    def aligned(matrix: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
        """``matrix`` on ``new``'s columns, and the rows that had a share in a column ``new``
        lacks (they cannot be kept)."""
        coo = matrix.tocoo()
        cols = to_new[coo.col]
        lost = (cols < 0) & (coo.data != 0)
        bad = np.zeros(matrix.shape[0], dtype=bool)
        bad[coo.row[lost]] = True
        ok = cols >= 0
        out = sp.csr_matrix(
            (coo.data[ok], (coo.row[ok], cols[ok])), shape=(matrix.shape[0], len(position))
        )
        return out, bad

    default, bad = aligned(old.shares)
    diff = (default - new.shares).tocsr()
    differ = np.asarray(abs(diff).max(axis=1).toarray()).ravel() > 1e-12
    same = ~(differ | bad)
    matrices = {}
    for key, matrix in old.weight_shares.items():
        view, lost = aligned(matrix)
        keep = (same & ~lost).astype(float)
        matrices[key] = sp.diags(keep) @ view + sp.diags(1.0 - keep) @ new.shares
    return new.with_weight_shares(matrices)
