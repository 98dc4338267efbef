"""Options from the browser (``/options/new`` -> job page -> keep options as scenarios) and the
JSON API, on the synthetic grid of three jeugdregio's with its space.

Expected values come from the stored Parquet files read directly (not from geo.space): option 1
is the least disruption, the sum of each jeugdregio's least-disrupting stored plan; the
proposal's mark equals it too (the oracle: CP-SAT reaches the enumerated minimum); today's mark
disrupts nobody. The authorization matrix of the new routes (anonymous, another planner, the
starter, an admin) is written out here from the rules: a signed-in user starts options, only the
starter or an admin sees or keeps them; a form without the session's CSRF token changes nothing.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.safety.auth.bootstrap import add_user
from fixtures.accounts import bearer
from tests.test_pages_workspace import ORIGIN, post
from tests.test_pages_workspace import browser as signed_in
from tests.test_space_pages import app, space  # noqa: F401 - fixtures


def _job_of(location: str) -> str:
    match = re.fullmatch(r"/options/([0-9a-f]{16})", location)
    assert match, location
    return match.group(1)


def _start(app, client, csrf, **fields) -> str:  # noqa: F811
    r = post(client, "/options", csrf, **{"title": "Mijn opties", "k": "3", **fields})
    assert r.status_code == 303, r.text
    job = _job_of(r.headers["location"])
    app.state.regio.jobs.wait(job, timeout=300)
    return job


def test_options_journey_by_form(app, space, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space["dir"]))
    client, csrf = signed_in(app, "ann")
    form = client.get("/options/new", headers={"accept-language": "nl"}).text
    assert 'id="options-form"' in form and 'name="csrf_token"' in form
    assert "Opties in plaats van één antwoord" in form
    job = _start(app, client, csrf)
    page = client.get(f"/options/{job}", headers={"accept-language": "nl"}).text
    assert "Klaar." in page and 'role="img"' in page and "vandaag" in page and "voorstel" in page
    assert client.get("/static/options.js").status_code == 200  # the page's progress script
    plans = space["plans"]
    least = float(plans.groupby("jeugdregio")["disrupted"].min().sum())
    api = client.get(f"/api/options/{job}").json()
    options = api["result"]["options"]
    assert 1 <= len(options) <= 3
    assert options[0]["disrupted"] == pytest.approx(least)
    assert api["result"]["marks"]["proposal"]["disrupted"] == pytest.approx(least)
    assert api["result"]["marks"]["today"]["disrupted"] == 0
    rows = re.findall(r'<tr id="option-(\d+)" data-disrupted="([0-9.]+)"', page)
    assert [float(d) for _, d in rows] == [o["disrupted"] for o in options]
    # one point per option in the chart (numbered circles), plus the marks
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert chart.count('r="9"') == len(options)
    assert chart.count("<polygon") == 1 and ">vandaag<" in chart

    # keep options 1 and 2 (or 1): private scenarios of ann, the first one opens
    keep = ["1", "2"] if len(options) > 1 else ["1"]
    r = post(client, f"/options/{job}/save", csrf, option=keep)  # type: ignore[arg-type]
    assert r.status_code == 303 and r.headers["location"] == "/scenarios/mijn-opties-optie-1"
    store = app.state.regio.store
    for i in keep:
        stored = store.get(f"mijn-opties-optie-{i}")
        assert stored.owner == "ann" and stored.visibility == "private"
        assert stored.document["title"] == f"Mijn opties: optie {i}"
    placed = client.get("/api/scenarios/mijn-opties-optie-1/placement").json()["view"]
    assert placed["in_space_jeugdregios"] == 3  # a stored option lies in the space
    # keeping again stores nothing new; the page links the stored scenarios
    before = len(store.list())
    again = post(client, f"/options/{job}/save", csrf, option=keep)  # type: ignore[arg-type]
    assert again.status_code == 303 and len(store.list()) == before
    page = client.get(f"/options/{job}").text
    assert 'href="/scenarios/mijn-opties-optie-1"' in page


def test_fixed_swvs_and_bad_requests(app, space, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space["dir"]))
    client, csrf = signed_in(app, "ann")
    plans = space["plans"]
    counts = plans[plans["jeugdregio"] == "JA"]["swvs"].value_counts()
    n = int(counts.index.min())
    job = _start(app, client, csrf, swvs=f"JA={n}")
    result = app.state.regio.jobs.get(job).result
    codes = app.state.regio.evaluator.dataset.division("jeugdregio").assignment()
    for o in result["options"]:
        assignment = o["document"]["edits"][0]["assignment"]
        in_ja = {v for u, v in assignment.items() if codes[u] == "JA"}
        assert len(in_ja) == n
    impossible = int(plans["swvs"].max()) + 5
    for text, words in (
        (f"JA={impossible}", "no valid division with"),
        ("JZ99=2", "unknown jeugdregio"),
        ("JA 2", "write JEUGDREGIO=N"),
    ):
        r = post(client, "/options", csrf, title="x", k="2", swvs=text)
        assert r.status_code == 422 and words in r.text, (text, r.text)
    r = post(client, "/options", csrf, title="x", k="2", jeugdregio="jeugdregio_99")
    assert r.status_code == 422 and "no space built" in r.text
    r = post(client, f"/options/{job}/save", csrf)
    assert r.status_code == 422 and "choose at least one" in r.text
    r = post(client, f"/options/{job}/save", csrf, option="9")
    assert r.status_code == 422


def test_without_a_space_there_are_no_options(app, monkeypatch) -> None:  # noqa: F811
    monkeypatch.delenv("REGIOKOMPAS_SPACE", raising=False)
    client, csrf = signed_in(app, "ann")
    form = client.get("/options/new", headers={"accept-language": "nl"}).text
    assert 'id="options-no-space"' in form and "regio space build" in form
    r = client.post("/api/options", json={"k": 2}, headers=app.state.headers["ann"])
    assert r.status_code == 409 and "REGIOKOMPAS_SPACE" in r.json()["detail"]


def test_authorization_of_the_options_routes(app, space, monkeypatch) -> None:  # noqa: F811
    """Every new route x {anonymous, other, owner, admin}: the status each must get."""
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space["dir"]))
    store = app.state.regio.store
    add_user(store, "root", "root's long password", admin=True)
    who = {
        "anonymous": {},
        "other": app.state.headers["bob"],
        "owner": app.state.headers["ann"],
        "admin": bearer(store, "root", admin=True),
    }
    client = TestClient(app)
    r = client.post("/api/options", json={"k": 2, "title": "A"}, headers=who["owner"])
    assert r.status_code == 202, r.text
    job = r.json()["job_id"]
    app.state.regio.jobs.wait(job, timeout=300)
    routes = [  # (method, url, request arguments, expected status per refused caller)
        ("GET", f"/api/options/{job}", {}, {"anonymous": 401, "other": 404}),
        ("GET", f"/options/{job}", {}, {"anonymous": 401, "other": 404}),
        (
            "POST",
            f"/options/{job}/save",
            {"data": {"option": "1"}},
            {"anonymous": 401, "other": 404},
        ),
        ("POST", f"/options/{job}/cancel", {"data": {}}, {"anonymous": 401, "other": 404}),
        ("POST", "/api/options", {"json": {"k": 1}}, {"anonymous": 401}),
        ("POST", "/options", {"data": {"title": "B", "k": "1"}}, {"anonymous": 401}),
        ("GET", "/options/new", {}, {}),
    ]
    for method, url, kwargs, refused in routes:
        for name, headers in who.items():
            before = len(store.list())
            r = client.request(method, url, headers=headers, follow_redirects=False, **dict(kwargs))
            want = refused.get(name)
            cell = f"{method} {url} as {name}: {r.status_code} {r.text[:200]}"
            if want is None:
                assert r.status_code in (200, 202, 303), cell
            else:
                assert r.status_code == want, cell
                assert len(store.list()) == before, cell  # a refused request stores nothing
            started = r.headers.get("location", "") if r.status_code == 303 else ""
            if r.status_code == 202:
                started = r.json()["url"]
            if re.search(r"/options/[0-9a-f]{16}$", started):  # one job at a time per user
                app.state.regio.jobs.wait(started.rsplit("/", 1)[1], timeout=300)
    # a session's form without its CSRF token changes nothing
    client2, _ = signed_in(app, "ann")
    before = len(store.list())
    r = client2.post(
        f"/options/{job}/save", data={"option": "1"}, headers=ORIGIN, follow_redirects=False
    )
    assert r.status_code == 403 and len(store.list()) == before


def test_another_users_job_answers_as_an_unknown_options_job(app, space, monkeypatch) -> None:  # noqa: F811
    """Asked for by another planner, ann's options job gets the very answer of an id that does
    not exist (status and body, the id aside), in the API and on the pages, and the answer
    names what was asked for: an options job (a proposal job on the proposal routes)."""
    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space["dir"]))
    client = TestClient(app)
    r = client.post("/api/options", json={"k": 1, "title": "A"}, headers=app.state.headers["ann"])
    assert r.status_code == 202, r.text
    job = r.json()["job_id"]
    app.state.regio.jobs.wait(job, timeout=300)
    missing = "0123456789abcdef"
    assert missing != job
    bob = app.state.headers["bob"]
    html = {**bob, "accept": "text/html", "accept-language": "nl"}

    def answer(method: str, url: str, headers: dict) -> tuple[int, str]:
        r = client.request(method, url, headers=headers, follow_redirects=False)
        return r.status_code, re.sub(r'nonce="[^"]*"', "", r.text)

    for method, url, headers, words in (
        ("GET", "/api/options/{}", bob, "unknown options job"),
        ("GET", "/options/{}", html, "unknown options job"),
        ("POST", "/options/{}/cancel", html, "unknown options job"),
        ("POST", "/options/{}/save", html, "unknown options job"),
        ("GET", "/api/proposals/{}", bob, "unknown proposal job"),
        ("GET", "/proposals/{}", html, "unknown proposal job"),
    ):
        theirs, nothing = (
            answer(method, url.format(job), headers),
            answer(method, url.format(missing), headers),
        )
        cell = f"{method} {url}: {theirs[0]} {theirs[1][:300]}"
        assert theirs[0] == nothing[0] == 404, cell
        assert theirs[1].replace(job, missing) == nothing[1], cell
        assert words in theirs[1], cell
        if "options" in words:
            assert "proposal" not in theirs[1].replace("/proposals/new", ""), cell
    # the starter still sees it; an admin too
    assert client.get(f"/api/options/{job}", headers=app.state.headers["ann"]).status_code == 200


def test_the_proposal_mark_is_computed_once_per_data_space_and_settings(
    app,  # noqa: F811
    space,  # noqa: F811
    monkeypatch,
    tmp_path,
) -> None:
    """Two options jobs on one space (other K, one jeugdregio's SWVs fixed) solve the proposal
    once: the second takes the first's mark (counted at the solver's entry). A rebuilt space
    (a newer manifest), other settings or other data are other keys; the cache stays within
    its byte bound."""
    import dataclasses
    import json
    import os
    import shutil

    import geo.proposals.propose as propose_module
    from api.compute.proposal_marks import MARK_BYTES, mark_key

    monkeypatch.setenv("REGIOKOMPAS_SPACE", str(space["dir"]))
    solved: list[str] = []
    real = propose_module.propose

    def counting(*args, **kwargs):
        solved.append(args[1].jeugdregio)
        return real(*args, **kwargs)

    monkeypatch.setattr(propose_module, "propose", counting)
    client = TestClient(app)
    ann = app.state.headers["ann"]
    plans = space["plans"]
    n = int(plans[plans["jeugdregio"] == "JA"]["swvs"].min())
    results = []
    for body in ({"k": 3}, {"k": 1, "fixed_swvs": {"JA": n}}):
        r = client.post("/api/options", json=body, headers=ann)
        assert r.status_code == 202, r.text
        job = app.state.regio.jobs.wait(r.json()["job_id"], timeout=300)
        assert job.status == "done", job.error
        results.append(job.result)
    assert len(solved) == 1  # the second job did not run the solver
    assert [r["proposal_cached"] for r in results] == [False, True]
    assert results[1]["marks"]["proposal"] == results[0]["marks"]["proposal"]
    least = float(plans.groupby("jeugdregio")["disrupted"].min().sum())
    assert results[1]["marks"]["proposal"]["disrupted"] == pytest.approx(least)  # the oracle
    marks = app.state.regio.proposal_marks
    assert len(marks) == 1 and 0 < marks.bytes <= MARK_BYTES

    # other data, other settings, a rebuilt space: other keys
    dataset = app.state.regio.evaluator.dataset
    key = mark_key(dataset, space["dir"])
    more = dataclasses.replace(dataset, units=dataset.units.assign(pupils_vo=31.0))
    assert mark_key(more, space["dir"]) != key
    copy = tmp_path / "space-copy"
    shutil.copytree(space["dir"], copy)
    settings = json.loads((copy / "settings.json").read_text())
    settings["proposal"]["seed"] = int(settings["proposal"].get("seed", 0)) + 1
    (copy / "settings.json").write_text(json.dumps(settings))
    copied = mark_key(dataset, copy)
    assert copied != key and copied[1] == key[1]  # same data
    manifest = space["dir"] / "manifest.json"
    stat = manifest.stat()
    os.utime(manifest, (stat.st_atime, stat.st_mtime + 5))
    r = client.post("/api/options", json={"k": 1}, headers=ann)
    job = app.state.regio.jobs.wait(r.json()["job_id"], timeout=300)
    assert job.status == "done" and job.result["proposal_cached"] is False
    assert len(solved) == 2 and len(marks) == 2
