"""Colours, line styles and legends shared by every map.

Regions are coloured by *containment* (the share of a region's weight that lies in its
best-matching region of the other division) on one fixed sequential scale, so maps of different
scenarios can be compared by eye: pale = nested (containment 1), dark red = badly split.

>>> scale = containment_colormap()
>>> scale(1.0), scale(0.0) == scale(CONTAINMENT_MIN)
('#ffffccff', True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import branca.colormap as cm
from branca.element import MacroElement, Template

from maps import i18n
from maps.i18n import N_, gettext

CONTAINMENT_MIN = 0.5
"""Lower end of the colour scale; lower containment gets the darkest colour."""

CONTAINMENT_COLORS = ["#800026", "#e31a1c", "#fd8d3c", "#fed976", "#ffffcc"]
"""ColorBrewer YlOrRd (5 classes), reversed: dark red = low containment, pale yellow = nested."""

NO_DATA_COLOR = "#bdbdbd"
"""Fill for gemeenten whose largest share is in no region (e.g. 'geen SWV')."""

UNIT_STYLE: dict[str, object] = {"color": "#8c8c8c", "weight": 0.35, "fillOpacity": 0.75}
"""Gemeente outlines: thin grey, so region and split outlines stand out."""

REGION_STYLE: dict[str, object] = {"color": "#111111", "weight": 1.6, "fill": False}
"""Borders of the regions of the coloured division."""

AGAINST_STYLE: dict[str, object] = {
    "color": "#08306b",
    "weight": 3.0,
    "fill": False,
    "opacity": 0.9,
}
"""Borders of the division compared against, drawn on top (dark blue, thick)."""

SPLIT_STYLE: dict[str, object] = {
    "color": "#c51b7d",
    "weight": 2.5,
    "dashArray": "6 4",
    "fill": False,
}
"""Gemeenten split between regions: a dashed magenta outline."""

NO_REGION_STYLE: dict[str, object] = {
    "color": "#555555",
    "weight": 1.0,
    "dashArray": "2 3",
    "fill": True,
    "fillColor": "#9e9e9e",
    "fillOpacity": 0.55,
}
"""Parts of split gemeenten in no region (the Europoort, in no SWV): grey fill, dotted edge."""

CHANGE_STYLE: dict[str, object] = {
    "color": "#00b7d4",
    "weight": 4.5,
    "dashArray": "9 5",
    "opacity": 1.0,
    "fill": False,
}
"""Gemeenten whose SWV changes compared with today: a thick dashed cyan outline (drawn last)."""

OVERLAY_COLORS: dict[str, str] = {
    "provincie": "#000000",
    "jeugdregio": "#08306b",
    "swv_po": "#1b7837",
    "swv_vo": "#762a83",
    "swv": "#5aae61",
    "ggdregio": "#b35806",
    "veiligheidsregio": "#d73027",
    "arbeidsmarktregio": "#4575b4",
}
"""Line colour per division when shown as an extra (toggleable) border layer."""

SCHOOL_STYLE: dict[str, object] = {
    "radius": 3,
    "color": "#000000",
    "weight": 0.6,
    "fillColor": "#1f78b4",
    "fillOpacity": 0.9,
}
"""Special-education locations: small blue circles."""


def containment_colormap(vmin: float = CONTAINMENT_MIN, locale: str = "nl") -> cm.LinearColormap:
    """The sequential containment scale from ``vmin`` (dark red) to 1 (pale yellow).

    Rule: values below ``vmin`` get the darkest colour (branca clips), the caption says so.

    >>> containment_colormap(0.6).vmin, containment_colormap(0.6, "en").caption
    (0.6, 'containment of the region (≤ 0.60 darkest, 1 = nested)')
    """
    scale = cm.LinearColormap(CONTAINMENT_COLORS, vmin=vmin, vmax=1.0)
    _ = gettext(locale)
    scale.caption = _("containment of the region (≤ %(vmin)s darkest, 1 = nested)") % {
        "vmin": i18n.format_decimal(vmin, locale, digits=2)
    }
    return scale


def overlay_color(division: str) -> str:
    """Line colour of a division drawn as an extra border layer (grey when not listed).

    >>> overlay_color("provincie"), overlay_color("unknown")
    ('#000000', '#737373')
    """
    return OVERLAY_COLORS.get(division, "#737373")


class HtmlControl(MacroElement):
    """A Leaflet control holding static HTML (a legend, a metrics box) at a map corner.

    The HTML is escaped by the caller; use :func:`metrics_table_html` / :func:`line_legend_html`.

    >>> HtmlControl("<b>x</b>", position="topright").position
    'topright'
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function() {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html|tojson }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str, position: str = "bottomleft", css_class: str = "rk-box"):
        super().__init__()
        self._name = "HtmlControl"
        self.html = html_text
        self.position = position
        self.css_class = css_class


BOX_CSS = """
<style>
.rk-box { background: rgba(255,255,255,0.92); padding: 6px 9px; border-radius: 4px;
          font: 12px/1.35 system-ui, sans-serif; box-shadow: 0 1px 4px rgba(0,0,0,0.35);
          max-width: 320px; }
.rk-box h4 { margin: 0 0 4px 0; font-size: 13px; }
.rk-box table { border-collapse: collapse; }
.rk-box td { padding: 0 6px 0 0; }
.rk-box td.v { text-align: right; font-variant-numeric: tabular-nums; }
.rk-line { display: inline-block; width: 28px; height: 0; vertical-align: middle;
           margin-right: 6px; }
.rk-swatch { display: inline-block; width: 14px; height: 10px; vertical-align: middle;
             margin-right: 6px; border: 1px solid #555; }
</style>
"""
"""CSS for :class:`HtmlControl` boxes; add once per page (``figure.header``)."""


def _line_sample(style: Mapping[str, object]) -> str:
    dash = "dashed" if style.get("dashArray") else "solid"
    width = max(1.0, float(style.get("weight", 1.0)))  # type: ignore[arg-type]
    return f'<span class="rk-line" style="border-top:{width:.1f}px {dash} {style["color"]}"></span>'


def line_legend_html(
    items: Sequence[tuple[str, Mapping[str, object]]], title: str, locale: str = "nl"
) -> str:
    """HTML legend explaining line symbols, e.g. ``[("jeugdregio border", AGAINST_STYLE)]``.

    >>> "dashed" in line_legend_html([("split gemeente", SPLIT_STYLE)], "Lines")
    True
    """
    _ = gettext(locale)
    no_region = _("largest share in no region")
    rows = "".join(
        f"<div>{_line_sample(style)}{html.escape(label)}</div>" for label, style in items
    )
    no_data = (
        f'<div><span class="rk-swatch" style="background:{NO_DATA_COLOR}"></span>'
        f"{html.escape(no_region)}</div>"
    )
    return f"<h4>{html.escape(title)}</h4>{rows}{no_data}"


def format_metric(value: object, locale: str = "nl") -> str:
    """A summary metric as pages show it (:func:`maps.i18n.format_metric`: 3 decimals, whole
    numbers with group separators, booleans as yes/no, None as '–').

    >>> format_metric(0.123456), format_metric(True, "en"), format_metric(None), format_metric(42)
    ('0,123', 'yes', '–', '42')
    """
    return i18n.format_metric(value, locale)


def format_weight(value: object, locale: str = "nl") -> str:
    """Weights and counts: whole numbers with group separators, others to 1 decimal.

    >>> format_weight(243768.0), format_weight(198.367, "en"), format_weight(float("nan"))
    ('243.768', '198.4', '–')
    """
    return i18n.format_weight(value, locale)


SUMMARY_FIELDS: tuple[tuple[str, str], ...] = (
    ("congruence", N_("congruence")),
    ("mean_containment", N_("mean containment")),
    ("reverse_mean_containment", N_("reverse mean containment")),
    ("nested_regions", N_("nested regions")),
    ("regions", N_("regions")),
    ("nested_share", N_("nested share")),
    ("total_pieces", N_("pieces")),
    ("no_region_total", N_("weight in no region")),
)
"""Summary metrics of a score shown on maps and the home page, with their labels (msgids)."""

SPECIALIST_FIELDS: tuple[tuple[str, str], ...] = (
    ("ari", N_("ARI")),
    ("nmi", N_("NMI")),
    ("vi", N_("VI")),
)
"""The measures for specialists, shown under "more measures"."""

GLOSSARY_ANCHORS: dict[str, str] = {
    "congruence": "congruentie",
    "mean_containment": "inbedding",
    "reverse_mean_containment": "inbedding",
    "nested_regions": "genest",
    "nested_share": "genest",
    "total_pieces": "stukken",
    "no_region_total": "geen-regio",
    "ari": "ari",
    "nmi": "nmi",
    "vi": "vi",
}
"""Summary field -> its entry on the glossary page (``/begrippen#...``)."""

GLOSSARY_URL = "/begrippen"

WEIGHT_FIELDS = frozenset({"no_region_total"})
"""Summary fields that are amounts of weight (formatted as weights, not as 0-1 metrics)."""


def headline_sentence(score: Mapping[str, object], locale: str = "nl") -> str:
    """The headline figure as a sentence: how many regions lie within one region of the other
    division (empty when the score has no such counts).

    >>> s = {"division": "swv_po", "against": "jeugdregio",
    ...      "summary": {"nested_regions": 52, "regions": 76}}
    >>> headline_sentence(s)
    '52 van de 76 samenwerkingsverbanden po liggen binnen één jeugdregio.'
    >>> headline_sentence(s, "en")
    '52 of the 76 samenwerkingsverbanden po lie within one jeugdregio.'
    """
    summary = score.get("summary")
    if not isinstance(summary, Mapping) or "nested_regions" not in summary:
        return ""
    if "regions" not in summary:
        return ""
    _ = gettext(locale)
    return _("%(nested)s of the %(regions)s %(division)s lie within one %(against)s.") % {
        "nested": i18n.format_number(summary["nested_regions"], locale),
        "regions": i18n.format_number(summary["regions"], locale),
        "division": i18n.division_label(str(score.get("division")), locale),
        "against": i18n.region_label(str(score.get("against")), locale),
    }


def _metric_rows(
    summary: Mapping[str, object], fields: Sequence[tuple[str, str]], locale: str
) -> str:
    _ = gettext(locale)
    rows = []
    for key, label in fields:
        if key not in summary:
            continue
        anchor = GLOSSARY_ANCHORS.get(key)
        name = html.escape(_(label))
        if anchor:
            name = f'<a href="{GLOSSARY_URL}#{anchor}">{name}</a>'
        value = summary[key]
        shown = (
            format_weight(value, locale) if key in WEIGHT_FIELDS else format_metric(value, locale)
        )
        rows.append(f'<tr><th scope="row">{name}</th><td class="v">{shown}</td></tr>')
    return "".join(rows)


def metrics_table_html(
    score: Mapping[str, object],
    title: str,
    *,
    edit_url: str | None = None,
    locale: str = "nl",
    open_panel: bool = True,
) -> str:
    """HTML box with a score's headline as a sentence and its summary metrics (keys missing
    from the score skipped; ARI, NMI and VI under "more measures"); each label links to its
    glossary entry. The box is a ``<details>`` panel (``open_panel``: open at first; pages close
    it on small screens). Weights (``no_region_total``) are formatted as weights.

    >>> s = {"division": "swv_po", "against": "jeugdregio", "weight": "inhabitants",
    ...      "summary": {"congruence": 0.8123}}
    >>> "0,812" in metrics_table_html(s, "huidig")
    True
    """
    _ = gettext(locale)
    summary = score.get("summary")
    if not isinstance(summary, Mapping):
        summary = {}
    subtitle = _("%(division)s compared with %(against)s, weighted by %(weight)s") % {
        "division": i18n.division_label(str(score.get("division")), locale),
        "against": i18n.division_label(str(score.get("against")), locale),
        "weight": i18n.weight_label(str(score.get("weight")), locale),
    }
    sentence = headline_sentence(score, locale)
    more_label, edit_label = _("more measures"), _("edit on the map")
    explain = _("What do these figures mean?")
    rows = _metric_rows(summary, SUMMARY_FIELDS, locale)
    specialist = _metric_rows(summary, SPECIALIST_FIELDS, locale)
    more = (
        f"<details><summary>{html.escape(more_label)}</summary>"
        f"<table>{specialist}</table></details>"
        if specialist
        else ""
    )
    edit = (
        f'<p><a class="rk-edit" href="{html.escape(edit_url)}">{html.escape(edit_label)}</a></p>'
        if edit_url
        else ""
    )
    lead = f'<p class="rk-sentence">{html.escape(sentence)}</p>' if sentence else ""
    return (
        f'<details class="rk-panel"{" open" if open_panel else ""}>'
        f"<summary>{html.escape(title)}</summary>"
        f"<div>{html.escape(subtitle)}</div>{lead}<table>{rows}</table>{more}"
        f'<p><a href="{GLOSSARY_URL}">{html.escape(explain)}</a></p>'
        f"{edit}</details>"
    )
