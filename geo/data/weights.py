"""Weights per unit: area, inhabitants, inhabitants aged 0-15, and pupils.

Rule: ``area_km2`` is the polygon area in EPSG:28992; ``inhabitants`` the CBS KWB 2024 count;
``inhabitants_0_15`` is, with ``youth``, the sum of the gemeente's PC4 age groups 0-4, 5-9
and 10-14 raked to 2024 (:mod:`geo.data.pc4_weights`), rounded to whole persons; without it an
ESTIMATE = inhabitants x rounded percentage aged 0-15 / 100 (the percentage is published
rounded to a whole number, so the error is up to ±0.5 percentage point); pupils are the sums
of ``leerlingen`` over located, de-duplicated schools per level (missing counts count as 0 and
are reported).

>>> import pandas as pd
>>> estimate_0_15(pd.Series([1000]), pd.Series([17.0])).tolist()
[170]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import CRS_METRIC
from geo.errors import SourceError


def estimate_0_15(inhabitants: pd.Series, pct_0_15: pd.Series) -> pd.Series:
    """Inhabitants x rounded percentage / 100, rounded to whole persons (an estimate)."""
    return np.rint(inhabitants.astype(float) * pct_0_15.astype(float) / 100.0).astype("int64")


def unit_weights(
    units: gpd.GeoDataFrame,
    inhabitants: pd.Series,
    age_shares: pd.DataFrame,
    schools: pd.DataFrame,
    *,
    population_source: str = "population",
    youth: pd.Series | None = None,
) -> pd.DataFrame:
    """Weight columns indexed like ``units`` (by ``code``)."""
    codes = pd.Index(units["code"], name="code")
    missing = codes.difference(inhabitants.index)
    if len(missing):
        raise SourceError(population_source, f"no inhabitants for unit(s) {list(missing[:5])}")
    missing_age = codes.difference(age_shares.index if youth is None else youth.index)
    if len(missing_age):
        raise SourceError(population_source, f"no age shares for unit(s) {list(missing_age[:5])}")
    out = pd.DataFrame(index=codes)
    out["area_km2"] = units.to_crs(CRS_METRIC).area.to_numpy() / 1e6
    out["inhabitants"] = inhabitants.reindex(codes).astype("int64")
    if youth is None:
        out["inhabitants_0_15"] = estimate_0_15(
            out["inhabitants"], age_shares["pct_0_15"].reindex(codes)
        )
    else:
        out["inhabitants_0_15"] = np.rint(youth.reindex(codes).astype(float)).astype("int64")
    located = schools[schools["unit"].notna()]
    pupils = located.pivot_table(
        index="unit", columns="level", values="leerlingen", aggfunc="sum", fill_value=0.0
    )
    for level in ("po", "vo", "special"):
        col = pupils[level] if level in pupils.columns else pd.Series(dtype=float)
        out[f"pupils_{level}"] = col.reindex(codes).fillna(0.0).astype("int64")
    out["pupils_total"] = out[["pupils_po", "pupils_vo", "pupils_special"]].sum(axis=1)
    return out
