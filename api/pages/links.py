"""URLs of the map editor page (shared by the home page, the map pages and the editor).

>>> edit_url("huidig", "swv_po", "jeugdregio")
'/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po'
>>> edit_url("p", "swv", "jeugdregio").endswith("weight=pupils")
True
"""

from __future__ import annotations

from urllib.parse import urlencode

EDIT_WEIGHT: dict[str, str] = {"swv_po": "pupils_po", "swv_vo": "pupils_vo"}
"""The editor's default weight per division (``pupils`` for any other)."""


def edit_url(
    scenario: str,
    division: str,
    against: str,
    weight: str | None = None,
    share: str | None = None,
) -> str:
    """The editor page of ``division`` in ``scenario`` against ``against`` (``share``: the
    share link token the page was opened with, kept so the link works for its holder).

    >>> edit_url("p", "swv_po", "jeugdregio", share="ab.cd").endswith("&share=ab.cd")
    True
    """
    params = {
        "division": division,
        "against": against,
        "weight": weight or EDIT_WEIGHT.get(division, "pupils"),
    }
    if share:
        params["share"] = share
    return f"/edit/{scenario}?{urlencode(params)}"
