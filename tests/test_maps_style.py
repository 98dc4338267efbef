"""Tests of maps.style: a sequential containment scale, number formats, escaped HTML boxes."""

from __future__ import annotations

import numpy as np
import pytest

from maps import style


def _luminance(hex_color: str) -> float:
    """Relative luminance (WCAG 2) of '#rrggbb[aa]', computed here independently of branca."""
    rgb = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(linear @ np.array([0.2126, 0.7152, 0.0722]))


def test_containment_scale_is_sequential_and_clipped() -> None:
    scale = style.containment_colormap()
    values = np.linspace(style.CONTAINMENT_MIN, 1.0, 26)
    lum = [_luminance(scale(v)) for v in values]
    assert all(b > a for a, b in zip(lum, lum[1:], strict=False)), "lighter as containment rises"
    assert scale(0.0) == scale(style.CONTAINMENT_MIN) == scale(0.2)
    assert scale(1.0).startswith(style.CONTAINMENT_COLORS[-1])
    assert scale(style.CONTAINMENT_MIN).startswith(style.CONTAINMENT_COLORS[0])
    assert "1 = binnen één regio" in scale.caption, "Dutch by default"
    assert "1 = nested" in style.containment_colormap(locale="en").caption


def test_no_data_colour_is_not_on_the_scale() -> None:
    scale = style.containment_colormap()
    on_scale = {scale(v)[:7] for v in np.linspace(0.5, 1.0, 101)}
    assert style.NO_DATA_COLOR not in on_scale


@pytest.mark.parametrize(
    ("value", "text", "dutch"),
    [
        (0.81234, "0.812", "0,812"),
        (1.0, "1.000", "1,000"),
        (True, "yes", "ja"),
        (False, "no", "nee"),
        (None, "–", "–"),
        (float("nan"), "–", "–"),
        (7, "7", "7"),
        (12345, "12,345", "12.345"),
        (26471.0, "26,471", "26.471"),
        ("x", "x", "x"),
    ],
)
def test_format_metric(value: object, text: str, dutch: str) -> None:
    assert style.format_metric(value, "en") == text
    assert style.format_metric(value) == dutch, "Dutch by default"


@pytest.mark.parametrize(
    ("value", "text", "dutch"),
    [
        (243768.0, "243,768", "243.768"),
        (198.367, "198.4", "198,4"),
        (0.0, "0", "0"),
        (None, "–", "–"),
        (float("nan"), "–", "–"),
    ],
)
def test_format_weight(value: object, text: str, dutch: str) -> None:
    assert style.format_weight(value, "en") == text
    assert style.format_weight(value) == dutch


def test_metrics_table_escapes_and_lists_summary() -> None:
    score = {
        "division": "swv_po",
        "against": "jeugdregio",
        "weight": "inhabitants",
        "summary": {"congruence": 0.5, "nested_regions": 3, "regions": 4, "ari": 0.25},
    }
    out = style.metrics_table_html(score, "<script>alert(1)</script>", locale="en")
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "congruence" in out and "0.500" in out and "ARI" in out and "0.250" in out
    assert (
        "samenwerkingsverbanden po compared with jeugdregio&#x27;s, weighted by inhabitants" in out
    )
    assert "3 of the 4 samenwerkingsverbanden po lie within one jeugdregio." in out
    assert "NMI" not in out, "metrics missing from the score are left out"
    assert out.index("<summary>more measures</summary>") < out.index("ARI"), "ARI under more"
    assert 'href="/begrippen#congruentie"' in out, "each figure links to its explanation"
    assert "congruence" not in style.metrics_table_html({"summary": None}, "t", locale="en")
    dutch = style.metrics_table_html(score, "t")
    assert "congruentie" in dutch and "0,500" in dutch and "meer maten" in dutch
    assert "3 van de 4 samenwerkingsverbanden po liggen binnen één jeugdregio." in dutch


def test_line_legend_shows_dashes_only_for_dashed_styles() -> None:
    out = style.line_legend_html(
        [("split", style.SPLIT_STYLE), ("jeugdregio border", style.AGAINST_STYLE)], "lines"
    )
    assert out.count("dashed") == 1 and "solid" in out
    assert style.SPLIT_STYLE["color"] in out and style.AGAINST_STYLE["color"] in out
    assert style.NO_DATA_COLOR in out


def test_html_control_renders_a_leaflet_control() -> None:
    import folium

    m = folium.Map(tiles=None)
    style.HtmlControl("<b>hi</b>", position="topleft", css_class="rk-box x").add_to(m)
    page = m.get_root().render()
    assert 'L.control({position: "topleft"})' in page
    assert '"\\u003cb\\u003ehi\\u003c/b\\u003e"' in page or '"<b>hi</b>"' in page
    assert '"rk-box x"' in page
