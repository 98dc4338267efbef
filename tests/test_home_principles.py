"""The home page's principle columns (✔/✗ per principle, hover says why) and report links."""

from __future__ import annotations

import html
import re
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from fixtures.accounts import sign_in
from fixtures.verdict_cases import CASES, grid_dataset

CELL = re.compile(
    r'<td class="principle ([^"]*)"><details><summary><span class="rk-mark" aria-hidden="true">'
    r'([^<]*)</span> ([^<]*)</summary><div class="rk-why">([^<]*)</div></details></td>'
)
"""A principle cell: classes, mark, the mark in words, and why (a <details>, not a hover)."""


def document(case: str, principles: list[int]) -> dict:
    _, layout, _ = CASES[case]
    assignment = {
        f"GM{r:02d}{c:02d}": ch for r, row in enumerate(layout) for c, ch in enumerate(row)
    }
    return {
        "name": case.replace("_", "-"),
        "description": case,
        "principles": principles,
        "edits": [{"op": "assign", "division": "swv", "assignment": assignment}],
    }


def rows(page: str) -> dict[str, list[tuple[str, str, str]]]:
    """Scenario id -> its three principle cells ``(classes, why, mark)``."""
    out = {}
    for match in re.finditer(r'<tr id="scenario-([^"]+)">(.*?)</tr>', page, re.S):
        cells = CELL.findall(match.group(2))
        for _, mark, word, _ in cells:
            assert word == {"✔": "voldoet", "✗": "voldoet niet"}[mark], "the mark in words"
        out[match.group(1)] = [(c, html.unescape(t), m.strip()) for c, m, _, t in cells]
    return out


def test_principle_columns_and_report_links(tmp_path: Path) -> None:
    client = sign_in(
        TestClient(create_app(grid_dataset("dense"), tmp_path / "state", library_dir=None))
    )
    for case in ("valid", "two_jeugdregio"):
        assert client.post("/api/scenarios", json=document(case, [1, 3])).status_code == 201
    nothing = {"name": "today", "description": "no edits", "principles": [], "edits": []}
    assert client.post("/api/scenarios", json=nothing).status_code == 201
    page = client.get("/").text
    cells = rows(page)
    assert [m for _, _, m in cells["valid"]] == ["✔", "✔", "✔"]
    assert [m for _, _, m in cells["two-jeugdregio"]] == ["✔", "✔", "✗"]
    classes, title, _ = cells["two-jeugdregio"][2]
    assert "fail" in classes and "claimed" in classes
    # the check's summary and offenders in Dutch, with Dutch number formats (issue 17)
    assert title.startswith(
        "P3: 1 van de 2 samenwerkingsverbanden binnen één van de 2 jeugdregio's"
    )
    assert "tolerantie 0,995" in title
    assert "X: in 2 jeugdregio's: JA 80,0%, JB 20,0%" in title
    assert "de claim klopt niet" in title
    # today's separate PO and VO SWVs: P1 fails and says why
    assert cells["today"][0][2] == "✗" and "aparte indelingen" in cells["today"][0][1]
    english = rows(
        client.get("/", headers={"Accept-Language": "en"})
        .text.replace("passes", "voldoet")
        .replace("fails", "voldoet niet")
    )
    assert english["two-jeugdregio"][2][1].startswith("P3: 1 of 2 SWVs within one of the 2")
    assert "JA 80.0%, JB 20.0%" in english["two-jeugdregio"][2][1]
    for sid in ("valid", "two-jeugdregio", "today"):
        assert f'href="/api/scenarios/{sid}/report"' in page
    assert client.get("/api/scenarios/valid/report").status_code == 200
