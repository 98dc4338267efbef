"""A real browser opens ``regio report --space``: the histograms of the valid divisions with the
scenario marked and the per-jeugdregio table ("in JA, 3 of 12 valid divisions disrupt fewer
pupils"); screenshot in ``artifacts/report_space.png``. Synthetic grid, so it is quick."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml
from selenium.webdriver.common.by import By
from typer.testing import CliRunner

from geo.config import REPO_ROOT
from regio import app
from regio import common as cli_common
from tests.test_browser import chromium
from tests.test_space_cli import BOUNDS, LAYOUT, PO, PUPILS, SCHOOLS

pytestmark = [pytest.mark.browser]

if not (Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists()):
    if not os.environ.get("CI"):
        pytest.skip("chromium/chromedriver not installed", allow_module_level=True)


def test_report_shows_the_space_histograms_and_table(tmp_path: Path) -> None:
    from fixtures.proposal_grids import layout_dataset

    ds = layout_dataset(LAYOUT, PO, pupils_po=PUPILS, pupils_vo=30.0, schools=SCHOOLS)
    runner = CliRunner()
    space, out = tmp_path / "space", tmp_path / "report.html"
    assignment = {u: "S" + ds.division("jeugdregio").assignment()[u] for u in ds.units.index}
    doc = {
        "name": "een-per-jeugdregio",
        "description": "one SWV per jeugdregio",
        "edits": [{"op": "assign", "division": "swv", "assignment": assignment}],
    }
    scenario = tmp_path / "one.yaml"
    scenario.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli_common, "load_data", lambda data: ds)
        built = runner.invoke(
            app, ["space", "build", "--out", str(space), "--scheduler", "synchronous", *BOUNDS]
        )
        assert built.exit_code == 0, built.output
        made = runner.invoke(
            app, ["report", str(scenario), "--space", str(space), *BOUNDS, "--out", str(out)]
        )
    assert made.exit_code in (0, 1), made.output
    with chromium(tmp_path / "profile", window="1200,1800") as browser:
        browser.get(out.as_uri())
        img = browser.find_element(By.CSS_SELECTOR, "img.space-hist")
        assert browser.execute_script("return arguments[0].naturalWidth", img) > 500
        rows = browser.find_elements(By.CSS_SELECTOR, "table.space tbody tr")
        assert [r.find_elements(By.TAG_NAME, "td")[0].text.split()[0] for r in rows] == [
            "JA",
            "JB",
            "JC",
        ]
        # the one-SWV-per-jeugdregio plan: in JA it is a valid division (2..3 SWVs are valid
        # there, so one SWV is not), the sentence counts the valid divisions
        assert all("valid" in r.text or "geldige" in r.text for r in rows)
        browser.execute_script("arguments[0].scrollIntoView()", img)
        (REPO_ROOT / "artifacts").mkdir(exist_ok=True)
        browser.save_screenshot(str(REPO_ROOT / "artifacts" / "report_space.png"))
