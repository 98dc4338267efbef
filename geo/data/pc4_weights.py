"""Weights per PC4 piece and, from them, a gemeente's share in each SWV per weight.

Rules:

- A *piece* is a PC4 within one 2025 gemeente (nearly always the whole PC4; see
  :func:`geo.data.pc4.place_pc4`). Its ``area_km2`` is the polygon area (EPSG:28992) times its
  fraction.
- ``inhabitants`` are the CBS 2021 counts raked to the 2024 gemeente totals: every piece of a
  gemeente is scaled by ``total_2024 / sum(pieces_2021)``, so the pieces of a gemeente sum to
  its 2024 total exactly and the national total stays 17,942,942. A gemeente whose pieces
  have no inhabitants at all spreads its total by area. ``inhabitants_0_15`` (age groups 0-4,
  5-9 and 10-14) is scaled by the same factor.
- Pupils belong to the gemeente their school lies in and to the PC4 (so the SWV) of the
  school's address postcode (a postcode not in the layer: the PC4 polygon holding the school),
  so every piece also carries ``pupils_po, pupils_vo, pupils_special, pupils_total``.
- :func:`swv_shares`: the share of gemeente ``g`` in SWV ``s`` for weight ``k`` is
  ``k(g's pieces or schools in s) / k(g)``. A gemeente with no weight ``k`` at all (e.g. no VO
  school) takes its ``inhabitants_0_15`` shares, else its area shares.

>>> import pandas as pd
>>> rake(pd.Series([10.0, 30.0]), pd.Series(["A", "A"]), pd.Series({"A": 80})).tolist()
[20.0, 60.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.division import NO_REGION

PIECE_WEIGHTS = ("area_km2", "inhabitants", "inhabitants_0_15")
"""Weights that come from the PC4 pieces."""
PUPIL_WEIGHTS = ("pupils_po", "pupils_vo", "pupils_special", "pupils_total")
"""Weights that come from the school points."""
FALLBACK = "inhabitants_0_15"
"""The weight whose shares a gemeente without any of another weight takes."""


def rake(values: pd.Series, unit: pd.Series, totals: pd.Series) -> pd.Series:
    """Scale ``values`` so that they sum to ``totals[unit]`` within each unit (0 stays 0)."""
    sums = values.groupby(unit.to_numpy()).sum()
    factor = (totals.reindex(sums.index) / sums.replace(0.0, np.nan)).fillna(0.0)
    return values * unit.map(factor).to_numpy()


def piece_weights(
    pieces: pd.DataFrame, pc4: pd.DataFrame, inhabitants_2024: pd.Series
) -> pd.DataFrame:
    """``pieces`` (``pc4, unit, fraction``) with ``area_km2, inhabitants, inhabitants_0_15``.

    ``pc4``: indexed by pc4 with ``area_km2, inhabitants_2021, inhabitants_0_15_2021``.
    """
    out = pieces.copy()
    f = out["fraction"].to_numpy(float)
    src = pc4.reindex(out["pc4"])
    out["area_km2"] = src["area_km2"].to_numpy(float) * f
    raw = pd.Series(src["inhabitants_2021"].to_numpy(float) * f, index=out.index)
    young = pd.Series(np.nan_to_num(src["inhabitants_0_15_2021"].to_numpy(float)) * f, out.index)
    raked = rake(raw, out["unit"], inhabitants_2024)
    empty = out["unit"].map(raw.groupby(out["unit"].to_numpy()).sum()) == 0
    by_area = rake(out["area_km2"], out["unit"], inhabitants_2024)
    out["inhabitants"] = np.where(empty, by_area, raked)
    scale = pd.Series(np.where(raw > 0, raked / raw.where(raw > 0, 1.0), 0.0), index=out.index)
    out["inhabitants_0_15"] = young * scale
    return out


def school_swv(
    schools: pd.DataFrame, swv: pd.DataFrame, pc4_of_point: pd.Series, pieces: pd.DataFrame
) -> pd.DataFrame:
    """``schools`` with ``swv_pc4`` (the PC4 whose SWV the school's pupils take) and
    ``swv_po, swv_vo``.

    Rule: the address postcode, when that PC4 has territory in the school's gemeente (nearly
    always); else the PC4 polygon holding the school, when that lies in the gemeente (a school
    at a border whose address PC4 the layer placed in the neighbour); else the address
    postcode. So pupils lie on their gemeente's own postcodes, and merging SWVs moves nobody.
    """
    table = swv.set_index("pc4")
    territory = pd.MultiIndex.from_frame(pieces[["pc4", "unit"]].astype(str))
    unit = schools["unit"].astype(str)
    address = schools["pc4"].astype(str)
    point = pc4_of_point.reindex(schools.index).astype(str)
    own = pd.MultiIndex.from_arrays([address, unit]).isin(territory)
    via_point = pd.MultiIndex.from_arrays([point, unit]).isin(territory)
    key = address.where(own | ~via_point, point)
    key = key.where(key.isin(table.index), point)
    out = schools.copy()
    out["swv_pc4"] = key.to_numpy()
    for col in ("swv_po", "swv_vo"):
        out[col] = key.map(table[col]).to_numpy()
    return out


def _normalised(sums: pd.DataFrame, weight: str) -> pd.DataFrame:
    total = sums.groupby("unit")[weight].transform("sum")
    return sums.assign(share=sums[weight] / total.replace(0.0, np.nan))


def add_pupils(pieces: pd.DataFrame, schools: pd.DataFrame, swv: pd.DataFrame) -> pd.DataFrame:
    """``pieces`` with ``pupils_po, pupils_vo, pupils_special, pupils_total``: the pupils of the
    schools located in the piece's gemeente whose SWV postcode (``swv_pc4``) is the piece's PC4.
    A (PC4, gemeente) pair that only schools make (a school inside gemeente A with an address
    postcode placed in gemeente B) becomes a piece of its own, with fraction 0 (kind 'school')."""
    located = schools[schools["unit"].notna() & schools["swv_pc4"].notna()]
    pupils = located.pivot_table(
        index=["swv_pc4", "unit"], columns="level", values="leerlingen", aggfunc="sum"
    ).fillna(0.0)
    pupils = pupils.reindex(columns=["po", "vo", "special"], fill_value=0.0)
    pupils.columns = ["pupils_po", "pupils_vo", "pupils_special"]
    pupils.index = pupils.index.set_names(["pc4", "unit"])
    out = pieces.merge(pupils.reset_index(), on=["pc4", "unit"], how="outer")
    extra = out["fraction"].isna()
    if extra.any():
        table = swv.set_index("pc4")
        for col in table.columns.intersection(out.columns):
            out.loc[extra, col] = out.loc[extra, "pc4"].map(table[col]).to_numpy()
        out.loc[extra, "kind"] = "school"
        out.loc[extra, ["fraction", *PIECE_WEIGHTS]] = 0.0
    cols = ["pupils_po", "pupils_vo", "pupils_special"]
    out[cols] = out[cols].fillna(0.0)
    out["pupils_total"] = out[cols].sum(axis=1)
    return out.sort_values(["pc4", "unit"], ignore_index=True)


def swv_shares(pieces: pd.DataFrame, column: str, units: pd.Index) -> dict[str, pd.DataFrame]:
    """Per weight: the membership ``unit, region, share`` of the SWV ``column`` (``swv_po`` or
    ``swv_vo``) over ``units``, from the pieces' weights (:data:`PIECE_WEIGHTS` and
    :data:`PUPIL_WEIGHTS`). A gemeente without any of a weight takes its ``inhabitants_0_15``
    shares, else its area shares."""
    weights = [w for w in (*PIECE_WEIGHTS, *PUPIL_WEIGHTS) if w in pieces.columns]
    sums = pieces.groupby(["unit", column], as_index=False)[weights].sum()
    result = {w: _normalised(sums, w) for w in weights}
    out: dict[str, pd.DataFrame] = {}
    for weight, table in result.items():
        table = table.loc[table["share"].notna()]
        for fallback in (FALLBACK, "area_km2"):
            missing = units.difference(pd.Index(table["unit"].unique()))
            if len(missing) and weight != fallback:
                extra = result[fallback]
                extra = extra.loc[extra["unit"].isin(missing) & extra["share"].notna()]
                table = pd.concat([table, extra], ignore_index=True)
        out[weight] = (
            table.loc[table["share"] > 0, ["unit", column, "share"]]
            .rename(columns={column: "region"})
            .reset_index(drop=True)
        )
    return out


def no_swv_weight(pieces: pd.DataFrame, column: str, weight: str) -> float:
    """Total ``weight`` of the pieces in no SWV (the Europoort)."""
    return float(pieces.loc[pieces[column] == NO_REGION, weight].sum())
