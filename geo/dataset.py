"""The loaded foundation: units (gemeenten 2025) with weights, divisions, special-education points.

>>> from geo.dataset import WEIGHTS
>>> "inhabitants" in WEIGHTS
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from geo.messages import N_

if TYPE_CHECKING:  # keep `import geo.dataset` light: the CLI imports WEIGHTS at start-up
    import geopandas as gpd
    import pandas as pd

    from geo.division import Division

WEIGHTS: dict[str, str] = {
    "area": "area_km2",
    "inhabitants": "inhabitants",
    "inhabitants_0_15": "inhabitants_0_15",
    "pupils_po": "pupils_po",
    "pupils_vo": "pupils_vo",
    "pupils_special": "pupils_special",
    "pupils": "pupils_total",
}
"""Weight names accepted everywhere (CLI, API) -> column of :attr:`Dataset.units`."""

WEIGHT_NOTES: dict[str, str] = {
    "area": N_("land + water area in km², computed in EPSG:28992 from the CBS boundaries"),
    "inhabitants": N_("registered inhabitants on 1 Jan 2024 (CBS KWB 2024)"),
    "inhabitants_0_15": N_(
        "inhabitants aged 0-14 (CBS age groups 0-4, 5-9, 10-14 per PC4, 1 Jan 2021, raked with "
        "the inhabitants to the 2024 gemeente totals)"
    ),
    "pupils_po": N_("pupils of regular primary schools (DUO, 2023-2024)"),
    "pupils_vo": N_("pupils of secondary schools incl. praktijkonderwijs (DUO, 2023)"),
    "pupils_special": N_("pupils of SBO, SO, VSO and (V)SO locations (DUO, 2023-2024)"),
    "pupils": N_("pupils_po + pupils_vo + pupils_special"),
}
"""Weight name -> where its figures come from (English msgids, marked for the catalogs: the
report shows them in the reader's language; the API and the CLI in English)."""


@dataclass(frozen=True)
class TravelTable:
    """The operator's own travel table (``reistijd/reistabel.csv``, :mod:`geo.data.travel_table`),
    checked and normalised by the store build."""

    layout: str
    """``"pc4"`` (``from_pc4, to_pc4``) or ``"location"`` (``gemeente, vestiging``)."""
    rows: pd.DataFrame
    """``origin, target, minutes, km`` (strings; floats, NaN where the file has no such
    column): PC4 -> PC4, or gemeente code -> DUO vestigingscode."""
    file: str
    """The file, relative to the data directory."""
    sha256: str
    """sha256 of the file's bytes (part of the store key)."""

    @property
    def value(self) -> str:
        """The column the travel model uses: ``km`` when the file has it, else ``minutes``."""
        return "km" if self.rows["km"].notna().any() else "minutes"


@dataclass
class Dataset:
    """Everything the engine, maps, API and proposals stand on."""

    units: gpd.GeoDataFrame
    """Index ``code`` (GMxxxx); columns ``name``, the weight columns (:data:`WEIGHTS`),
    ``point_x``/``point_y`` (pupil-weighted location in EPSG:28992 metres) with ``point_rule``
    ('pupils' or 'representative_point'), geometry in EPSG:4326."""
    divisions: dict[str, Division]
    special_schools: gpd.GeoDataFrame
    """SBO/SO/VSO/(V)SO locations: ``vestigingscode, naam, type, leerlingen, pc4, unit,
    swv_po, swv_vo``, geometry EPSG:4326."""
    report: dict = field(default_factory=dict)
    """The build report (crosswalk, repairs, unmatched records, fractional cases)."""
    postcodes: pd.DataFrame | None = None
    """The PC4 layer: one row per PC4 within one gemeente: ``pc4, unit, fraction, kind,
    area_km2, inhabitants, inhabitants_0_15, swv_po, swv_vo, rule, from_pc4, plaats``
    (:mod:`geo.data.pc4_layer`)."""
    unit_parts: gpd.GeoDataFrame | None = None
    """``division, unit, region`` + geometry (EPSG:4326): gemeenten split over SWVs cut into
    their SWV parts along PC4 borders (for maps of the real SWV borders)."""
    travel_table: TravelTable | None = None
    """The operator's travel table when the data directory has one (else the water-aware
    model is the travel model): :mod:`geo.checks.table`."""

    def weight(self, name: str) -> pd.Series:
        """Weight per unit by its public name (see :data:`WEIGHTS`); KeyError names the options."""
        if name not in WEIGHTS:
            raise KeyError(f"unknown weight {name!r}; choose one of {', '.join(WEIGHTS)}")
        return self.units[WEIGHTS[name]].astype(float)

    def division(self, name: str) -> Division:
        """A division by name; KeyError names the options."""
        try:
            return self.divisions[name]
        except KeyError:
            raise KeyError(
                f"unknown division {name!r}; choose one of {', '.join(sorted(self.divisions))}"
            ) from None
