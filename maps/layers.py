"""Folium layers shared by the division map and the compare view.

Each builder takes the shared web geometry (:mod:`maps.geometry`) and returns one folium layer:

- :func:`unit_layer` — gemeenten filled with their region's containment, tooltips with the
  gemeente, its regions in both divisions, its weights and its region's metrics;
- :func:`border_layer` — dissolved region borders of a division (no fill, not interactive);
- :func:`split_layer` — dashed outlines of gemeenten that a division splits;
- :func:`change_layer` — thick dashed outlines of gemeenten whose SWV changes (:mod:`maps.changes`);
- :func:`school_layer` — special-education locations as small circles;
- :func:`legend_control` — the containment scale and the line symbols.

>>> [name for name, _ in unit_fields("swv_po", "jeugdregio", "inhabitants")][:4]
['gemeente', 'region', 'against_region', 'w_inhabitants']
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.dataset import WEIGHTS, Dataset
from geo.division import NO_REGION, Division
from maps.geometry import PRECISION, dissolve_regions, feature_collection, split_unit_geometry
from maps.i18n import N_, division_label, format_decimal, gettext, region_label, weight_label
from maps.parts import fine_units, no_region_parts
from maps.style import (
    AGAINST_STYLE,
    CHANGE_STYLE,
    NO_DATA_COLOR,
    NO_REGION_STYLE,
    REGION_STYLE,
    SCHOOL_STYLE,
    SPLIT_STYLE,
    UNIT_STYLE,
    HtmlControl,
    containment_colormap,
    format_metric,
    format_weight,
    line_legend_html,
)

REGION_METRICS: tuple[tuple[str, str], ...] = (
    ("containment", N_("containment of the region")),
    ("best_match_name", N_("best-matching region")),
    ("nested", N_("region lies within one region")),
    ("splits", N_("pieces of the region")),
    ("effective_parts", N_("effective parts of the region")),
)
"""Per-region metrics of a score shown in a gemeente's tooltip: (score key, label msgid)."""


TOOLTIP_CSS = "white-space: normal; max-width: 420px; min-width: 260px; font-size: 12px;"
"""Tooltips wrap long rows (the row of all weights) instead of growing off the screen."""


CHANGE_FIELD = ("swv_change", N_("SWV changes"))
"""Tooltip row of a gemeente's SWV change (see :mod:`maps.changes`), when the map marks them."""

CHANGE_LAYER = N_("gemeenten whose SWV changes")
"""Layer-control name of :func:`change_layer` (msgid; translated by the map)."""


def unit_fields(
    division: str, against: str, weight: str, *, changes: bool = False, locale: str = "nl"
) -> list[tuple[str, str]]:
    """Tooltip fields of :func:`unit_layer` as ``(property, label)`` pairs, in display order.

    The chosen weight has a row of its own (``w_<weight>``); all weights follow in one row
    (``weights``), then the metrics of the gemeente's region. With ``changes`` the row
    ``SWV changes`` follows the gemeente's regions.
    """
    _ = gettext(locale)
    return (
        [
            ("gemeente", _("gemeente")),
            ("region", region_label(division, locale)),
            ("against_region", region_label(against, locale)),
        ]
        + ([(CHANGE_FIELD[0], _(CHANGE_FIELD[1]))] if changes else [])
        + [
            (f"w_{weight}", _("%(weight)s (weight)") % {"weight": weight_label(weight, locale)}),
            ("weights", _("all weights")),
        ]
        + [(f"m_{key}", _(label)) for key, label in REGION_METRICS]
    )


def region_labels(division: Division, locale: str = "nl") -> pd.Series:
    """Per unit the text of its region(s): ``'Name (CODE)'``, shares in % when split.

    >>> d = Division.from_membership("d", pd.DataFrame({"unit": ["a", "b", "b"],
    ...     "region": ["X", "X", "Y"], "share": [1.0, 0.6, 0.4]}), region_names={"X": "Ex"})
    >>> region_labels(d).to_dict()
    {'a': 'Ex (X)', 'b': 'Ex (X) 60% · Y 40%'}
    """
    m = division.membership
    names = m["region"].map(lambda code: str(division.region_names.get(code, code)))
    label = (names + " (" + m["region"] + ")").where(names != m["region"], m["region"])
    _ = gettext(locale)
    label = label.where(m["region"] != NO_REGION, _("no region"))
    split = m.groupby("unit")["region"].transform("size") > 1
    percent = (m["share"] * 100).round().astype(int).astype(str) + "%"
    label = label.where(~split, label + " " + percent)
    joined: dict[str, list[str]] = {}
    for unit, text in zip(m["unit"], label, strict=True):  # ~400 short strings: plain Python
        joined.setdefault(unit, []).append(text)
    return pd.Series({unit: " · ".join(parts) for unit, parts in joined.items()}).reindex(
        division.units
    )


def _region_metrics(score: Mapping[str, Any]) -> pd.DataFrame:
    regions = pd.DataFrame(list(score.get("regions", [])))
    if regions.empty:
        return pd.DataFrame(columns=["containment"], index=pd.Index([], name="region"))
    return regions.set_index("region")


def unit_frame(
    dataset: Dataset,
    geometry: gpd.GeoSeries,
    division: Division,
    against: Division,
    score: Mapping[str, Any],
    changes: pd.Series | None = None,
    locale: str = "nl",
) -> gpd.GeoDataFrame:
    """Per gemeente: tooltip texts (see :func:`unit_fields`), ``containment`` and ``fill``.

    Rule: a gemeente gets the containment and colour of the region holding its largest share
    (``Division.assignment``); a largest share in no region gets ``NO_DATA_COLOR``. ``changes``
    (text per gemeente, :func:`maps.changes.swv_changes`) fills the ``SWV changes`` row.
    """
    units = dataset.units.loc[geometry.index]
    main = division.assignment().reindex(geometry.index)
    metrics = _region_metrics(score)
    frame = pd.DataFrame(index=geometry.index)
    frame["gemeente"] = units["name"].astype(str) + " (" + geometry.index.astype(str) + ")"
    frame["region"] = region_labels(division, locale).reindex(geometry.index)
    frame["against_region"] = region_labels(against, locale).reindex(geometry.index)
    if changes is not None:
        frame[CHANGE_FIELD[0]] = changes.reindex(geometry.index).fillna("–").astype(str)
    for name, column in WEIGHTS.items():
        frame[f"w_{name}"] = [format_weight(v, locale) for v in units[column].astype(float)]
    labels = [weight_label(name, locale) for name in WEIGHTS]
    frame["weights"] = [
        " · ".join(f"{label} {value}" for label, value in zip(labels, row, strict=True))
        for row in frame[[f"w_{name}" for name in WEIGHTS]].itertuples(index=False)
    ]
    for key, _ in REGION_METRICS:
        values = (
            main.map(metrics[key]) if key in metrics.columns else pd.Series(None, index=main.index)
        )
        frame[f"m_{key}"] = [format_metric(v, locale) for v in values.astype(object)]
    containment = (
        main.map(metrics["containment"]).astype(float)
        if "containment" in metrics.columns
        else pd.Series(np.nan, index=main.index)
    )
    scale = containment_colormap()
    frame["fill"] = [NO_DATA_COLOR if np.isnan(v) else scale(v)[:7] for v in containment]
    frame["containment"] = containment
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=geometry.crs)


def escape_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text value HTML-escaped: folium's tooltips and popups put property
    values into ``innerHTML``, so a region named ``<img onerror=...>`` must arrive as text.

    >>> escape_text(pd.DataFrame({"n": ["<b>&", "ok"], "x": [1, 2]})).to_dict("list")
    {'n': ['&lt;b&gt;&amp;', 'ok'], 'x': [1, 2]}
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            values = out[column].tolist()  # a few hundred short strings: plain Python
            out[column] = pd.Series(
                [html.escape(v, quote=True) if isinstance(v, str) else v for v in values],
                index=out.index,
                dtype=object,
            )
    return out


def _geojson(frame: gpd.GeoDataFrame, columns: Sequence[str]) -> dict[str, Any]:
    """GeoJSON dict of ``columns`` (text HTML-escaped, :func:`escape_text`) with the index as
    feature id (folium keys styles by id)."""
    return feature_collection(frame.geometry, escape_text(pd.DataFrame(frame[list(columns)])))


def unit_layer(
    dataset: Dataset,
    geometry: gpd.GeoSeries,
    division: Division,
    against: Division,
    score: Mapping[str, Any],
    weight: str,
    *,
    name: str | None = None,
    changes: pd.Series | None = None,
    locale: str = "nl",
) -> folium.GeoJson:
    """Gemeenten coloured by their region's containment, with tooltips (see :func:`unit_frame`).

    >>> # see tests/test_maps_layers.py for a worked example on synthetic squares
    """
    _ = gettext(locale)
    frame = unit_frame(dataset, geometry, division, against, score, changes, locale)
    fields = unit_fields(
        division.name, against.name, weight, changes=changes is not None, locale=locale
    )
    fills = frame["fill"].to_dict()
    data = _geojson(frame, [field for field, _ in fields])
    return folium.GeoJson(
        data,
        name=name or _("gemeenten: %(division)s by containment") % {"division": division.name},
        style_function=lambda feature: {**UNIT_STYLE, "fillColor": fills[feature["id"]]},
        highlight_function=lambda feature: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=[field for field, _ in fields],
            aliases=[label for _, label in fields],
            sticky=True,
            style=TOOLTIP_CSS,
        ),
        smooth_factor=0.5,
    )


def border_layer(
    geometry: gpd.GeoSeries,
    division: Division,
    *,
    name: str,
    style: Mapping[str, object],
    show: bool = True,
    parts: gpd.GeoDataFrame | None = None,
) -> folium.GeoJson:
    """Dissolved region borders of ``division`` (cached), drawn without fill, not interactive.

    With ``parts`` (:attr:`geo.dataset.Dataset.unit_parts`), gemeenten split over SWVs are cut
    along their postcode borders (:func:`maps.parts.fine_units`): the real SWV borders."""
    if parts is not None and len(division.split_units()):
        fine, region = fine_units(geometry, division, parts)
        if len(fine) > len(geometry):
            geometry = fine
            division = Division.from_assignment(
                division.name, region, region_names=division.region_names
            )
    regions = dissolve_regions(geometry, division)
    return folium.GeoJson(
        feature_collection(regions.geometry),
        name=name,
        style_function=lambda feature: dict(style),
        show=show,
        interactive=False,
        smooth_factor=0.5,
    )


def no_region_layer(
    geometry: gpd.GeoSeries, division: Division, parts: gpd.GeoDataFrame | None, *, name: str
) -> folium.GeoJson | None:
    """Grey, hatched-looking fill of the parts of split gemeenten in no region (the Europoort,
    in no SWV); None when there are none."""
    if parts is None or not len(division.unassigned()):
        return None
    pieces = no_region_parts(geometry, division, parts)
    if pieces.empty:
        return None
    return folium.GeoJson(
        feature_collection(pieces),
        name=name,
        style_function=lambda feature: dict(NO_REGION_STYLE),
        interactive=False,
    )


def split_layer(geometry: gpd.GeoSeries, division: Division, *, name: str) -> folium.GeoJson:
    """Dashed outlines of the gemeenten that ``division`` splits between regions."""
    split = split_unit_geometry(geometry, division)
    return folium.GeoJson(
        feature_collection(split),
        name=name,
        style_function=lambda feature: dict(SPLIT_STYLE),
        interactive=False,
    )


def change_layer(
    geometry: gpd.GeoSeries, changed: pd.Series, *, name: str | None = None, locale: str = "nl"
) -> folium.GeoJson:
    """Thick dashed outlines (:data:`maps.style.CHANGE_STYLE`) of the gemeenten where
    ``changed`` (bool per gemeente, e.g. ``swv_changes(...)["swv_changes"]``) is true.

    Not interactive: the gemeente layer below keeps its tooltips (with the ``SWV changes`` row).
    """
    _ = gettext(locale)
    mask = changed.reindex(geometry.index).fillna(False).astype(bool).to_numpy()
    return folium.GeoJson(
        feature_collection(geometry[mask]),
        name=name or _(CHANGE_LAYER),
        style_function=lambda feature: dict(CHANGE_STYLE),
        interactive=False,
        smooth_factor=0.5,
    )


def school_layer(
    schools: gpd.GeoDataFrame, *, name: str | None = None, show: bool = False, locale: str = "nl"
) -> folium.GeoJson:
    """Special-education locations (SBO, SO, VSO, (V)SO) as circles with a name/type tooltip."""
    _ = gettext(locale)
    properties = pd.DataFrame(
        {
            "naam": schools["naam"].astype(str).to_numpy(),
            "type": schools["type"].astype(str).to_numpy(),
            "leerlingen": [format_weight(v, locale) for v in schools["leerlingen"].astype(float)],
        },
        index=pd.RangeIndex(len(schools)),
    )
    points = gpd.GeoSeries(
        shapely.set_precision(schools.geometry.to_numpy(), PRECISION),
        index=properties.index,
        crs=schools.crs,
    )
    return folium.GeoJson(
        feature_collection(points, escape_text(properties)),
        name=name or _("special-education locations"),
        marker=folium.CircleMarker(**SCHOOL_STYLE),
        tooltip=folium.GeoJsonTooltip(
            fields=["naam", "type", "leerlingen"], aliases=[_("school"), _("type"), _("pupils")]
        ),
        show=show,
    )


def legend_html(
    division: str, against: str, *, changes: str | None = None, locale: str = "nl"
) -> str:
    """HTML of the legend: the containment gradient with ticks and words at both ends (colour is
    never the only cue), and the line symbols, in a ``<details>`` panel (open).

    ``changes`` is the label of the line of :func:`change_layer` (no such line when None).

    >>> "jeugdregio border" in legend_html("swv_po", "jeugdregio", locale="en")
    True
    """
    _ = gettext(locale)
    scale = containment_colormap(locale=locale)
    stops = ", ".join(color[:7] for color in (scale.rgb_hex_str(v) for v in scale.index))
    ticks = np.linspace(scale.vmin, scale.vmax, 5)
    span = scale.vmax - scale.vmin
    tick_html = "".join(
        f'<span style="position:absolute;left:{100 * (t - scale.vmin) / span:.1f}%;'
        f'transform:translateX(-50%)">{format_decimal(t, locale, digits=2)}</span>'
        for t in ticks
    )
    low, high = html.escape(_("badly split")), html.escape(_("within one region"))
    ends = (
        '<div style="display:flex;justify-content:space-between;width:220px;font-size:11px">'
        f"<span>{low}</span><span>{high}</span></div>"
    )
    gradient = (
        f'<div class="rk-gradient" role="img" aria-label="{html.escape(scale.caption)}" '
        'style="height:12px;width:220px;border:1px solid #777;'
        f'background:linear-gradient(to right, {stops})"></div>'
        f'<div style="position:relative;height:14px;width:220px;font-size:11px">{tick_html}</div>'
        f"{ends}"
    )
    lines = line_legend_html(
        [
            (_("%(region)s border") % {"region": region_label(against, locale)}, AGAINST_STYLE),
            (_("%(region)s border") % {"region": region_label(division, locale)}, REGION_STYLE),
            (
                _("gemeente split between regions (%(division)s)") % {"division": division},
                SPLIT_STYLE,
            ),
            *([(changes, CHANGE_STYLE)] if changes else []),
        ],
        _("lines"),
        locale,
    )
    school = _("special-education location (layer)")
    dot = (
        '<div><span class="rk-swatch" style="border-radius:50%;width:9px;height:9px;'
        f'background:{SCHOOL_STYLE["fillColor"]}"></span>'
        f"{html.escape(school)}</div>"
    )
    legend = _("Legend")
    caption = html.escape(
        _("Containment of each %(region)s in the %(against)s")
        % {
            "region": region_label(division, locale),
            "against": division_label(against, locale),
        }
    )
    note = html.escape(
        _("share of the region's weight inside its best-matching region; 1 = within one region")
    )
    return (
        f'<details class="rk-panel" open><summary>{html.escape(legend)}</summary>'
        f"<h4>{caption}</h4>{gradient}<div style='max-width:230px'>{note}</div>{lines}{dot}"
        "</details>"
    )


def legend_control(
    division: str,
    against: str,
    position: str = "bottomright",
    *,
    changes: str | None = None,
    locale: str = "nl",
) -> HtmlControl:
    """The legend as a Leaflet control (CSS class ``rk-box rk-legend``)."""
    return HtmlControl(
        legend_html(division, against, changes=changes, locale=locale),
        position=position,
        css_class="rk-box rk-legend",
    )


def border_layers(
    geometry: gpd.GeoSeries,
    division: Division,
    against: Division,
    *,
    parts: gpd.GeoDataFrame | None = None,
    locale: str = "nl",
) -> list[folium.GeoJson]:
    """The region borders of ``division`` (solid) and of ``against`` (dashed) on top, each with
    postcode-exact cuts through split gemeenten (:func:`border_layer`)."""
    _ = gettext(locale)
    return [
        border_layer(
            geometry,
            d,
            name=_("%(division)s borders") % {"division": d.name},
            style=style,
            parts=parts,
        )
        for d, style in ((division, REGION_STYLE), (against, AGAINST_STYLE))
    ]
