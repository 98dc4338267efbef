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
    ("containment", "containment"),
    ("best_match_name", "best match"),
    ("nested", "nested"),
    ("splits", "pieces"),
    ("effective_parts", "effective parts"),
)
"""Per-region metrics of a score shown in a gemeente's tooltip: (score key, label)."""


TOOLTIP_CSS = "white-space: normal; max-width: 420px; min-width: 260px; font-size: 12px;"
"""Tooltips wrap long rows (the row of all weights) instead of growing off the screen."""


CHANGE_FIELD = ("swv_change", "SWV changes")
"""Tooltip row of a gemeente's SWV change (see :mod:`maps.changes`), when the map marks them."""

CHANGE_LAYER = "gemeenten whose SWV changes"
"""Layer-control name of :func:`change_layer`."""


def unit_fields(
    division: str, against: str, weight: str, *, changes: bool = False
) -> list[tuple[str, str]]:
    """Tooltip fields of :func:`unit_layer` as ``(property, label)`` pairs, in display order.

    The chosen weight has a row of its own (``w_<weight>``); all weights follow in one row
    (``weights``), then the metrics of the gemeente's region. With ``changes`` the row
    ``SWV changes`` follows the gemeente's regions.
    """
    return (
        [("gemeente", "gemeente"), ("region", division), ("against_region", against)]
        + ([CHANGE_FIELD] if changes else [])
        + [(f"w_{weight}", f"{weight} (weight)"), ("weights", "all weights")]
        + [(f"m_{key}", f"region {label}") for key, label in REGION_METRICS]
    )


def region_labels(division: Division) -> pd.Series:
    """Per unit the text of its region(s): ``'Name (CODE)'``, shares in % when split.

    >>> d = Division.from_membership("d", pd.DataFrame({"unit": ["a", "b", "b"],
    ...     "region": ["X", "X", "Y"], "share": [1.0, 0.6, 0.4]}), region_names={"X": "Ex"})
    >>> region_labels(d).to_dict()
    {'a': 'Ex (X)', 'b': 'Ex (X) 60% · Y 40%'}
    """
    m = division.membership
    names = m["region"].map(lambda code: str(division.region_names.get(code, code)))
    label = (names + " (" + m["region"] + ")").where(names != m["region"], m["region"])
    label = label.where(m["region"] != NO_REGION, "no region")
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
    frame["region"] = region_labels(division).reindex(geometry.index)
    frame["against_region"] = region_labels(against).reindex(geometry.index)
    if changes is not None:
        frame[CHANGE_FIELD[0]] = changes.reindex(geometry.index).fillna("–").astype(str)
    for name, column in WEIGHTS.items():
        frame[f"w_{name}"] = [format_weight(v) for v in units[column].astype(float)]
    frame["weights"] = [
        " · ".join(f"{name} {value}" for name, value in zip(WEIGHTS, row, strict=True))
        for row in frame[[f"w_{name}" for name in WEIGHTS]].itertuples(index=False)
    ]
    for key, _ in REGION_METRICS:
        values = (
            main.map(metrics[key]) if key in metrics.columns else pd.Series(None, index=main.index)
        )
        frame[f"m_{key}"] = [format_metric(v) for v in values.astype(object)]
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
) -> folium.GeoJson:
    """Gemeenten coloured by their region's containment, with tooltips (see :func:`unit_frame`).

    >>> # see tests/test_maps_layers.py for a worked example on synthetic squares
    """
    frame = unit_frame(dataset, geometry, division, against, score, changes)
    fields = unit_fields(division.name, against.name, weight, changes=changes is not None)
    fills = frame["fill"].to_dict()
    data = _geojson(frame, [field for field, _ in fields])
    return folium.GeoJson(
        data,
        name=name or f"gemeenten: {division.name} by containment",
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
    geometry: gpd.GeoSeries, changed: pd.Series, *, name: str = CHANGE_LAYER
) -> folium.GeoJson:
    """Thick dashed outlines (:data:`maps.style.CHANGE_STYLE`) of the gemeenten where
    ``changed`` (bool per gemeente, e.g. ``swv_changes(...)["swv_changes"]``) is true.

    Not interactive: the gemeente layer below keeps its tooltips (with the ``SWV changes`` row).
    """
    mask = changed.reindex(geometry.index).fillna(False).astype(bool).to_numpy()
    return folium.GeoJson(
        feature_collection(geometry[mask]),
        name=name,
        style_function=lambda feature: dict(CHANGE_STYLE),
        interactive=False,
        smooth_factor=0.5,
    )


def school_layer(
    schools: gpd.GeoDataFrame, *, name: str = "special-education locations", show: bool = False
) -> folium.GeoJson:
    """Special-education locations (SBO, SO, VSO, (V)SO) as circles with a name/type tooltip."""
    properties = pd.DataFrame(
        {
            "naam": schools["naam"].astype(str).to_numpy(),
            "type": schools["type"].astype(str).to_numpy(),
            "leerlingen": [format_weight(v) for v in schools["leerlingen"].astype(float)],
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
        name=name,
        marker=folium.CircleMarker(**SCHOOL_STYLE),
        tooltip=folium.GeoJsonTooltip(
            fields=["naam", "type", "leerlingen"], aliases=["school", "type", "pupils"]
        ),
        show=show,
    )


def legend_html(division: str, against: str, *, changes: str | None = None) -> str:
    """HTML of the legend: the containment gradient with ticks and the line symbols.

    ``changes`` is the label of the line of :func:`change_layer` (no such line when None).

    >>> "jeugdregio border" in legend_html("swv_po", "jeugdregio")
    True
    """
    scale = containment_colormap()
    stops = ", ".join(color[:7] for color in (scale.rgb_hex_str(v) for v in scale.index))
    ticks = np.linspace(scale.vmin, scale.vmax, 5)
    span = scale.vmax - scale.vmin
    tick_html = "".join(
        f'<span style="position:absolute;left:{100 * (t - scale.vmin) / span:.1f}%;'
        f'transform:translateX(-50%)">{t:.2f}</span>'
        for t in ticks
    )
    gradient = (
        f'<div class="rk-gradient" style="height:12px;width:220px;border:1px solid #777;'
        f'background:linear-gradient(to right, {stops})"></div>'
        f'<div style="position:relative;height:14px;width:220px;font-size:11px">{tick_html}</div>'
    )
    lines = line_legend_html(
        [
            (f"{against} border", AGAINST_STYLE),
            (f"{division} border", REGION_STYLE),
            (f"gemeente split between {division} regions", SPLIT_STYLE),
            *([(changes, CHANGE_STYLE)] if changes else []),
        ],
        "lines",
    )
    dot = (
        '<div><span class="rk-swatch" style="border-radius:50%;width:9px;height:9px;'
        f'background:{SCHOOL_STYLE["fillColor"]}"></span>special-education location '
        "(layer)</div>"
    )
    caption = html.escape(f"{division} region containment in {against}")
    note = "share of the region's weight inside its best-matching region; 1 = nested"
    return f"<h4>{caption}</h4>{gradient}<div style='max-width:230px'>{note}</div>{lines}{dot}"


def legend_control(
    division: str, against: str, position: str = "bottomright", *, changes: str | None = None
) -> HtmlControl:
    """The legend as a Leaflet control (CSS class ``rk-box rk-legend``)."""
    return HtmlControl(
        legend_html(division, against, changes=changes),
        position=position,
        css_class="rk-box rk-legend",
    )


def border_layers(
    geometry: gpd.GeoSeries,
    division: Division,
    against: Division,
    *,
    parts: gpd.GeoDataFrame | None = None,
) -> list[folium.GeoJson]:
    """The region borders of ``division`` (solid) and of ``against`` (dashed) on top, each with
    postcode-exact cuts through split gemeenten (:func:`border_layer`)."""
    return [
        border_layer(geometry, d, name=f"{d.name} borders", style=style, parts=parts)
        for d, style in ((division, REGION_STYLE), (against, AGAINST_STYLE))
    ]
