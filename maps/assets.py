"""JavaScript and CSS a map page loads: Leaflet (and Leaflet.Sync) from the app or from a CDN.

Folium pages load Leaflet, jQuery, Bootstrap and Font Awesome from public CDNs. The regiokompas
maps need only Leaflet (plus Leaflet.Sync for the compare view), so pages served by the app load
the copies vendored in ``maps/static/vendor`` (Leaflet 1.9.4 and Leaflet.Sync 0.2.4 from the npm
registry, BSD-2 licences beside them): the maps then work without internet access. A standalone
HTML file keeps Leaflet from the CDN.

>>> sorted(VENDOR_FILES)
['Leaflet.Sync', 'leaflet', 'leaflet_css']
"""

from __future__ import annotations

from pathlib import Path

from branca.element import Element

VENDOR_DIR = Path(__file__).resolve().parent / "static" / "vendor"
"""Directory of the vendored Leaflet files, served by the app under ``/maps/static/vendor``."""

VENDOR_FILES: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_css": "leaflet/leaflet.css",
    "Leaflet.Sync": "leaflet.sync/L.Map.Sync.js",
}
"""Folium link name -> file under :data:`VENDOR_DIR`."""

CDN_FILES: dict[str, str] = {
    "leaflet": "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.js",
    "leaflet_css": "https://cdn.jsdelivr.net/npm/leaflet@1.9.4/dist/leaflet.css",
    "Leaflet.Sync": "https://cdn.jsdelivr.net/npm/leaflet.sync@0.2.4/L.Map.Sync.js",
}
"""The same files on a public CDN, for standalone HTML files."""


def asset_links(base_url: str | None, names: tuple[str, ...]) -> list[tuple[str, str]]:
    """``[(name, url)]`` of the named assets, local under ``base_url`` or from the CDN if None.

    >>> asset_links("/maps/static/vendor", ("leaflet",))
    [('leaflet', '/maps/static/vendor/leaflet/leaflet.js')]
    >>> asset_links(None, ("leaflet",))[0][1].startswith("https://")
    True
    """
    if base_url is None:
        return [(name, CDN_FILES[name]) for name in names]
    base = base_url.rstrip("/")
    return [(name, f"{base}/{VENDOR_FILES[name]}") for name in names]


def use_assets(element: Element, base_url: str | None, *, sync: bool = False) -> None:
    """Make ``element`` (a folium Map or DualMap) load only Leaflet (+ Leaflet.Sync).

    Rule: the element's ``default_js``/``default_css`` are replaced on the instance (folium's
    class defaults stay untouched), by local URLs under ``base_url`` or CDN URLs when None.

    >>> import folium
    >>> m = folium.Map(tiles=None)
    >>> use_assets(m, "/static")
    >>> [name for name, _ in m.default_js], folium.Map.default_js[1][0]
    (['leaflet'], 'jquery')
    """
    js = ("leaflet", "Leaflet.Sync") if sync else ("leaflet",)
    element.default_js = asset_links(base_url, js)  # type: ignore[attr-defined]
    element.default_css = asset_links(base_url, ("leaflet_css",))  # type: ignore[attr-defined]


def vendor_file(relative: str) -> Path:
    """The vendored file at ``relative`` (e.g. ``leaflet/leaflet.js``); FileNotFoundError names it.

    Rule: the path must stay inside :data:`VENDOR_DIR` (no ``..``, no absolute paths).

    >>> vendor_file("leaflet/leaflet.js").name
    'leaflet.js'
    """
    root = VENDOR_DIR.resolve()
    if "\x00" in relative:
        raise FileNotFoundError(f"no map asset {relative!r}")
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise FileNotFoundError(f"no map asset {relative!r}")
    return candidate
