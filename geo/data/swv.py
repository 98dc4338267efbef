"""SWV memberships (swv_po, swv_vo) of 2025 gemeenten from the 2015 postcode table.

Rule: the legal unit of an SWV area is the 4-digit postcode. Postcodes reach the 2025 gemeenten
through their 2015 gemeente (matched by name to the 2015 CBS boundaries) and the 2015 -> 2025
crosswalk. A gemeente whose postcodes all carry one SWV belongs to it wholly. Within a gemeente
split over SWVs, each SWV is weighted by the pupils (PO pupils for swv_po, VO pupils for swv_vo)
of the schools located in the gemeente whose postcode carries that SWV; where the gemeente has
no such schools, by its share of postcodes (crosswalk weight per postcode). Postcodes that
belong to no SWV (Europoort) have no schools by nature: their share is kept explicitly in
``NO_REGION`` at their share of the gemeente's postcodes, and the SWV shares fill the rest.

>>> NO_SWV_VALUES
('Europoort',)
"""

from __future__ import annotations

import pandas as pd

from geo.division import NO_REGION

NO_SWV_VALUES = ("Europoort",)
"""Values of the postcode table meaning 'this postcode belongs to no SWV'."""


def swv_membership(
    postcodes: pd.DataFrame,
    crosswalk: pd.DataFrame,
    schools: pd.DataFrame,
    *,
    column: str,
    pupils_level: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Membership ``unit, region, share`` and a per-unit method table for one SWV column.

    ``postcodes``: ``pc4, code2015, <column>``; ``crosswalk``: ``source, target, weight``;
    ``schools``: de-duplicated schools with ``unit, pc4, level, leerlingen``.
    """
    pc = postcodes[["pc4", "code2015", column]].rename(columns={column: "swv"})
    pc["swv"] = pc["swv"].where(~pc["swv"].isin(NO_SWV_VALUES), NO_REGION)
    rows = pc.merge(
        crosswalk[["source", "target", "weight"]], left_on="code2015", right_on="source"
    )
    rows = rows.rename(columns={"target": "unit"})
    pc_share = rows.groupby(["unit", "swv"], as_index=False)["weight"].sum()
    pc_share["pc_share"] = pc_share["weight"] / pc_share.groupby("unit")["weight"].transform("sum")
    n_swv = pc_share.groupby("unit")["swv"].transform("size")

    level = schools[(schools["level"] == pupils_level) & schools["unit"].notna()]
    level = level.merge(pc[["pc4", "swv"]], on="pc4", how="inner")
    pupils = level.groupby(["unit", "swv"], as_index=False)["leerlingen"].sum()
    table = pc_share.merge(pupils, on=["unit", "swv"], how="left")
    table["leerlingen"] = table["leerlingen"].fillna(0.0)

    is_none = table["swv"] == NO_REGION
    none_share = table["pc_share"].where(is_none, 0.0).groupby(table["unit"]).transform("sum")
    real_pupils = table["leerlingen"].where(~is_none, 0.0).groupby(table["unit"]).transform("sum")
    real_pc = table["pc_share"].where(~is_none, 0.0).groupby(table["unit"]).transform("sum")
    by_pupils = real_pupils > 0
    inner = table["leerlingen"].where(by_pupils, table["pc_share"]) / real_pupils.where(
        by_pupils, real_pc
    )
    table["share"] = (inner * (1.0 - none_share)).where(~is_none, table["pc_share"])
    table.loc[n_swv == 1, "share"] = 1.0
    table["method"] = "whole"
    table.loc[n_swv > 1, "method"] = by_pupils[n_swv > 1].map({True: "pupils", False: "postcodes"})
    membership = table.loc[table["share"] > 0, ["unit", "swv", "share"]].rename(
        columns={"swv": "region"}
    )
    methods = table.loc[n_swv > 1, ["unit", "swv", "pc_share", "leerlingen", "share", "method"]]
    return membership.reset_index(drop=True), methods.reset_index(drop=True)
