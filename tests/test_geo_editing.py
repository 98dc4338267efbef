"""geo.editing.LiveEditor as a script uses it (no web app): the same figures as the editor's API
and as an independent full computation (apply the edits as a scenario document, score them)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from geo.checks import VerdictSettings, build_context, verdict
from geo.editing import LiveEditor, Memo
from geo.editing.figures import gemeente_distances
from geo.overlap import score
from geo.scenarios import apply_scenario, parse_scenario
from geo.scenarios.errors import EmptiedRegionWarning, ScenarioError
from maps.i18n import render_message

pytestmark = pytest.mark.integration

EINDHOVEN = {"op": "move", "division": "swv_po", "unit": "GM0772", "to": "PO3008"}
ROERMOND = {"op": "move", "division": "swv_po", "unit": "GM0957", "to": "PO3101"}


@pytest.fixture(scope="module")
def editor(dataset) -> LiveEditor:
    return LiveEditor(dataset)


def applied(dataset, edits: list[dict]):
    doc = parse_scenario({"name": "x", "description": "edits", "edits": edits})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptiedRegionWarning)
        return apply_scenario(doc, dataset)


def test_script_figures_equal_a_full_computation(editor: LiveEditor, dataset) -> None:
    edits = [EINDHOVEN, ROERMOND]
    f = editor.figures("huidig", dataset.divisions, edits, "swv_po", "jeugdregio", "pupils_po")
    divisions = applied(dataset, edits)
    expected = score(
        divisions["swv_po"], divisions["jeugdregio"], dataset.weight("pupils_po"),
        weight_name="pupils_po",
    ).to_dict()  # fmt: skip
    assert f["engine"] == "live"
    for key in ("congruence", "nested_regions", "ari", "nmi", "vi"):
        assert f["headline"]["after"][key] == pytest.approx(expected["summary"][key], abs=1e-12)
    # the checks are regio verdict's on the edited division (P2 to contiguity)
    ctx = build_context(dataset)
    own = {"swv_po": divisions["swv_po"], "jeugdregio": divisions["jeugdregio"]}
    results = verdict(ctx, own, scenario="huidig", settings=VerdictSettings()).results
    by_name = {r.name: r for r in results}
    for check in f["checks"][1:]:
        assert check["passed"] == bool(by_name[check["name"]].passed), check["name"]
    # travel: the pupil-weighted mean over the gemeenten concerned, recomputed here
    d1 = gemeente_distances(ctx, divisions["swv_po"], "po")
    pupils = ctx.pupils["po"]
    changed = {row["code"] for row in f["travel"]["changed"]}
    for i, code in enumerate(ctx.units.astype(str)):
        if code in changed:
            row = next(r for r in f["travel"]["changed"] if r["code"] == code)
            assert row["po_after_km"] == pytest.approx(d1[i])
    assert f["travel"]["gemeenten_concerned"] > 0
    assert np.isfinite(pupils).all()
    assert f["membership"]["GM0957"] == [("PO3101", 1.0)]


def test_script_and_api_give_the_same_figures(
    editor: LiveEditor, dataset, tmp_path_factory: pytest.TempPathFactory
) -> None:
    client = TestClient(create_app(dataset, tmp_path_factory.mktemp("geo-editing")))
    body = {"division": "swv_po", "against": "jeugdregio", "weight": "pupils_po",
            "edits": [EINDHOVEN]}  # fmt: skip
    api = client.post("/api/scenarios/huidig/evaluate", json=body).json()
    f = editor.figures(
        "huidig", dataset.divisions, [EINDHOVEN], "swv_po", "jeugdregio", "pupils_po"
    )
    same = json.loads(json.dumps(f))
    # the script's checks carry each sentence as data (message); the API adds it translated for
    # the reader (text, Dutch by default): the same sentence
    for mine, theirs in zip(same["checks"], api["checks"], strict=True):
        assert render_message(mine.pop("message"), "nl") == theirs.pop("text")
    for key in ("headline", "regions", "touched", "disruption", "travel", "checks", "adjacency"):
        assert dropped_nones(api[key]) == dropped_nones(same[key]), key


def dropped_nones(value):
    """The response model writes absent optional fields as null (e.g. travel's ``vo`` for PO)."""
    if isinstance(value, dict):
        return {k: dropped_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [dropped_nones(v) for v in value]
    return value


def test_one_click_applies_one_edit_and_errors_name_the_edit(dataset) -> None:
    prefixes = Memo()
    editor = LiveEditor(dataset, prefixes=prefixes)
    editor.apply_edits("huidig", dataset.divisions, [EINDHOVEN])
    assert len(prefixes) == 1
    editor.apply_edits("huidig", dataset.divisions, [EINDHOVEN, ROERMOND])
    assert len(prefixes) == 2  # the first prefix came from the cache
    bad = {"op": "move", "division": "swv_po", "unit": "GM9944", "to": "PO3008"}
    with pytest.raises(ScenarioError, match=r"edits\[2\]"):
        editor.apply_edits("huidig", dataset.divisions, [EINDHOVEN, ROERMOND, bad])
