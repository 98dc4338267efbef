"""Folium maps of divisions and scenarios: light shared geometry, one colour scale, two views.

- :func:`maps.division_map.division_map` — one division coloured by containment in another;
- :func:`maps.compare_map.compare_map` — two scenarios side by side, pan and zoom synchronised;
- :func:`maps.division_map.page_html` — the HTML page of either;
- :func:`maps.changes.swv_changes` — gemeenten whose SWV changes compared with today, outlined
  on both views (the disruption definition of :mod:`geo.overlap.disruption`);
- :mod:`maps.geometry` — rounded unit geometry and cached dissolved region layers;
- :mod:`maps.style` — colour scale, line styles, legend and metric boxes;
- :mod:`maps.assets` — Leaflet from the app (vendored) or from a CDN.

>>> from maps import division_map, compare_map, page_html
"""

from maps.compare_map import ScenarioView, compare_map
from maps.division_map import division_map, page_html

__all__ = ["ScenarioView", "compare_map", "division_map", "page_html"]
