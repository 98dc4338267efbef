"""regiokompas core: data sources, units, divisions, crosswalks, overlap engine and scenarios."""

__version__ = "0.1.0"
