"""Read a rendered map page back: its GeoJSON layers by layer-control name, with their size.

Used by the tests and by ``benchmarks/map_size.py`` to check what a page really contains
(features, tooltips, which layers are shown at start) and where its bytes go.

>>> page = '''
... var geo_json_ab = L.geoJson(null, {});
... geo_json_ab_add({"type": "FeatureCollection", "features": []});
... geo_json_ab.addTo(map_1);
... var layer_control_1_layers = { base_layers : {}, overlays : { "gemeenten" : geo_json_ab, }, };
... '''
>>> layer = page_layers(page)["gemeenten"]
>>> layer.shown, layer.features, layer.bytes
(True, [], 45)
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_DATA = re.compile(r"^\s*(geo_json_[0-9a-f]+)_add\((\{.*\})\);\s*$", re.MULTILINE)
_OVERLAY = re.compile(r'"((?:[^"\\]|\\.)*)"\s*:\s*(geo_json_[0-9a-f]+)\s*,')


@dataclass(frozen=True)
class PageLayer:
    """One GeoJSON layer of a rendered page."""

    name: str
    """Its name in the layer control."""
    var: str
    """Its JavaScript variable (``geo_json_<hex>``)."""
    data: dict[str, Any]
    """The embedded GeoJSON FeatureCollection."""
    bytes: int
    """Size of the embedded JSON text in bytes (UTF-8)."""
    shown: bool
    """Added to its map when the page opens (False: only through the layer control)."""

    @property
    def features(self) -> list[dict[str, Any]]:
        """The GeoJSON features."""
        return list(self.data.get("features", []))


def page_layers(page: str) -> dict[str, PageLayer]:
    """GeoJSON layers of a rendered folium page, keyed by their layer-control name.

    Rule: a layer's data is the JSON passed to ``geo_json_<hex>_add(...)``; its name is the key
    that maps to that variable in a layer control's ``overlays``; it is shown at start when the
    page calls ``geo_json_<hex>.addTo(...)``. In a compare page the names of both maps are
    prefixed ``left: `` and ``right: `` in page order when they would collide.
    """
    data = {var: text for var, text in _DATA.findall(page)}
    out: dict[str, PageLayer] = {}
    for name, var in _OVERLAY.findall(page):
        if var not in data:
            continue
        label = json.loads(f'"{name}"')
        if label in out:
            out[f"left: {label}"] = out.pop(label)
            label = f"right: {label}"
        text = data[var]
        out[label] = PageLayer(
            name=label,
            var=var,
            data=json.loads(text),
            bytes=len(text.encode("utf-8")),
            shown=f"{var}.addTo(" in page,
        )
    return out
