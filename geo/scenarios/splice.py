"""Share-matrix surgery for the edit verbs: fast paths that give exactly what rebuilding a
division from its membership table would.

* :func:`with_row`: a division with one unit's shares replaced (a ``move``): when the regions
  stay the same, only that unit's row is spliced into the CSR arrays;
* :func:`region_index`: one region :class:`~pandas.Index` object per code list, so the weight
  views of one edit (:func:`~geo.scenarios.postcodes.per_weight`) share it and align for free.

>>> d = Division.from_assignment("d", {"G1": "A", "G2": "B"})
>>> with_row(d, 0, {"B": 1.0}, d.regions, dict(d.region_names)).unit_regions("G1")
{'B': 1.0}
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.division import NO_REGION, Division


@functools.lru_cache(maxsize=256)
def region_index(codes: tuple[str, ...]) -> pd.Index:
    """The region :class:`~pandas.Index` of sorted ``codes``, one object per code list (so the
    views of one edit, :func:`~geo.scenarios.postcodes.per_weight`, share it and align for
    free)."""
    return pd.Index(list(codes), dtype=str)


def with_row(
    division: Division, i: int, row: Mapping[str, float], regions: pd.Index, names: dict[str, str]
) -> Division:
    """``division`` with unit ``i``'s shares replaced by ``row`` over the columns of ``regions``
    (plus :data:`NO_REGION`); zero shares are dropped. When the regions stay the same only the
    row is spliced into the CSR arrays (no pandas, no re-sorting)."""
    same = regions is division.regions
    codes = [c for c, v in row.items() if v > 0]
    listed = [*regions.tolist(), NO_REGION] if not same else []
    position = division.column_position if same else {c: j for j, c in enumerate(listed)}
    cols = np.array([position[c] for c in codes], dtype=np.int64)
    order = np.argsort(cols, kind="stable")
    cols, values = cols[order], np.array([row[c] for c in codes], dtype=float)[order]
    m = division.shares.tocsr()
    if same:
        lo, hi = m.indptr[i], m.indptr[i + 1]
        data = np.r_[m.data[:lo], values, m.data[hi:]]
        indices = np.r_[m.indices[:lo], cols, m.indices[hi:]].astype(m.indices.dtype)
        indptr = m.indptr.copy()
        indptr[i + 1 :] += len(values) - (hi - lo)
        matrix = sp.csr_matrix((data, indices, indptr), shape=m.shape)
    else:
        old = m.tocoo()
        keep = old.row != i
        moved = np.array([position.get(c, -1) for c in division.column_codes])
        where = moved[old.col[keep]]
        matrix = sp.csr_matrix(
            (np.r_[old.data[keep], values], (np.r_[old.row[keep], np.full(len(cols), i)],
                                             np.r_[where, cols])),
            shape=(len(division.units), len(listed)),
        )  # fmt: skip
    matrix.eliminate_zeros()
    result = Division(division.name, division.units, regions, names, matrix, dict(division.meta))
    result.validate(rows=[i])  # every other row is the valid row it was
    return result.reuse_lookups_of(division)
