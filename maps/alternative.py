"""The text alternative of a map: its regions and changed gemeenten as tables.

A screen reader cannot read coloured gemeenten. Every map page therefore carries the same
information as text (WCAG 1.1.1): one table of the regions of the coloured division (name,
weight, containment, whether it lies within one region, its best match and its pieces, sorted
worst first, as the colours show) and, where the map marks them, one table of the gemeenten
whose SWV changes.

>>> s = {"division": "swv_po", "against": "jeugdregio", "weight": "inhabitants", "regions": [
...     {"region": "A", "name": "Aa", "total": 1200.0, "containment": 0.5, "nested": False,
...      "best_match": "J", "best_match_name": "Jay", "splits": 2},
...     {"region": "B", "name": "B", "total": 10.0, "containment": 1.0, "nested": True,
...      "best_match": "J", "best_match_name": "Jay", "splits": 1}]}
>>> page = regions_table_html(s, "x")
>>> page.index("Aa (A)") < page.index(">B<"), "0,500" in page, "1.200" in page, "nee" in page
(True, True, True, True)
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import pandas as pd

from geo.dataset import Dataset
from maps.i18n import (
    division_label,
    format_metric,
    format_weight,
    gettext,
    region_label,
    weight_label,
)


def _name(code: object, name: object) -> str:
    code, name = str(code), str(name) if name is not None else str(code)
    return code if name == code else f"{name} ({code})"


def regions_table_html(score: Mapping[str, Any], table_id: str, locale: str = "nl") -> str:
    """A ``<table>`` of the regions of a score (worst containment first), with a caption."""
    _ = gettext(locale)
    division, against = str(score.get("division")), str(score.get("against"))
    regions = sorted(
        score.get("regions") or [],
        key=lambda r: (r.get("containment") is None, r.get("containment") or 0.0, r["region"]),
    )
    caption = _("%(division)s: each region against the %(against)s (weighted by %(weight)s)") % {
        "division": division_label(division, locale),
        "against": division_label(against, locale),
        "weight": weight_label(str(score.get("weight")), locale),
    }
    head = [
        region_label(division, locale),
        _("weight"),
        _("containment"),
        _("lies within one %(region)s") % {"region": region_label(against, locale)},
        _("best-matching %(region)s") % {"region": region_label(against, locale)},
        _("pieces"),
    ]
    rows = []
    for r in regions:
        nested = html.escape(_("yes") if r.get("nested") else _("no"))
        cells = [
            f'<th scope="row">{html.escape(_name(r["region"], r.get("name")))}</th>',
            f'<td class="num">{format_weight(r.get("total"), locale)}</td>',
            f'<td class="num">{format_metric(r.get("containment"), locale)}</td>',
            f"<td>{nested}</td>",
            f"<td>{html.escape(_name(r.get('best_match') or '–', r.get('best_match_name')))}</td>",
            f'<td class="num">{format_metric(r.get("splits"), locale)}</td>',
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    header = "".join(
        f'<th scope="col"{" class=num" if i in (1, 2, 5) else ""}>{html.escape(h)}</th>'
        for i, h in enumerate(head)
    )
    return (
        f'<div class="rk-table-wrap"><table id="{html.escape(table_id)}">'
        f"<caption>{html.escape(caption)}</caption><thead><tr>{header}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def changes_table_html(
    dataset: Dataset, changes: pd.DataFrame | None, table_id: str, locale: str = "nl"
) -> str:
    """A ``<table>`` of the gemeenten whose SWV changes (:func:`maps.changes.swv_changes`),
    most pupils first; a sentence when none changes; empty when the map marks no changes."""
    if changes is None:
        return ""
    _ = gettext(locale)
    changed = changes[changes["swv_changes"]].sort_values("changed", ascending=False)
    if changed.empty:
        none = html.escape(_("No gemeente changes SWV."))
        return f'<p id="{html.escape(table_id)}">{none}</p>'
    names = dataset.units["name"].astype(str)
    rows = "".join(
        f'<tr><th scope="row">{html.escape(_name(code, names.get(code, code)))}</th>'
        f"<td>{html.escape(str(row['text']))}</td>"
        f'<td class="num">{format_weight(round(float(row["changed"])), locale)}</td></tr>'
        for code, row in changed.iterrows()
    )
    caption = _("Gemeenten whose SWV changes compared with today (%(n)s)") % {
        "n": format_weight(len(changed), locale)
    }
    gemeente, change = html.escape(_("gemeente")), html.escape(_("change"))
    pupils = html.escape(_("pupils who change SWV"))
    return (
        f'<div class="rk-table-wrap"><table id="{html.escape(table_id)}">'
        f"<caption>{html.escape(caption)}</caption><thead><tr>"
        f'<th scope="col">{gemeente}</th><th scope="col">{change}</th>'
        f'<th scope="col" class="num">{pupils}</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></div>"
    )
