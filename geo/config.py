"""Where regiokompas finds its data, its cache and its state.

Resolution order for the data directory: explicit argument, env ``REGIOKOMPAS_DATA``, then
``../shared/data`` relative to the repository when it exists.

>>> from pathlib import Path
>>> isinstance(data_dir(Path("/tmp")), Path)
True
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The directory holding the public source data (layout of ``../shared/data``)."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("REGIOKOMPAS_DATA")
    if env:
        return Path(env).expanduser().resolve()
    if DEFAULT_SHARED_DATA.exists():
        return DEFAULT_SHARED_DATA
    return Path(platformdirs.user_data_dir("regiokompas")) / "data"


def cache_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the built store lives (env ``REGIOKOMPAS_CACHE``; default a per-user cache dir)."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("REGIOKOMPAS_CACHE")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_cache_dir("regiokompas"))


def state_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where stored scenarios live (env ``REGIOKOMPAS_STATE``; default a per-user data dir)."""
    if explicit:
        return Path(explicit).expanduser().resolve()
    env = os.environ.get("REGIOKOMPAS_STATE")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir("regiokompas")) / "state"


SCENARIO_LIBRARY = REPO_ROOT / "scenarios"

# Coordinate reference systems: metric work in RD New, web maps in WGS84.
CRS_METRIC = "EPSG:28992"
CRS_WEB = "EPSG:4326"
