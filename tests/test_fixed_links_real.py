"""Every row of the fixed-links table checked against the CBS map, and the contiguity it gives.

Independent of the code under test: distances and touching are computed here with shapely on
the store's polygons in EPSG:28992, names compared with the store's gemeente names.
"""

from __future__ import annotations

import shapely

from geo.adjacency import contiguity_graph
from geo.fixed_links import fixed_links

SLACK_KM = 0.5
"""Generalised boundaries: a coast may be drawn up to ~0.5 km off (cartomap simplification)."""


def test_every_row_lies_within_its_length_across_water(dataset) -> None:
    units = dataset.units.to_crs(28992)
    units.index = units.index.astype(str)
    names = units["name"].astype(str)
    for link in fixed_links():
        a, b = units.geometry[link.a], units.geometry[link.b]
        assert (names[link.a], names[link.b]) == (link.a_name, link.b_name), link.name
        gap_km = a.distance(b) / 1e3
        assert gap_km <= link.length_km + SLACK_KM, (link.name, gap_km)
        if link.touching:
            assert a.intersects(b), f"{link.name}: marked touching but the polygons do not touch"
            continue
        assert gap_km > 0, f"{link.name}: the gemeenten touch; mark the row touching: true"
        # the shortest line between the two gemeenten runs over water: no third gemeente on it
        line = shapely.shortest_line(a, b)
        others = units.drop(index=[link.a, link.b]).geometry
        on_land = others.intersection(line).length.sum() / 1e3
        assert on_land < 0.05 * gap_km + 0.1, (link.name, on_land)


def test_schouwen_duiveland_is_connected_to_noord_beveland(dataset) -> None:
    graph = contiguity_graph(dataset.units)
    assert "GM1695" in graph.neighbours()["GM1676"]
    assert graph.link_between("GM1676", "GM1695").name == "Zeelandbrug"
    assert graph.islands == {}
    # without the table, the two do not touch on the map
    assert not graph.queen[graph.units.get_loc("GM1676"), graph.units.get_loc("GM1695")]
