"""Tests of maps.assets: vendored Leaflet served locally, CDN otherwise, no path escapes."""

from __future__ import annotations

import folium
import pytest
from folium.plugins import DualMap

from maps import assets


def test_vendored_files_exist_with_licences() -> None:
    for relative in assets.VENDOR_FILES.values():
        assert assets.vendor_file(relative).stat().st_size > 1000
    assert "L.Map.prototype" in assets.vendor_file("leaflet.sync/L.Map.Sync.js").read_text()
    assert assets.vendor_file("leaflet/leaflet.js").read_text().startswith("/* @preserve")
    for licence in ("leaflet/LICENSE", "leaflet.sync/LICENSE"):
        assert "Redistribution" in assets.vendor_file(licence).read_text()


@pytest.mark.parametrize(
    "bad", ["../assets.py", "leaflet/../../assets.py", "/etc/passwd", "leaflet", "nope.js", ""]
)
def test_vendor_file_refuses_paths_outside_or_missing(bad: str) -> None:
    with pytest.raises(FileNotFoundError, match="no map asset"):
        assets.vendor_file(bad)


def test_use_assets_local_replaces_cdn_links_on_the_instance_only() -> None:
    m = folium.Map(tiles=None)
    assets.use_assets(m, "/maps/static/vendor/")
    page = m.get_root().render()
    assert '<script src="/maps/static/vendor/leaflet/leaflet.js"></script>' in page
    assert "/maps/static/vendor/leaflet/leaflet.css" in page
    for cdn in ("cdn.jsdelivr", "code.jquery", "cdnjs.cloudflare", "bootstrapcdn"):
        assert cdn not in page
    fresh = folium.Map(tiles=None).get_root().render()
    assert "code.jquery" in fresh, "folium's class defaults are untouched"


def test_use_assets_cdn_and_sync() -> None:
    dual = DualMap(tiles=None)
    for m in (dual.m1, dual.m2):
        assets.use_assets(m, None)
    assets.use_assets(dual, None, sync=True)
    page = dual.get_root().render()
    assert assets.CDN_FILES["leaflet"] in page and assets.CDN_FILES["Leaflet.Sync"] in page
    assert "code.jquery" not in page
