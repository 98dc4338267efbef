"""Text labels on the maps: region codes and names, gemeente names, each at its zoom level.

Rule: a region label sits on a point inside its region (``point_on_surface`` of the dissolved
region), a gemeente label inside the gemeente. They appear by zoom level, so the national view
stays readable: region codes from :data:`REGION_CODE_ZOOM`, region names (``PO2001 Groningen,
Westerkwartier e.o.``, :func:`geo.names.label`) from :data:`REGION_NAME_ZOOM`, gemeente names from
:data:`GEMEENTE_ZOOM`. Texts are set with ``textContent`` (region names are user input), and the
embedded JSON has ``<`` escaped, so no label can become markup or end the script.

>>> import geopandas as gpd, shapely
>>> from geo.division import Division
>>> g = gpd.GeoSeries([shapely.box(5, 52, 5.1, 52.1)], index=["GM1"], crs="EPSG:4326")
>>> d = Division.from_assignment("swv_po", {"GM1": "A"}, region_names={"A": "Een"})
>>> data = label_data(g, d, {"GM1": "Gemeente <b>"})
>>> data["regions"][0][2:], data["gemeenten"][0][2]
(['A', 'A Een'], 'Gemeente <b>')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement, Template

from geo.division import Division
from geo.names import region_labels

REGION_CODE_ZOOM = 8
REGION_NAME_ZOOM = 9
GEMEENTE_ZOOM = 10

LABEL_CSS = """
<style>
.rk-label { background: none; border: none; }
.rk-label span { display: inline-block; transform: translate(-50%, -50%); white-space: nowrap;
  font: 11px/1.2 system-ui, sans-serif; color: #1a1a1a; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.rk-label-region span { font-weight: 700; font-size: 12px; color: #1f3c88; }
.rk-label-gemeente span { font-size: 10px; color: #333; }
</style>
"""


def _points(geometry: gpd.GeoSeries) -> np.ndarray:
    """``(lat, lon)`` of a point inside every geometry."""
    points = shapely.point_on_surface(np.asarray(geometry.values))
    return np.column_stack([shapely.get_y(points), shapely.get_x(points)]).round(5)


def label_data(
    geometry: gpd.GeoSeries, division: Division, unit_names: Mapping[str, str]
) -> dict[str, list[list[Any]]]:
    """The labels of ``division``'s regions and of the gemeenten in ``geometry`` (EPSG:4326):
    ``regions``: ``[lat, lon, code, label]``; ``gemeenten``: ``[lat, lon, name]``."""
    from maps.geometry import dissolve_regions

    regions = dissolve_regions(geometry, division.reindexed(geometry.index.astype(str)))
    labels = region_labels(division)
    region_rows = [
        [float(lat), float(lon), str(code), labels.get(str(code), str(code))]
        for (lat, lon), code in zip(_points(regions.geometry), regions.index, strict=True)
    ]
    gemeente_rows = [
        [float(lat), float(lon), str(unit_names.get(str(code), code))]
        for (lat, lon), code in zip(_points(geometry), geometry.index, strict=True)
    ]
    return {"regions": region_rows, "gemeenten": gemeente_rows}


class MapLabels(MacroElement):
    """Region and gemeente labels on a folium map, shown by zoom level (module rule)."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}{{ this.css }}{% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
          const map = {{ this._parent.get_name() }};
          const data = {{ this.data }};
          const make = (rows, css, text) => L.layerGroup(rows.map((r) => {
            const span = document.createElement("span");
            span.textContent = text(r);
            return L.marker([r[0], r[1]], {
              icon: L.divIcon({className: "rk-label " + css, html: span, iconSize: null}),
              interactive: false, keyboard: false,
            });
          }));
          const codes = make(data.regions, "rk-label-region", (r) => r[2]);
          const names = make(data.regions, "rk-label-region", (r) => r[3]);
          const gemeenten = make(data.gemeenten, "rk-label-gemeente", (r) => r[2]);
          const show = () => {
            const z = map.getZoom();
            const want = [
              [codes, z >= {{ this.code_zoom }} && z < {{ this.name_zoom }}],
              [names, z >= {{ this.name_zoom }}],
              [gemeenten, z >= {{ this.gemeente_zoom }}],
            ];
            for (const [layer, on] of want) {
              if (on && !map.hasLayer(layer)) layer.addTo(map);
              if (!on && map.hasLayer(layer)) map.removeLayer(layer);
            }
          };
          map.on("zoomend", show);
          map.whenReady(show);
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: Mapping[str, list[list[Any]]],
        *,
        code_zoom: int = REGION_CODE_ZOOM,
        name_zoom: int = REGION_NAME_ZOOM,
        gemeente_zoom: int = GEMEENTE_ZOOM,
    ) -> None:
        super().__init__()
        self._name = "MapLabels"
        self.data = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
        self.css = LABEL_CSS
        self.code_zoom, self.name_zoom, self.gemeente_zoom = code_zoom, name_zoom, gemeente_zoom


def map_labels(
    geometry: gpd.GeoSeries, division: Division, unit_names: Mapping[str, str]
) -> MapLabels:
    """The :class:`MapLabels` of ``division`` over the gemeenten in ``geometry``."""
    return MapLabels(label_data(geometry, division, unit_names))


__all__ = ["MapLabels", "label_data", "map_labels"]
