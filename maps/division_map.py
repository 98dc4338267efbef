"""The national map of one division of a scenario, coloured by containment in another division.

>>> # division_map(dataset, divisions, score.to_dict(), scenario="huidig") -> folium.Map
>>> # page_html(m) -> the HTML page; see tests/test_maps_division_map.py
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import pandas as pd
from branca.element import Element, Figure, MacroElement, Template

from geo.dataset import Dataset
from geo.division import Division
from geo.errors import DivisionError
from maps.assets import use_assets
from maps.changes import swv_changes
from maps.geometry import web_geometry
from maps.i18n import N_, format_number, gettext
from maps.labels import map_labels
from maps.layers import (
    border_layer,
    border_layers,
    change_layer,
    legend_control,
    no_region_layer,
    school_layer,
    split_layer,
    unit_layer,
)
from maps.style import (
    BOX_CSS,
    HtmlControl,
    metrics_table_html,
    overlay_color,
)

DEFAULT_TILES = "OpenStreetMap"
"""Background tiles, drawn faded (loaded by the browser; the map works without them)."""

TILE_OPACITY = 0.45
"""Opacity of the background tiles, so the containment colours stay readable."""

OVERLAY_LABELS: dict[str, str] = {"provincie": N_("provinces")}
"""Layer-control label (msgid) of an extra division layer (default: '<division> borders')."""


def scored_divisions(
    divisions: Mapping[str, Division], score: Mapping[str, Any]
) -> tuple[Division, Division]:
    """The two divisions named by ``score['division']`` and ``score['against']``.

    Raises :class:`DivisionError` naming the missing division and the ones available.

    >>> scored_divisions({}, {"division": "swv_po", "against": "jeugdregio"})
    Traceback (most recent call last):
    geo.errors.DivisionError: unknown division 'swv_po' in score['division']; available: none
    """
    found = []
    for key in ("division", "against"):
        name = str(score.get(key))
        if name not in divisions:
            options = ", ".join(sorted(divisions)) or "none"
            raise DivisionError(
                f"unknown division {name!r} in score[{key!r}]; available: {options}"
            )
        found.append(divisions[name])
    return found[0], found[1]


def overlay_names(divisions: Mapping[str, Division], exclude: Sequence[str]) -> list[str]:
    """Divisions shown as extra (hidden by default) border layers: provinces first, then A-Z.

    >>> overlay_names({"swv_po": None, "provincie": None, "ggdregio": None}, ["swv_po"])
    ['provincie', 'ggdregio']
    """
    names = sorted(name for name in divisions if name not in exclude)
    return sorted(names, key=lambda name: name != "provincie")


def change_label(changes: pd.DataFrame, locale: str = "nl") -> str:
    """Legend label of the changed-gemeenten line, with how many gemeenten and pupils change.

    >>> frame = pd.DataFrame({"swv_changes": [True, False], "changed": [1234.4, 0.0]})
    >>> change_label(frame)
    'gemeente waarvan het samenwerkingsverband wijzigt (1 gemeente, 1.234 leerlingen)'
    >>> change_label(frame, "en")
    'gemeente whose SWV changes vs today (1 gemeente, 1,234 pupils)'
    """
    _ = gettext(locale)
    n = int(changes["swv_changes"].sum())
    pupils = float(changes["changed"].sum())
    return _("gemeente whose SWV changes vs today (%(gemeenten)s, %(pupils)s pupils)") % {
        "gemeenten": (_("%(n)s gemeente") if n == 1 else _("%(n)s gemeenten"))
        % {"n": format_number(n, locale)},
        "pupils": format_number(pupils, locale),
    }


def add_page_css(element: folium.Map | folium.plugins.DualMap, title: str) -> Figure:
    """Add the box CSS and a ``<title>`` to the page holding ``element``; return the page."""
    figure = element.get_root()
    assert isinstance(figure, Figure)
    figure.title = title
    figure.header.add_child(Element(BOX_CSS), name="rk_css")
    figure.header.add_child(Element('<link rel="icon" href="data:,">'), name="rk_icon")
    return figure


def add_tiles(m: folium.Map, tiles: str | None, locale: str = "nl") -> None:
    """Add faded background ``tiles`` (a folium tile name) to ``m``; nothing when None."""
    if tiles:
        _ = gettext(locale)
        name = _("background map")
        attr = None  # the provider's own attribution, except OpenStreetMap's in the reader's words
        if tiles == "OpenStreetMap":
            attr = _(
                '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> '
                "contributors"
            )
        folium.TileLayer(tiles, name=name, opacity=TILE_OPACITY, attr=attr).add_to(m)


class MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (folium's ``control_scale`` also shows miles)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        L.control.scale({metric: true, imperial: false}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MetricScale"


def new_map(tiles: str | None, locale: str = "nl", **kwargs: Any) -> folium.Map:
    """A folium map without default tiles, with a metric scale bar and faded ``tiles``."""
    m = folium.Map(tiles=None, control_scale=False, **kwargs)
    MetricScale().add_to(m)
    add_tiles(m, tiles, locale)
    return m


def division_map(
    dataset: Dataset,
    divisions: Mapping[str, Division],
    score: Mapping[str, Any],
    *,
    scenario: str,
    overlays: Sequence[str] | None = None,
    schools: bool = True,
    assets: str | None = None,
    tiles: str | None = DEFAULT_TILES,
    mark_changes: bool = True,
    edit_url: str | None = None,
    locale: str = "nl",
) -> folium.Map:
    """The map of ``score['division']`` coloured by containment in ``score['against']``, with
    every label, tooltip and number in ``locale``.

    Rule: the divisions and weight come from ``score`` (the JSON of ``geo.overlap.score``), so
    the colours always match the numbers. Layers, bottom to top: gemeenten filled by their
    region's containment (tooltips: gemeente, regions in both divisions, weights, region
    metrics), the division's region borders, the other division's borders, dashed outlines of
    split gemeenten, labels (region codes, then names, then gemeente names as one zooms in:
    :mod:`maps.labels`); with ``mark_changes``, when the division is an SWV division that differs
    from today's (:func:`maps.changes.swv_changes`, e.g. a proposal's ``swv``), thick dashed
    outlines of the gemeenten whose SWV changes (layer ``gemeenten whose SWV changes``, a legend
    line with their number and pupils, and an ``SWV changes`` row in every tooltip); hidden by
    default: special-education locations, provinces and every other division of ``divisions``
    (or those in ``overlays``). A layer control toggles them; the legend explains colours and
    lines; a box shows the summary metrics. ``assets`` is the URL prefix of the vendored Leaflet
    (None: CDN); ``edit_url`` adds an "edit on the map" link (the editor page) to the box.

    >>> # m = division_map(dataset, divisions, score, scenario="huidig"); page_html(m)
    """
    division, against = scored_divisions(divisions, score)
    weight = str(score.get("weight"))
    geometry = web_geometry(dataset.units.geometry)
    west, south, east, north = geometry.total_bounds
    _ = gettext(locale)
    m = new_map(tiles, locale)
    m.fit_bounds([[south, west], [north, east]])
    use_assets(m, assets)
    add_page_css(
        m,
        _("%(scenario)s: %(division)s compared with %(against)s")
        % {"scenario": scenario, "division": division.name, "against": against.name}
        + " · regiokompas",
    )

    changes = swv_changes(dataset, division, locale) if mark_changes else None
    texts = changes["text"] if changes is not None else None
    unit_layer(
        dataset, geometry, division, against, score, weight, changes=texts, locale=locale
    ).add_to(m)
    parts = dataset.unit_parts
    no_region = no_region_layer(
        geometry, division, parts, name=_("no %(division)s region") % {"division": division.name}
    )
    if no_region is not None:
        no_region.add_to(m)
    for layer in border_layers(geometry, division, against, parts=parts, locale=locale):
        layer.add_to(m)
    split_name = _("gemeenten split between %(division)s regions") % {"division": division.name}
    split_layer(geometry, division, name=split_name).add_to(m)
    if changes is not None:
        change_layer(geometry, changes["swv_changes"], locale=locale).add_to(m)
    if schools and len(dataset.special_schools):
        school_layer(dataset.special_schools, locale=locale).add_to(m)
    map_labels(geometry, division, dataset.units["name"].astype(str).to_dict()).add_to(m)
    names = (
        list(overlays)
        if overlays is not None
        else overlay_names(divisions, [division.name, against.name])
    )
    for name in names:
        if name not in divisions:
            raise DivisionError(
                f"unknown overlay division {name!r}; available: {', '.join(sorted(divisions))}"
            )
        style = {"color": overlay_color(name), "weight": 2.0, "fill": False, "opacity": 0.8}
        label = (
            _(OVERLAY_LABELS[name])
            if name in OVERLAY_LABELS
            else _("%(division)s borders") % {"division": name}
        )
        border_layer(
            geometry, divisions[name], name=label, style=style, show=False, parts=parts
        ).add_to(m)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    label = change_label(changes, locale) if changes is not None else None
    legend_control(division.name, against.name, changes=label, locale=locale).add_to(m)
    HtmlControl(
        metrics_table_html(
            score,
            _("Figures of scenario %(scenario)s") % {"scenario": scenario},
            edit_url=edit_url,
            locale=locale,
        ),
        position="bottomleft",
        css_class="rk-box rk-metrics",
    ).add_to(m)
    return m


def page_html(element: folium.Map | folium.plugins.DualMap, locale: str = "nl") -> str:
    """The complete HTML page of a map (what ``.save`` would write), in ``locale``."""
    page = element.get_root().render()
    return page.replace("<html>", f'<html lang="{locale}">', 1)


@dataclass(frozen=True)
class MapParts:
    """A rendered map page split for embedding in a page template (``api/templates/map.html``)."""

    head: str
    """Style sheets, scripts and styles the map needs (for ``<head>``)."""
    body: str
    """The map ``<div>`` elements."""
    script: str
    """The script that draws the map (run after the body)."""


def page_parts(element: folium.Map | folium.plugins.DualMap) -> MapParts:
    """The head, body and script of ``element``'s page (what :func:`page_html` joins)."""
    figure = element.get_root()
    assert isinstance(figure, Figure)
    for child in figure._children.values():
        child.render()
    return MapParts(
        head=figure.header.render(), body=figure.html.render(), script=figure.script.render()
    )
