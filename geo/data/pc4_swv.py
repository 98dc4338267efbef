"""SWV membership per PC4 from the Regeling's postcode annex, with every derived case listed.

Rule: a PC4 of 2020 that the annex (2015) lists gets the annex's PO and VO SWV. The Europoort
postcodes (value ``Europoort``) are in no SWV: :data:`~geo.division.NO_REGION`. A 2020 PC4 the
annex does not list (a postcode created after 2015) gets its SWV by an explicit rule, recorded
per postcode in ``rule``:

- ``gemeente_2015``: every annex postcode of the 2015 gemeente it lies in (largest overlap with
  the CBS 2015 boundaries) carries one SWV: that SWV covers the rest of its gemeente;
- ``split_off``: otherwise, the SWV of the annex postcode of that 2015 gemeente with which it
  shares the longest border (the postcode it split off).

Annex postcodes without a 2020 polygon are listed with the 2020 PC4 of their 2015 gemeente
whose code is numerically nearest (where their addresses went), and whether its SWV agrees.

>>> derive_rules()
('annex', 'gemeente_2015', 'split_off')
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.division import NO_REGION
from geo.geometry.intersections import intersections

NO_SWV_VALUES = ("Europoort",)
"""Values of the annex meaning 'this postcode belongs to no SWV'."""


def derive_rules() -> tuple[str, ...]:
    """The values of the ``rule`` column of :func:`pc4_swv`."""
    return ("annex", "gemeente_2015", "split_off")


def _longest_border(
    new: gpd.GeoDataFrame, old: gpd.GeoDataFrame, same_gemeente: pd.Series
) -> pd.Series:
    """For each ``new`` PC4 the ``old`` PC4 of its 2015 gemeente sharing the longest border."""
    left, right = old.sindex.query(new.geometry.values, predicate="intersects")
    length = shapely.length(
        shapely.intersection(
            shapely.boundary(new.geometry.values[left]),
            shapely.buffer(old.geometry.values[right], 1.0),
        )
    )
    pairs = pd.DataFrame(
        {
            "pc4": new["code"].to_numpy()[left],
            "other": old["code"].to_numpy()[right],
            "length": length,
        }
    )
    pairs = pairs[
        pairs["pc4"].map(same_gemeente).to_numpy() == pairs["other"].map(same_gemeente).to_numpy()
    ]
    best = pairs.sort_values("length", ascending=False).drop_duplicates("pc4")
    return best.set_index("pc4")["other"]


def pc4_swv(
    pc4_metric: gpd.GeoDataFrame, annex: pd.DataFrame, gemeenten_2015: gpd.GeoDataFrame
) -> tuple[pd.DataFrame, list[dict]]:
    """``pc4, swv_po, swv_vo, code2015, rule, from_pc4`` per 2020 PC4, and the annex postcodes
    without a polygon.

    ``pc4_metric``: ``code`` + geometry (EPSG:28992); ``annex``: ``pc4, code2015, po_swv,
    vo_swv`` (:func:`geo.data.sources.read_swv_table` plus the 2015 code);
    ``gemeenten_2015``: ``code`` + geometry in EPSG:28992.
    """
    table = annex.set_index("pc4")
    codes = pc4_metric["code"]
    listed = codes.isin(table.index).to_numpy()
    out = pd.DataFrame({"pc4": codes.to_numpy()})
    for col, name in (("po_swv", "swv_po"), ("vo_swv", "swv_vo")):
        value = codes.map(table[col]).replace(dict.fromkeys(NO_SWV_VALUES, NO_REGION))
        out[name] = value.to_numpy()
    out["code2015"] = codes.map(table["code2015"]).to_numpy()
    out["rule"] = np.where(listed, "annex", "")
    out["from_pc4"] = ""

    new = pc4_metric.loc[~listed]
    if len(new):
        pieces = intersections(new, gemeenten_2015)
        best = pieces.sort_values("share", ascending=False).drop_duplicates("source")
        g2015 = new["code"].map(best.set_index("source")["target"])
        out.loc[~listed, "code2015"] = g2015.to_numpy()
        per_gemeente = annex.groupby("code2015")[["po_swv", "vo_swv"]].nunique()
        single = (per_gemeente.max(axis=1) == 1).reindex(g2015).fillna(False).to_numpy()
        first = annex.drop_duplicates("code2015").set_index("code2015")
        gemeente_of = pd.concat(
            [annex.set_index("pc4")["code2015"], pd.Series(g2015.to_numpy(), index=new["code"])]
        )
        old = pc4_metric.loc[listed]
        neighbour = _longest_border(new, old, gemeente_of)
        src = np.where(single, "", new["code"].map(neighbour).fillna("").to_numpy())
        rows = np.flatnonzero(~listed)
        for col, name in (("po_swv", "swv_po"), ("vo_swv", "swv_vo")):
            by_gemeente = g2015.map(first[col]).to_numpy()
            by_neighbour = pd.Series(src).map(table[col]).to_numpy()
            value = pd.Series(np.where(single, by_gemeente, by_neighbour))
            out.loc[rows, name] = value.replace(dict.fromkeys(NO_SWV_VALUES, NO_REGION)).to_numpy()
        out.loc[rows, "rule"] = np.where(single, "gemeente_2015", "split_off")
        out.loc[rows, "from_pc4"] = src

    absent = annex.loc[~annex["pc4"].isin(codes)]
    have = out.assign(num=out["pc4"].astype(int))
    without_polygon = []
    for row in absent.itertuples(index=False):  # a handful of postcodes, no geometry involved
        same = have[have["code2015"] == row.code2015]
        near = same.iloc[int(np.argmin(np.abs(same["num"] - int(row.pc4))))] if len(same) else None
        without_polygon.append(
            {
                "pc4": row.pc4,
                "gemeente_2015": row.gemeente,
                "swv_po": row.po_swv,
                "swv_vo": row.vo_swv,
                "nearest_pc4_2020": None if near is None else near["pc4"],
                "same_swv": bool(
                    near is not None
                    and near["swv_po"] == row.po_swv
                    and near["swv_vo"] == row.vo_swv
                ),
            }
        )
    return out, without_polygon
