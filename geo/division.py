"""A division ("indeling"): an assignment of units to regions, with shares.

A unit (a 2025 gemeente) may belong to several regions in part: its shares over the regions sum
to 1. A share that belongs to no region at all (e.g. the Europoort postcodes, which are in no SWV)
is kept explicitly in the column :data:`NO_REGION`, never dropped.

Internally the shares are a sparse ``units x (regions + [NO_REGION])`` matrix, so comparing two
divisions is a sparse matrix product (see :mod:`geo.overlap`).

Weight-specific shares: a unit split over regions (a gemeente split over SWVs by postcode) has
different shares for different weights: its area share in an SWV is the area of its postcodes
there, its inhabitant share their inhabitants. Such a division carries one matrix per weight
in :attr:`Division.weight_shares` (keyed by the weight column, e.g. ``inhabitants``);
:meth:`Division.shares_for` picks the matrix for a weight and falls back to :attr:`shares`,
and :meth:`Division.for_weight` gives the division as seen by one weight (what
:func:`geo.overlap.contingency` and :func:`geo.overlap.score` use, by the weights Series' name).

>>> d = Division.from_assignment("toy", {"GM1": "A", "GM2": "A", "GM3": "B"})
>>> d.n_regions, list(d.regions)
(2, ['A', 'B'])
>>> d.assignment().to_dict()
{'GM1': 'A', 'GM2': 'A', 'GM3': 'B'}
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from geo.errors import DivisionError

WEIGHT_ALIASES: dict[str, str] = {"area": "area_km2", "pupils": "pupils_total"}
"""Public weight names (see :data:`geo.dataset.WEIGHTS`) whose column has another name."""

NO_REGION = "GEEN"
"""Region code for the share of a unit that belongs to no region (e.g. 'geen SWV')."""

SHARE_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class Division:
    """Units assigned to regions with shares that sum to 1 per unit.

    ``shares[i, j]`` is the share of unit ``units[i]`` in region ``columns[j]``, where
    ``columns = regions + [NO_REGION]``.
    """

    name: str
    units: pd.Index
    regions: pd.Index
    region_names: Mapping[str, str]
    shares: sp.csr_matrix
    meta: Mapping[str, object] = field(default_factory=dict)
    weight_shares: Mapping[str, sp.csr_matrix] = field(default_factory=dict)
    """Optional share matrices per weight column (same shape as :attr:`shares`); a weight
    without a matrix uses :attr:`shares`."""
    _views: dict[str, Division] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_membership(
        cls,
        name: str,
        membership: pd.DataFrame,
        units: Iterable[str] | None = None,
        region_names: Mapping[str, str] | None = None,
        meta: Mapping[str, object] | None = None,
    ) -> Division:
        """Build from a long table with columns ``unit``, ``region``, ``share``.

        Rule: every unit of ``units`` must appear, shares must be >= 0 and sum to 1 (± 1e-9) per
        unit; ``region == NO_REGION`` marks a share in no region. Raises :class:`DivisionError`
        naming the offending unit or code otherwise.

        >>> m = pd.DataFrame({"unit": ["a", "b", "b"], "region": ["X", "X", "Y"],
        ...                   "share": [1.0, 0.25, 0.75]})
        >>> Division.from_membership("d", m).split_units()
        ['b']
        """
        for col in ("unit", "region", "share"):
            if col not in membership.columns:
                raise DivisionError(f"division {name!r}: membership has no column {col!r}")
        m = membership[["unit", "region", "share"]].copy()
        m["unit"] = m["unit"].astype(str)
        m["region"] = m["region"].astype(str)
        m["share"] = pd.to_numeric(m["share"], errors="coerce")
        if m["share"].isna().any():
            bad = m.loc[m["share"].isna(), "unit"].iloc[0]
            raise DivisionError(f"division {name!r}: unit {bad!r} has a share that is not a number")
        if (m["share"] < 0).any():
            bad = m.loc[m["share"] < 0].iloc[0]
            raise DivisionError(
                f"division {name!r}: unit {bad['unit']!r} has a negative share "
                f"{bad['share']} in region {bad['region']!r}"
            )
        m = m.groupby(["unit", "region"], as_index=False, sort=False)["share"].sum()
        unit_index = pd.Index(list(units) if units is not None else pd.unique(m["unit"]), dtype=str)
        if unit_index.has_duplicates:
            dup = unit_index[unit_index.duplicated()][0]
            raise DivisionError(f"division {name!r}: unit {dup!r} is listed twice")
        unknown = pd.Index(m["unit"]).difference(unit_index)
        if len(unknown):
            raise DivisionError(
                f"division {name!r}: unknown unit code(s) {', '.join(map(repr, unknown[:5]))}"
            )
        region_codes = sorted(set(m["region"]) - {NO_REGION} | set(region_names or {}))
        region_index = pd.Index(region_codes, dtype=str)
        columns = region_index.append(pd.Index([NO_REGION]))
        rows = unit_index.get_indexer(m["unit"])
        cols = columns.get_indexer(m["region"])
        matrix = sp.csr_matrix(
            (m["share"].to_numpy(float), (rows, cols)), shape=(len(unit_index), len(columns))
        )
        matrix.eliminate_zeros()
        names = {code: str((region_names or {}).get(code, code)) for code in region_index}
        division = cls(name, unit_index, region_index, names, matrix, dict(meta or {}))
        division.validate()
        return division

    @classmethod
    def from_assignment(
        cls,
        name: str,
        assignment: Mapping[str, str] | pd.Series,
        units: Iterable[str] | None = None,
        region_names: Mapping[str, str] | None = None,
        meta: Mapping[str, object] | None = None,
    ) -> Division:
        """Build from a whole-unit assignment ``unit -> region`` (the Districtr convention)."""
        series = pd.Series(assignment, dtype=object)
        membership = pd.DataFrame(
            {
                "unit": series.index.astype(str),
                "region": series.astype(str).to_numpy(),
                "share": 1.0,
            }
        )
        return cls.from_membership(name, membership, units, region_names, meta)

    # ------------------------------------------------------------------ properties
    @functools.cached_property
    def columns(self) -> pd.Index:
        """Region codes followed by :data:`NO_REGION`: the columns of :attr:`shares`
        (computed once per division: a division never changes)."""
        return self.regions.append(pd.Index([NO_REGION]))

    @functools.cached_property
    def column_codes(self) -> list[str]:
        """:attr:`columns` as a list of str (computed once)."""
        return [str(c) for c in self.columns.tolist()]

    @functools.cached_property
    def column_position(self) -> dict[str, int]:
        """``{code: column}`` of :attr:`columns` (computed once)."""
        return {c: j for j, c in enumerate(self.column_codes)}

    @functools.cached_property
    def unit_position(self) -> dict[str, int]:
        """``{unit: row}`` of :attr:`units` (computed once)."""
        return {str(u): i for i, u in enumerate(self.units.tolist())}

    @property
    def n_regions(self) -> int:
        """Number of regions (the 'no region' column is not a region)."""
        return len(self.regions)

    @property
    def membership(self) -> pd.DataFrame:
        """Long table ``unit, region, share`` of all non-zero shares."""
        coo = self.shares.tocoo()
        out = pd.DataFrame(
            {
                "unit": self.units.to_numpy()[coo.row],
                "region": self.columns.to_numpy()[coo.col],
                "share": coo.data,
            }
        )
        return out.sort_values(["unit", "share"], ascending=[True, False], ignore_index=True)

    # ------------------------------------------------------------------ weight-specific shares
    def shares_for(self, weight: str | None) -> sp.csr_matrix:
        """The share matrix for ``weight`` (a weight column such as ``inhabitants``, or a public
        weight name such as ``area``); :attr:`shares` when there is no matrix for it.

        >>> d = Division.from_assignment("d", {"GM1": "A"})
        >>> d.shares_for("inhabitants") is d.shares
        True
        """
        if weight is None or not self.weight_shares:
            return self.shares
        key = WEIGHT_ALIASES.get(str(weight), str(weight))
        return self.weight_shares.get(key, self.shares)

    def for_weight(self, weight: str | None) -> Division:
        """This division as seen by one weight: :attr:`shares` replaced by
        :meth:`shares_for` (memoised; the division itself when nothing differs).

        >>> import scipy.sparse as sp
        >>> d = Division.from_membership("d", pd.DataFrame(
        ...     {"unit": ["g", "g"], "region": ["A", "B"], "share": [0.5, 0.5]}))
        >>> w = d.with_weight_shares({"area_km2": sp.csr_matrix([[0.9, 0.1, 0.0]])})
        >>> w.for_weight("area").unit_regions("g")
        {'A': 0.9, 'B': 0.1}
        """
        matrix = self.shares_for(weight)
        if matrix is self.shares:
            return self
        key = str(weight)
        view = self._views.get(key)
        if view is None:
            view = Division(
                self.name, self.units, self.regions, self.region_names, matrix, self.meta
            ).reuse_lookups_of(self)
            self._views[key] = view
        return view

    def reuse_lookups_of(self, other: Division) -> Division:
        """Take over ``other``'s computed column and unit lookups where they are the same
        objects (a division never changes, so an edit that keeps the regions or the units can
        reuse them); returns ``self``."""
        theirs = other.__dict__
        if self.regions is other.regions:
            for name in ("columns", "column_codes", "column_position"):
                if name in theirs:
                    self.__dict__.setdefault(name, theirs[name])
        if self.units is other.units and "unit_position" in theirs:
            self.__dict__.setdefault("unit_position", theirs["unit_position"])
        return self

    def with_weight_shares(
        self, matrices: Mapping[str, sp.spmatrix], *, validated: bool = False
    ) -> Division:
        """A copy carrying ``matrices`` (weight column -> matrix shaped like :attr:`shares`);
        each is validated like :attr:`shares`, unless the caller says they are (``validated``:
        e.g. each is the validated result of an edit)."""
        clean = {}
        for key, matrix in matrices.items():
            m = sp.csr_matrix(matrix)
            if m.shape != self.shares.shape:
                raise DivisionError(
                    f"division {self.name!r}: shares for weight {key!r} have shape {m.shape}, "
                    f"expected {self.shares.shape}"
                )
            m.eliminate_zeros()
            if not validated:
                Division(self.name, self.units, self.regions, self.region_names, m).validate()
            clean[WEIGHT_ALIASES.get(key, key)] = m
        return Division(
            self.name, self.units, self.regions, self.region_names, self.shares, self.meta, clean
        ).reuse_lookups_of(self)

    def weight_membership(self) -> pd.DataFrame:
        """Long table ``weight, unit, region, share`` of every weight-specific matrix."""
        frames = [self.for_weight(key).membership.assign(weight=key) for key in self.weight_shares]
        if not frames:
            return pd.DataFrame(columns=["weight", "unit", "region", "share"])
        return pd.concat(frames, ignore_index=True)[["weight", "unit", "region", "share"]]

    # ------------------------------------------------------------------ queries
    def validate(self, rows: Iterable[int] | None = None) -> None:
        """Raise :class:`DivisionError` unless shares are >= 0 and sum to 1 ± 1e-9 per unit
        (only the units at ``rows`` when given: an edit that changed only those)."""
        if rows is not None:
            m = self.shares
            for i in rows:
                lo, hi = m.indptr[i], m.indptr[i + 1]
                total = float(m.data[lo:hi].sum())
                if abs(total - 1.0) > SHARE_TOLERANCE or (hi > lo and m.data[lo:hi].min() < 0):
                    raise DivisionError(
                        f"division {self.name!r}: shares of unit {self.units[i]!r} sum to "
                        f"{total:.12g}, not 1, or are negative"
                    )
            return
        sums = np.asarray(self.shares.sum(axis=1)).ravel()
        bad = np.flatnonzero(np.abs(sums - 1.0) > SHARE_TOLERANCE)
        if len(bad):
            unit = self.units[bad[0]]
            raise DivisionError(
                f"division {self.name!r}: shares of unit {unit!r} sum to {sums[bad[0]]:.12g}, "
                f"not 1 ({len(bad)} unit(s) affected)"
            )
        if self.shares.nnz and self.shares.data.min() < 0:
            raise DivisionError(f"division {self.name!r}: negative share")

    def share_sums(self) -> pd.Series:
        """Sum of shares per unit (1 for a valid division)."""
        return pd.Series(np.asarray(self.shares.sum(axis=1)).ravel(), index=self.units)

    def assignment(self) -> pd.Series:
        """Each unit's region with the largest share (``NO_REGION`` if that is largest)."""
        dense_argmax = np.asarray(self.shares.argmax(axis=1)).ravel()
        return pd.Series(self.columns.to_numpy()[dense_argmax], index=self.units, name=self.name)

    def split_units(self) -> list[str]:
        """Units with a non-zero share in more than one column (regions or 'no region')."""
        counts = np.diff(self.shares.indptr)
        return list(self.units[counts > 1])

    def unassigned(self) -> pd.Series:
        """Share in 'no region' per unit, for units where it is non-zero."""
        col = self.shares[:, len(self.regions)].toarray().ravel()
        return pd.Series(col, index=self.units)[col > 0]

    def unit_regions(self, unit: str) -> dict[str, float]:
        """``{region: share}`` of one unit (raises KeyError for an unknown unit)."""
        if unit not in self.units:
            raise KeyError(f"unknown unit {unit!r} in division {self.name!r}")
        m, codes = self.shares, self.column_codes
        i = self.unit_position[unit]
        lo, hi = m.indptr[i], m.indptr[i + 1]
        return {
            codes[j]: v
            for j, v in zip(m.indices[lo:hi].tolist(), m.data[lo:hi].tolist(), strict=True)
        }

    def region_units(self, region: str) -> dict[str, float]:
        """``{unit: share}`` of one region (raises KeyError for an unknown region)."""
        if region not in self.columns:
            raise KeyError(f"unknown region {region!r} in division {self.name!r}")
        col = self.shares.tocsc().getcol(self.columns.get_loc(region))
        return {self.units[i]: float(v) for i, v in zip(col.indices, col.data, strict=True)}

    def totals(self, weights: pd.Series) -> pd.Series:
        """Weight per column (regions and 'no region'): ``shares_for(weights.name).T @ w``."""
        w = weights.reindex(self.units).fillna(0.0).to_numpy(float)
        return pd.Series(self.shares_for(weights.name).T @ w, index=self.columns)

    def reindexed(self, units: pd.Index) -> Division:
        """The same division over ``units`` (same set, possibly another order)."""
        if not units.equals(self.units):
            if set(units) != set(self.units):
                missing = sorted(set(units) ^ set(self.units))[:5]
                raise DivisionError(
                    f"division {self.name!r} is over other units: differs in {missing}"
                )
            order = self.units.get_indexer(units)
            return Division(
                self.name,
                units,
                self.regions,
                self.region_names,
                self.shares[order],
                self.meta,
                {k: m[order] for k, m in self.weight_shares.items()},
            )
        return self

    def with_region_names(self, names: Mapping[str, str]) -> Division:
        """A copy whose regions carry ``names`` (codes not named keep their code); shares,
        weight-specific shares and lookups are shared with this division.

        >>> Division.from_assignment("d", {"GM1": "A"}).with_region_names({"A": "Aa"}).region_names
        {'A': 'Aa'}
        """
        region_names = {str(c): str(names.get(str(c), c)) for c in self.regions}
        return Division(
            self.name,
            self.units,
            self.regions,
            region_names,
            self.shares,
            self.meta,
            self.weight_shares,
        ).reuse_lookups_of(self)

    def renamed(self, name: str) -> Division:
        """A copy with another name (weight-specific shares kept)."""
        return Division(
            name,
            self.units,
            self.regions,
            self.region_names,
            self.shares,
            self.meta,
            self.weight_shares,
        )


def division_bytes(division: Division) -> int:
    """Estimated bytes one :class:`Division` holds of its own: its share matrices
    (every weight view), region codes and names (the units index is shared by all divisions).

    >>> division_bytes(Division.from_assignment("d", {"GM1": "A", "GM2": "B"})) > 0
    True
    """
    matrices = [division.shares, *division.weight_shares.values()]
    size = sum(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes for m in matrices)
    codes = sum(len(str(c)) + 60 for c in division.regions)  # a str object each
    names = sum(len(str(n)) + 120 for n in division.region_names.values())  # and a dict entry
    return 1024 + size + codes + names
