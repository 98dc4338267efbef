"""The difference map of two versions of a division: gemeenten whose region differs, shaded by
the pupils concerned (:mod:`geo.overlap.difference`).

Rule: every gemeente is drawn; one whose region differs is filled on a sequential scale of the
pupils concerned (light: few, dark: many; a changed gemeente without pupils concerned in the
lightest step), every other one white. The tooltip names the gemeente, its region(s) on the
left and on the right and the pupils concerned. The right side's region borders are drawn on
top (and the left side's, thin and dashed, hidden by default). A legend gives the scale and
the totals.

>>> # difference_map(dataset, left_division, right_division, diff, title="huidig → plan")
"""

from __future__ import annotations

import branca.colormap as cm
import folium
import numpy as np
import pandas as pd

from geo.dataset import Dataset
from geo.division import Division
from geo.overlap.difference import DivisionDifference
from maps.assets import use_assets
from maps.division_map import add_page_css, new_map
from maps.geometry import web_geometry
from maps.i18n import format_number, gettext
from maps.i18n import ngettext as plurals
from maps.layers import border_layer, escape_text
from maps.style import HtmlControl

UNCHANGED = "#ffffff"
SCALE = ["#fee8c8", "#fdbb84", "#e34a33", "#b30000"]
"""Sequential colours of the pupils concerned (light to dark)."""


def difference_colors(pupils: pd.Series, changed: pd.Index) -> tuple[pd.Series, cm.StepColormap]:
    """The fill of every gemeente and the colour scale (steps at rounded quantiles).

    >>> pupils = pd.Series({"a": 0.0, "b": 10.0, "c": 500.0})
    >>> fills, _ = difference_colors(pupils, pd.Index(["b", "c"]))
    >>> fills["a"], fills["b"] != fills["c"]
    ('#ffffff', True)
    """
    values = pupils.reindex(changed).fillna(0.0).to_numpy(float)
    top = float(values.max()) if len(values) else 1.0
    edges = np.unique(
        np.round(np.quantile(values, [0, 0.25, 0.5, 0.75, 1.0]) if len(values) else [0, 1])
    )
    if len(edges) < 2:
        edges = np.array([0.0, max(top, 1.0)])
    colors = SCALE[-(len(edges) - 1) :]  # few steps: the darker end, so they stand out
    scale = cm.StepColormap(
        colors, index=list(edges[: len(colors) + 1]), vmin=edges[0], vmax=edges[-1]
    )
    fills = pd.Series(UNCHANGED, index=pupils.index, dtype=object)
    for code, value in zip(changed, values, strict=True):
        fills[code] = scale(min(max(value, edges[0]), edges[-1]))
    return fills, scale


def difference_map(
    dataset: Dataset,
    left: Division,
    right: Division,
    diff: DivisionDifference,
    *,
    title: str,
    labels: tuple[str, str] = ("left", "right"),
    assets: str | None = None,
    tiles: str | None = None,
    locale: str = "nl",
) -> folium.Map:
    """The map of ``diff`` between ``left`` and ``right`` (rule in the module docstring);
    ``labels`` name the two sides in the tooltips and the legend; texts and numbers in
    ``locale``."""
    _ = gettext(locale)
    geometry = web_geometry(dataset.units.geometry)
    geometry.index = geometry.index.astype(str)
    focus = geometry[geometry.index.isin(diff.changed.index)]
    west, south, east, north = (focus if len(focus) else geometry).total_bounds
    m = new_map(tiles)
    m.fit_bounds([[south, west], [north, east]], max_zoom=9)  # zoomed to what changed
    use_assets(m, assets)
    add_page_css(m, f"regiokompas: {title}")
    changed = diff.changed
    names = dataset.units["name"].astype(str)
    names.index = names.index.astype(str)
    pupils = changed["pupils"].reindex(geometry.index).fillna(0.0)
    fills, scale = difference_colors(pupils, changed.index)
    frame = pd.DataFrame(
        {
            "gemeente": names.reindex(geometry.index).fillna(""),
            labels[0]: changed["before"].reindex(geometry.index).fillna("–"),
            labels[1]: changed["after"].reindex(geometry.index).fillna("–"),
            "pupils": [
                format_number(v if code in changed.index else 0, locale)
                for code, v in pupils.items()
            ],
        },
        index=geometry.index,
    )
    frame = escape_text(frame)
    features = []
    for (code, geom), row in zip(geometry.items(), frame.itertuples(index=False), strict=True):
        features.append(
            {
                "type": "Feature",
                "id": code,
                "geometry": geom.__geo_interface__,
                "properties": dict(zip(frame.columns, row, strict=True)),
            }
        )
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_("gemeenten: pupils concerned"),
        style_function=lambda f: {
            "fillColor": fills[f["id"]],
            "fillOpacity": 0.85,
            "color": "#777777",
            "weight": 0.4,
        },
        highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=list(frame.columns),
            aliases=[_("gemeente"), labels[0], labels[1], _("pupils concerned")],
            sticky=True,
        ),
        smooth_factor=0.5,
    ).add_to(m)
    parts = dataset.unit_parts
    border_layer(
        geometry,
        right,
        name=_("%(side)s: %(division)s borders") % {"side": labels[1], "division": right.name},
        style={"color": "#000000", "weight": 2.0, "fill": False},
        parts=parts,
    ).add_to(m)
    border_layer(
        geometry,
        left,
        name=_("%(side)s: %(division)s borders") % {"side": labels[0], "division": left.name},
        style={"color": "#1f4e9c", "weight": 1.5, "fill": False, "dashArray": "5 4"},
        show=False,
        parts=parts,
    ).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    steps = (
        ""
        if changed.empty
        else "".join(
            f'<div><span style="display:inline-block;width:14px;height:10px;background:{c}">'
            "</span> "
            f"{format_number(lo, locale)}–{format_number(hi, locale)}</div>"
            for c, lo, hi in zip(
                SCALE[-(len(scale.index) - 1) :], scale.index[:-1], scale.index[1:], strict=False
            )
        )
    )
    ngettext = plurals(locale)  # named so that pybabel extracts the call below
    total = ngettext(
        "%(num)s gemeente, %(pupils)s pupils concerned",
        "%(num)s gemeenten, %(pupils)s pupils concerned",
        len(changed),
    ) % {"num": format_number(len(changed), locale), "pupils": format_number(diff.pupils, locale)}
    per_gemeente = _("pupils concerned per gemeente")
    legend = f"<strong>{total}</strong><div>{per_gemeente}</div>{steps}"
    HtmlControl(legend, position="bottomleft", css_class="rk-box rk-legend").add_to(m)
    return m
