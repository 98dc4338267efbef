"""The edit verbs of a scenario: one function per operation, each returning a new Division.

Every edit keeps the invariants of a division: each unit's shares sum to 1 and the share of a
unit in no region (:data:`~geo.division.NO_REGION`) is kept as it is. A division's
weight-specific shares go through every edit alike (:func:`geo.scenarios.postcodes.per_weight`);
postcodes move with :func:`geo.scenarios.postcodes.move_postcode`. So the weighted totals of a
division, ``sum(shares x weight)``, are the same before and after every edit.

>>> from geo.division import Division
>>> d = Division.from_assignment("d", {"GM1": "A", "GM2": "A", "GM3": "B"})
>>> move(d, "GM2", "B").assignment().to_dict()
{'GM1': 'A', 'GM2': 'B', 'GM3': 'B'}
>>> merge(d, ["A", "B"], "AB").n_regions
1
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from geo.division import NO_REGION, SHARE_TOLERANCE, Division
from geo.errors import DivisionError
from geo.scenarios.budget import check_pieces
from geo.scenarios.errors import EditError, EmptiedRegionWarning
from geo.scenarios.postcodes import per_weight
from geo.scenarios.preconditions import (
    check_region,
    require_regions,
    require_same_units,
    require_units,
)
from geo.scenarios.splice import region_index, with_row

SwvRule = Literal["components", "vo_base", "po_base"]
SWV_RULES: tuple[str, ...] = ("components", "vo_base", "po_base")
PIECE_SEPARATOR = "-"


def _rebuild(
    division: Division,
    membership: pd.DataFrame,
    region_names: Mapping[str, str],
    *,
    name: str | None = None,
    meta: Mapping[str, object] | None = None,
) -> Division:
    """A division over the same units from a new membership table."""
    membership = membership.loc[membership["share"] > 0]
    return Division.from_membership(
        name or division.name,
        membership,
        units=division.units,
        region_names=region_names,
        meta=dict(division.meta) if meta is None else meta,
    )


def _relabel(
    division: Division, mapping: Mapping[str, str], region_names: Mapping[str, str]
) -> Division:
    """Rename region columns by ``mapping`` (several old codes may map to one new code) with a
    sparse product ``shares @ M``; ``NO_REGION`` always maps to itself."""
    old = division.column_codes
    targets = [mapping.get(code, code) for code in old[:-1]]
    codes = sorted(set(targets))
    regions = region_index(tuple(codes))
    position = {c: j for j, c in enumerate(codes)} | {NO_REGION: len(codes)}
    m = sp.csr_matrix(
        (
            np.ones(len(old)),
            (np.arange(len(old)), np.array([position[c] for c in [*targets, NO_REGION]])),
        ),
        shape=(len(old), len(codes) + 1),
    )
    shares = (division.shares @ m).tocsr()
    shares.eliminate_zeros()
    names = {code: str(region_names.get(code, code)) for code in codes}
    result = Division(division.name, division.units, regions, names, shares, dict(division.meta))
    result.validate()
    return result


# ---------------------------------------------------------------------------------------- move
def _require_target(division: Division, to: str, name: str | None) -> None:
    """``to`` must be a region of the division; with ``name``, a code that is no region yet."""
    if name is None:
        check_region(division, "to", to)
        return
    if to == NO_REGION:
        raise EditError("to", f"{NO_REGION!r} is reserved for the share in no region")
    if to in division.regions:
        raise EditError(
            "to",
            f"region {to!r} already exists in division {division.name!r}; leave out 'name' to "
            "move into it, or choose a new code for a new region",
        )


@per_weight
@require_units("unit")
@require_regions("from_")
def move(
    division: Division,
    unit: str,
    to: str,
    *,
    from_: str | None = None,
    share: float | None = None,
    name: str | None = None,
) -> Division:
    """Move a unit, or a share of it, to another region (or to a new region).

    Rule: ``share`` is a share of the whole unit (0 < share <= 1). With ``from_``, that share
    (default: all the unit has in ``from_``) goes from ``from_`` to ``to``; moving more than the
    unit has there is refused (its shares would no longer sum to 1). Without ``from_``, all the
    unit's shares in regions go to ``to`` (with ``share``, the unit must lie in exactly one
    region). The unit's share in no region always stays where it is. A region left without any
    unit disappears (with an :class:`EmptiedRegionWarning`). With ``name``, ``to`` is a new
    region (its code must not exist yet) named ``name``. Only the unit's row of the share matrix
    changes (no table is rebuilt), so a move costs well under a millisecond on the real data.

    >>> d = Division.from_assignment("d", {"GM1": "A", "GM2": "B"})
    >>> move(d, "GM1", "B", share=0.25).unit_regions("GM1")
    {'A': 0.75, 'B': 0.25}
    >>> new = move(move(d, "GM1", "B", share=0.25), "GM2", "C", name="Nieuw")
    >>> list(new.regions), new.region_names["C"]
    (['A', 'B', 'C'], 'Nieuw')
    """
    _require_target(division, to, name)
    row = division.unit_regions(unit)
    in_regions = {region: s for region, s in row.items() if region != NO_REGION}
    if not in_regions:
        raise EditError("unit", f"unit {unit!r} lies in no region; there is nothing to move")
    if from_ is None and share is not None:
        if len(in_regions) != 1:
            raise EditError(
                "from",
                f"unit {unit!r} lies in {len(in_regions)} regions "
                f"({', '.join(in_regions) or 'none'}); say which region the share comes from",
            )
        from_ = next(iter(in_regions))
    if from_ is None:
        moving = {region: s for region, s in in_regions.items() if region != to}
        if not moving:
            raise EditError("to", f"unit {unit!r} already lies wholly in region {to!r}")
    else:
        if from_ == to:
            raise EditError("to", f"'to' is the same region as 'from' ({to!r})")
        have = in_regions.get(from_, 0.0)
        if have == 0.0:
            raise EditError("from", f"unit {unit!r} has no share in region {from_!r}")
        amount = have if share is None else float(share)
        if amount > have + SHARE_TOLERANCE:
            raise EditError(
                "share",
                f"unit {unit!r} has only a share of {have:.6g} in region {from_!r}; moving "
                f"{amount:.6g} would leave shares that no longer sum to 1",
            )
        moving = {from_: min(amount, have)}

    for region, amount in moving.items():
        row[region] = 0.0 if amount >= row[region] else row[region] - amount
    row[to] = row.get(to, 0.0) + sum(moving.values())
    i = division.unit_position[unit]
    losing = [region for region in moving if row[region] <= 0]
    if losing:
        holders = np.bincount(division.shares.indices, minlength=division.shares.shape[1])
        emptied = {r for r in losing if holders[division.column_position[r]] == 1}
    else:
        emptied = set()
    if emptied:
        warnings.warn(
            f"division {division.name!r}: moving unit {unit!r} left region(s) "
            f"{', '.join(sorted(emptied))} without units; removed",
            EmptiedRegionWarning,
            stacklevel=3,
        )
    if not emptied and name is None:  # the usual click: same regions, one row changes
        return with_row(division, i, row, division.regions, dict(division.region_names))
    names = {**division.region_names, **({to: str(name)} if name is not None else {})}
    new = sorted(set(division.column_codes[:-1]) - emptied | ({to} if name is not None else set()))
    regions = region_index(tuple(new))
    names = {code: str(names.get(code, code)) for code in new}
    return with_row(division, i, row, regions, names)


# --------------------------------------------------------------------------------------- merge
@per_weight
@require_regions("regions")
def merge(
    division: Division, regions: Sequence[str], into: str, *, name: str | None = None
) -> Division:
    """Merge regions into one.

    Rule: every share in one of ``regions`` goes to ``into``. ``into`` is one of ``regions``, a
    new code, or another existing region (which is then merged as well). The merged region is
    called ``name``, else the name of ``into`` if it existed, else the names of the merged
    regions joined by ' + '. Shares in no region are untouched.

    >>> d = Division.from_assignment("d", {"GM1": "A", "GM2": "B", "GM3": "C"})
    >>> merge(d, ["A", "B"], "A", name="A and B").region_names
    {'A': 'A and B', 'C': 'C'}
    """
    if into == NO_REGION:
        raise EditError("into", f"cannot merge into {NO_REGION!r}, the share in no region")
    seen: set[str] = set()
    for code in regions:
        if code in seen:
            raise EditError("regions", f"region {code!r} is listed twice")
        seen.add(code)
    members = list(regions) + ([into] if into in division.regions and into not in seen else [])
    if name is None:
        if into in division.regions:
            name = division.region_names.get(into, into)
        else:
            name = " + ".join(division.region_names.get(code, code) for code in regions)
    names = {code: n for code, n in division.region_names.items() if code not in members}
    names[into] = name
    return _relabel(division, dict.fromkeys(members, into), names)


# -------------------------------------------------------------------------------------- rename
@per_weight
@require_regions("region")
def rename(
    division: Division, region: str, *, code: str | None = None, name: str | None = None
) -> Division:
    """Give a region another code and/or name.

    Rule: the new code must not be in use already (that would be a merge: use :func:`merge`) and
    cannot be ``NO_REGION``; units and shares are unchanged.

    >>> d = Division.from_assignment("d", {"GM1": "A"})
    >>> rename(d, "A", code="X", name="Region X").region_names
    {'X': 'Region X'}
    """
    new_code = region if code is None else code
    if new_code == NO_REGION:
        raise EditError("code", f"{NO_REGION!r} is reserved for the share in no region")
    if new_code != region and new_code in division.regions:
        raise EditError(
            "code", f"region {new_code!r} already exists; use a merge to join two regions"
        )
    names = {c: n for c, n in division.region_names.items() if c != region}
    names[new_code] = name if name is not None else division.region_names.get(region, region)
    return _relabel(division, {region: new_code}, names)


# -------------------------------------------------------------------------------------- assign
def assign(
    name: str,
    membership: pd.DataFrame,
    units: pd.Index,
    *,
    region_names: Mapping[str, str] | None = None,
    field: str = "membership",
) -> Division:
    """Create a division from a ``unit, region, share`` table (Districtr's assignment style).

    Rule: every unit of ``units`` is listed, no other unit is, and each unit's shares sum to 1
    (± 1e-9). Region ``NO_REGION`` holds a share in no region. ``region_names`` may only name
    regions that occur. Problems raise :class:`EditError` for ``field`` naming the unit.

    >>> m = pd.DataFrame({"unit": ["GM1", "GM2"], "region": ["A", "B"], "share": 1.0})
    >>> assign("new", m, pd.Index(["GM1", "GM2"])).n_regions
    2
    """
    m = membership[["unit", "region", "share"]].copy()
    m["unit"] = m["unit"].astype(str)
    m["region"] = m["region"].astype(str)
    m["share"] = pd.to_numeric(m["share"], errors="coerce")
    unknown = pd.Index(m["unit"].unique()).difference(units)
    if len(unknown):
        raise EditError(field, f"unknown unit(s) {', '.join(map(repr, unknown[:5]))}")
    missing = units.difference(pd.Index(m["unit"].unique()))
    if len(missing):
        raise EditError(
            field,
            f"{len(missing)} unit(s) are not assigned, e.g. {', '.join(map(repr, missing[:5]))}; "
            "list every unit (use region "
            f"{NO_REGION!r} for a share in no region)",
        )
    if m["share"].isna().any() or (m["share"] < 0).any():
        bad = m.loc[m["share"].isna() | (m["share"] < 0), "unit"].iloc[0]
        raise EditError(field, f"unit {bad!r} has a share that is not a number >= 0")
    sums = m.groupby("unit")["share"].sum()
    off = sums[(sums - 1.0).abs() > SHARE_TOLERANCE]
    if len(off):
        raise EditError(
            field,
            f"shares of unit {off.index[0]!r} sum to {off.iloc[0]:.6g}, not 1 "
            f"({len(off)} unit(s) affected)",
        )
    regions = set(m["region"]) - {NO_REGION}
    extra = sorted(set(region_names or {}) - regions)
    if extra:
        raise EditError("region_names", f"names given for regions that do not occur: {extra[:5]}")
    try:
        return Division.from_membership(name, m, units=units, region_names=region_names)
    except DivisionError as exc:
        raise EditError(field, str(exc)) from None


# ---------------------------------------------------------------------------------- derive_swv
def _region_part(division: Division) -> sp.csr_matrix:
    """The shares without the NO_REGION column."""
    return division.shares[:, : division.n_regions].tocsr()


def _no_region(division: Division) -> np.ndarray:
    return division.shares[:, division.n_regions].toarray().ravel()


@require_same_units("vo")
def derive_swv(
    po: Division, vo: Division, *, rule: SwvRule = "components", name: str = "swv"
) -> Division:
    """One SWV division for PO and VO together.

    Rules:

    - ``components``: build the overlap graph whose nodes are all PO and VO SWVs, with an edge
      between a PO and a VO SWV when they share a unit (a gemeente). Each connected component is
      one new SWV, so PO and VO SWVs that share a gemeente end up in the same new SWV. A unit
      lies in exactly one component; its share in no SWV is the smaller of its PO and VO shares
      in no SWV (the no-SWV parts are taken to be the same postcodes, as for the Europoort). New
      codes are ``SWV-`` + the first member code, names list the member codes.
    - ``vo_base``: each unit keeps its VO SWV(s); the PO division is ignored.
    - ``po_base``: each unit keeps its PO SWV(s); the VO division is ignored.

    >>> po = Division.from_assignment("swv_po", {"GM1": "PO1", "GM2": "PO2", "GM3": "PO3"})
    >>> vo = Division.from_assignment("swv_vo", {"GM1": "VO1", "GM2": "VO1", "GM3": "VO2"})
    >>> derive_swv(po, vo).assignment().to_dict()
    {'GM1': 'SWV-PO1', 'GM2': 'SWV-PO1', 'GM3': 'SWV-PO3'}
    """
    if rule not in SWV_RULES:
        raise EditError("rule", f"unknown rule {rule!r}; choose one of {', '.join(SWV_RULES)}")
    if rule in ("vo_base", "po_base"):
        base = vo if rule == "vo_base" else po
        return Division(
            name,
            base.units,
            base.regions,
            dict(base.region_names),
            base.shares,
            {**base.meta, "rule": rule, "from": [po.name, vo.name]},
            base.weight_shares,
        )

    territory = "area_km2"  # link SWVs that share territory (the default shares without it)
    p, v = _region_part(po.for_weight(territory)), _region_part(vo.for_weight(territory))
    link = ((p.T @ v) > 0).astype(np.int8)  # PO region x VO region share a unit
    graph = sp.bmat([[None, link], [link.T, None]], format="csr")
    n_components, label = connected_components(graph, directed=False)
    nodes = po.regions.append(vo.regions)
    members = pd.Series(nodes.to_numpy(), index=pd.RangeIndex(len(nodes))).groupby(label).agg(list)
    codes = members.map(lambda codes: f"SWV{PIECE_SEPARATOR}{codes[0]}")
    names = members.map(lambda codes: " + ".join(codes))
    # each unit: the component of any of its regions by territory (all in the same component)
    unit_nodes = sp.hstack([p, v]).tocsr()
    unit_nodes.eliminate_zeros()
    has_region = np.diff(unit_nodes.indptr) > 0
    first_node = unit_nodes.indices[unit_nodes.indptr[:-1][has_region]]
    region_of_unit = codes.to_numpy()[label[first_node]]
    meta = {
        "rule": rule,
        "from": [po.name, vo.name],
        "members": dict(zip(codes, members, strict=True)),
        "components": int(n_components),
    }

    def joint(po_view: Division, vo_view: Division) -> Division:
        no_region = np.minimum(_no_region(po_view), _no_region(vo_view))
        no_region = np.where(has_region, no_region, 1.0)
        rows = pd.DataFrame(
            {
                "unit": po.units.to_numpy()[has_region],
                "region": region_of_unit,
                "share": 1.0 - no_region[has_region],
            }
        )
        geen = pd.DataFrame({"unit": po.units.to_numpy(), "region": NO_REGION, "share": no_region})
        membership = pd.concat([rows, geen], ignore_index=True)
        used = set(region_of_unit)
        region_names = {c: n for c, n in zip(codes, names, strict=True) if c in used}
        return _rebuild(po, membership, region_names, name=name, meta=meta)

    result = joint(po, vo)
    keys = sorted(set(po.weight_shares) | set(vo.weight_shares))
    if not keys:
        return result
    return result.with_weight_shares(
        {k: joint(po.for_weight(k), vo.for_weight(k)).shares for k in keys}
    )


# ------------------------------------------------------------------------------------ split_by
def split_size(division: Division, by: Division) -> dict[str, int]:
    """Share rows and regions :func:`split_by` would make, counted from the two share matrices
    (sparse counts, no pieces built): a unit in ``r`` regions of ``division`` and ``s`` of
    ``by`` gives ``r x s`` rows, and a region is made for every pair of regions sharing a unit
    (plus the regions kept whole where a unit lies in no region of ``by``).

    >>> a = Division.from_assignment("a", {"GM1": "A1", "GM2": "A1", "GM3": "A2"})
    >>> b = Division.from_assignment("b", {"GM1": "B1", "GM2": "B2", "GM3": "B2"})
    >>> split_size(a, b)
    {'rows': 3, 'regions': 3}
    """
    a = _region_part(division)
    b = _region_part(by.reindexed(division.units))
    a.eliminate_zeros()
    b.eliminate_zeros()
    per_a, per_b = np.diff(a.indptr), np.diff(b.indptr)
    rows = int(np.sum(per_a * np.maximum(per_b, 1))) + int(np.count_nonzero(_no_region(division)))
    pairs = (a.T.astype(bool).astype(np.int32) @ b.astype(bool).astype(np.int32)).nnz
    whole = a[per_b == 0].astype(bool).sum(axis=0)
    return {"rows": rows, "regions": int(pairs + np.count_nonzero(whole))}


@per_weight
@require_same_units("by")
def split_by(division: Division, by: Division, *, name: str | None = None) -> Division:
    """Cut every region of ``division`` along the regions of ``by``.

    Rule: a unit's share in region ``a`` is divided over the regions ``b`` of ``by`` in
    proportion to the unit's shares in those regions; each piece is a new region with code
    ``a-b`` (e.g. ``PO2707-JZ13``) and name ``name(a) / name(b)``. A unit that lies wholly in no
    region of ``by`` keeps its share in ``a``. Shares in no region of ``division`` stay there.
    Merging all pieces ``a-*`` back gives ``division`` again.

    >>> a = Division.from_assignment("swv_po", {"GM1": "PO1", "GM2": "PO1"})
    >>> b = Division.from_assignment("jeugdregio", {"GM1": "JZ1", "GM2": "JZ2"})
    >>> sorted(split_by(a, b).regions)
    ['PO1-JZ1', 'PO1-JZ2']
    """
    check_pieces(**split_size(division, by))  # refused before the work when too large
    a = division.membership
    b = by.membership
    b = b.loc[b["region"] != NO_REGION]
    b = b.assign(share=b["share"] / b.groupby("unit")["share"].transform("sum"))
    in_region = a["region"] != NO_REGION
    pieces = a.loc[in_region].merge(b, on="unit", how="left", suffixes=("", "_by"))
    cut = pieces["region_by"].notna()
    pieces["share"] = pieces["share"] * pieces["share_by"].where(cut, 1.0)
    pieces["code"] = (pieces["region"] + PIECE_SEPARATOR + pieces["region_by"]).where(
        cut, pieces["region"]
    )
    a_names = pd.Series(dict(division.region_names), dtype=object)
    b_names = pd.Series(dict(by.region_names), dtype=object)
    piece_names = (
        pieces["region"].map(a_names).astype(str)
        + " / "
        + pieces["region_by"].map(b_names).astype(str)
    ).where(cut, pieces["region"].map(a_names).astype(str))
    names = dict(zip(pieces["code"], piece_names, strict=True))
    membership = pd.concat(
        [
            pieces[["unit", "code", "share"]].rename(columns={"code": "region"}),
            a.loc[~in_region, ["unit", "region", "share"]],
        ],
        ignore_index=True,
    )
    meta = {**division.meta, "split_by": by.name, "parent": division.name}
    return _rebuild(division, membership, names, name=name, meta=meta)


# ---------------------------------------------------------------------------------------- copy
def copy(division: Division, name: str) -> Division:
    """The same division under another name.

    Rule: units, regions and shares are shared unchanged; only the name differs.

    >>> copy(Division.from_assignment("swv", {"GM1": "A"}), "swv_po").name
    'swv_po'
    """
    return division.renamed(name)
