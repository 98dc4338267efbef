"""How heavy is the national map page, and how fast is it made? (issue 4: under 1.5 MB)

Builds the real-data map of ``swv_po`` against ``jeugdregio`` (weight inhabitants, scenario
huidig = the current divisions) and the compare view huidig | swv_binnen_jeugdregio, and prints:

- the page size and the bytes of each layer, against a baseline measured in the same run:
  a plain folium page of the gemeenten alone (full precision, every column in the tooltip, as
  ``GeoDataFrame.explore()`` would embed it);
- the gzip size (what a compressing server would send);
- the render time with cold caches (rounding + dissolving every region layer) and warm caches
  (dissolved layers reused), best of a few runs.

Ends with ``RESULT <name> <value> <unit>`` lines. Run: ``.venv/bin/python benchmarks/map_size.py``.
"""

from __future__ import annotations

import gzip
import time

import folium
import geopandas as gpd

from geo.data.store import load_dataset
from geo.overlap import score
from geo.scenarios import apply_scenario, load_scenario
from maps.compare_map import ScenarioView, compare_map
from maps.division_map import division_map, page_html
from maps.geometry import clear_cache
from maps.page import page_layers

LIMIT = 1_500_000
REPEATS = 3


def naive_page(units: gpd.GeoDataFrame) -> str:
    """The baseline: the gemeenten alone as plain folium GeoJSON, full precision, every column
    in the tooltip (what ``GeoDataFrame.explore()`` would embed)."""
    m = folium.Map(tiles=None)
    columns = [c for c in units.columns if c != units.geometry.name]
    folium.GeoJson(
        units.reset_index().to_json(), tooltip=folium.GeoJsonTooltip(["code", *columns])
    ).add_to(m)
    return m.get_root().render()


def main() -> None:
    ds = load_dataset()
    weight = "inhabitants"

    def scored(divisions: dict) -> dict:
        return score(
            divisions["swv_po"], divisions["jeugdregio"], ds.weight(weight), weight_name=weight
        ).to_dict()

    s = scored(ds.divisions)

    def render() -> str:
        m = division_map(ds, ds.divisions, s, scenario="huidig", assets="/maps/static/vendor")
        return page_html(m)

    cold = []
    for _ in range(REPEATS):
        clear_cache()
        t = time.perf_counter()
        page = render()
        cold.append(time.perf_counter() - t)
    warm = []
    for _ in range(REPEATS):
        t = time.perf_counter()
        page = render()
        warm.append(time.perf_counter() - t)

    size = len(page.encode("utf-8"))
    zipped = len(gzip.compress(page.encode("utf-8"), compresslevel=6))
    baseline = len(naive_page(ds.units).encode("utf-8"))

    print("national map: swv_po vs jeugdregio, weight inhabitants, scenario huidig")
    print(f"{'layer':45s} {'bytes':>10s} {'features':>9s} shown")
    for name, layer in page_layers(page).items():
        print(f"{name:45s} {layer.bytes:10,d} {len(layer.features):9d} {layer.shown}")
    print(f"page: {size:,} bytes ({size / LIMIT:.0%} of the 1.5 MB limit), gzip {zipped:,} bytes")
    print(f"baseline: plain folium page of the gemeenten alone: {baseline:,} bytes")
    print(f"ratio page / baseline: {size / baseline:.2f} (the page has 10 layers, baseline 1)")
    print(
        f"render cold {min(cold) * 1000:.0f} ms, warm {min(warm) * 1000:.0f} ms "
        f"(warm/cold {min(warm) / min(cold):.2f})"
    )

    other = apply_scenario(load_scenario("swv_binnen_jeugdregio"), ds)
    dual = compare_map(
        ds,
        ScenarioView("huidig", ds.divisions, s),
        ScenarioView("swv_binnen_jeugdregio", other, scored(other)),
        assets="/maps/static/vendor",
    )
    compare_size = len(page_html(dual).encode("utf-8"))
    print(f"compare page huidig | swv_binnen_jeugdregio: {compare_size:,} bytes")

    print(f"RESULT map_page_bytes {size} bytes")
    print(f"RESULT map_page_gzip_bytes {zipped} bytes")
    print(f"RESULT map_page_vs_naive_ratio {size / baseline:.3f} ratio")
    print(f"RESULT compare_page_bytes {compare_size} bytes")
    print(f"RESULT map_render_cold {min(cold) * 1000:.1f} ms")
    print(f"RESULT map_render_warm {min(warm) * 1000:.1f} ms")
    if size >= LIMIT:
        raise SystemExit(f"national map page is {size:,} bytes, over the {LIMIT:,} limit")


if __name__ == "__main__":
    main()
