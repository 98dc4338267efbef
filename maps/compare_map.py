"""Two scenarios side by side with synchronised pan and zoom (folium DualMap + Leaflet.Sync).

>>> # compare_map(dataset, ScenarioView("huidig", divs, s1), ScenarioView("x", divs2, s2))
>>> # page_html(dual) -> the HTML page; see tests/test_maps_compare_map.py
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import folium
from folium.plugins import DualMap

from geo.dataset import Dataset
from geo.division import Division
from maps.assets import use_assets
from maps.changes import swv_changes
from maps.division_map import (
    DEFAULT_TILES,
    MetricScale,
    add_page_css,
    add_tiles,
    change_label,
    scored_divisions,
)
from maps.geometry import web_geometry
from maps.i18n import gettext
from maps.labels import map_labels
from maps.layers import border_layers, change_layer, legend_control, split_layer, unit_layer
from maps.style import HtmlControl, metrics_table_html


@dataclass(frozen=True)
class ScenarioView:
    """One side of the compare view: a scenario's name, its divisions and its score dict."""

    scenario: str
    divisions: Mapping[str, Division]
    score: Mapping[str, Any]
    edit_url: str | None = None
    """The editor page of this side (an "edit on the map" link in its box), if any."""

    @property
    def key(self) -> tuple[str, str, str]:
        """``(division, against, weight)`` of the score."""
        return (
            str(self.score.get("division")),
            str(self.score.get("against")),
            str(self.score.get("weight")),
        )


def _add_side(
    m: folium.Map,
    dataset: Dataset,
    view: ScenarioView,
    position: str,
    mark_changes: bool,
    locale: str = "nl",
) -> str | None:
    """Draw one side; return the legend label of its changed gemeenten (None: none marked)."""
    _ = gettext(locale)
    division, against = scored_divisions(view.divisions, view.score)
    weight = view.key[2]
    geometry = web_geometry(dataset.units.geometry)
    changes = swv_changes(dataset, division, locale) if mark_changes else None
    unit_layer(
        dataset,
        geometry,
        division,
        against,
        view.score,
        weight,
        name=_("%(scenario)s: %(division)s by containment")
        % {"scenario": view.scenario, "division": division.name},
        changes=changes["text"] if changes is not None else None,
        locale=locale,
    ).add_to(m)
    parts = dataset.unit_parts
    for layer in border_layers(geometry, division, against, parts=parts, locale=locale):
        layer.add_to(m)
    split_name = _("split gemeenten (%(division)s)") % {"division": division.name}
    split_layer(geometry, division, name=split_name).add_to(m)
    if changes is not None:
        change_layer(geometry, changes["swv_changes"], locale=locale).add_to(m)
    map_labels(geometry, division, dataset.units["name"].astype(str).to_dict()).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    HtmlControl(
        metrics_table_html(
            view.score,
            _("Figures of scenario %(scenario)s") % {"scenario": view.scenario},
            edit_url=view.edit_url,
            locale=locale,
            open_panel=False,
        ),
        position=position,
        css_class="rk-box rk-metrics",
    ).add_to(m)
    return change_label(changes, locale) if changes is not None else None


def compare_map(
    dataset: Dataset,
    left: ScenarioView,
    right: ScenarioView,
    *,
    assets: str | None = None,
    tiles: str | None = DEFAULT_TILES,
    mark_changes: bool = True,
    locale: str = "nl",
) -> DualMap:
    """Left and right scenario as two synchronised maps, each with its summary metrics.

    Rule: both scores must be against the same division with the same weight (ValueError
    otherwise), so the two sides share one colour scale and one legend; the coloured division
    may differ per side (e.g. huidig's ``swv_po`` beside a proposal's ``swv``). Each side shows
    its gemeenten coloured by containment, both border layers, split gemeenten, a box of its
    metrics and, with ``mark_changes``, the gemeenten whose SWV changes compared with today
    (:func:`maps.changes.swv_changes`; none on a side showing today's division).

    >>> # dual = compare_map(dataset, left, right, assets="/maps/static/vendor")
    """
    if left.key[1:] != right.key[1:]:
        raise ValueError(
            f"compare needs the same against/weight on both sides, got {left.key[1:]} "
            f"and {right.key[1:]}"
        )
    geometry = web_geometry(dataset.units.geometry)
    west, south, east, north = geometry.total_bounds
    _ = gettext(locale)
    dual = DualMap(layout="horizontal", tiles=None, control_scale=False)
    for m in (dual.m1, dual.m2):
        use_assets(m, assets)
        MetricScale().add_to(m)
        add_tiles(m, tiles, locale)
    use_assets(dual, assets, sync=True)
    dual.fit_bounds([[south, west], [north, east]])
    division = left.key[0] if left.key[0] == right.key[0] else f"{left.key[0]} | {right.key[0]}"
    against = left.key[1]
    add_page_css(
        dual,
        _("%(left)s and %(right)s side by side: %(division)s compared with %(against)s")
        % {"left": left.scenario, "right": right.scenario, "division": division, "against": against}
        + " · regiokompas",
    )
    labels = [
        _add_side(dual.m1, dataset, left, "topleft", mark_changes, locale),
        _add_side(dual.m2, dataset, right, "topleft", mark_changes, locale),
    ]
    marked = [
        f"{side}: {label}" if all(labels) else label
        for side, label in zip((_("left"), _("right")), labels, strict=True)
        if label
    ]
    legend_control(division, against, changes="; ".join(marked) or None, locale=locale).add_to(
        dual.m2
    )
    return dual
