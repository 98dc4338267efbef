"""Issue 16: refusals by the throttles and rate limits are in the audit log, and cannot flood it.

The threat: a sign-in refused by the throttle (429), an editor evaluation refused by its gate
(429) and a request refused by the rate limits (429) left no trace, so an operator could not
see a guessing or flooding attack in the audit log. Now each is audited (``login.throttled``,
``evaluate.refused``, ``rate.refused``) with the client and the setting, never a password or a
token; and because a refusal must not become a write an attacker can repeat at will, one entry
is written per client, action and target per minute (the rest counted into the next), at most
``api.safety.refusals.PER_MINUTE`` a minute in all.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.safety.costs import Gate
from api.safety.refusals import PER_MINUTE
from fixtures.accounts import bearer
from tests.attacks.conftest import GENEROUS, make_app
from tests.attacks.test_clients import login_form, with_password

pytestmark = pytest.mark.integration


def entries(app: Any, action: str) -> list[Any]:
    return [e for e in app.state.regio.store.audit_log(10_000) if e.action == action]


def whole_log(app: Any) -> str:
    return "\n".join(repr(e) for e in app.state.regio.store.audit_log(10_000))


def test_a_throttled_sign_in_is_audited_without_the_password(dataset, tmp_path) -> None:
    limits = dataclasses.replace(GENEROUS, login_failures_per_account="2/15minutes")
    app = make_app(dataset, tmp_path / "state", limits)
    with_password(app, "ann")
    client = TestClient(app, client=("198.51.100.9", 4000))
    statuses = []
    for i in range(6):
        statuses.append(
            client.post(
                "/login",
                data={**login_form(client), "name": "ann", "password": f"secret-guess-{i}"},
                headers={"Origin": "http://testserver"},
            ).status_code
        )
    assert statuses == [401, 401, 429, 429, 429, 429]
    [entry] = entries(app, "login.throttled")  # four refusals, one entry this minute
    assert (entry.actor, entry.target) == ("anonymous", "ann")
    assert "client=addr:198.51.100.9" in entry.detail
    assert "setting=REGIOKOMPAS_LOGIN_FAILURES_PER_ACCOUNT" in entry.detail
    assert "secret-guess" not in whole_log(app)


def test_an_evaluation_refused_by_its_gate_is_audited(dataset, tmp_path) -> None:
    app = make_app(dataset, tmp_path / "state")
    client = TestClient(app)
    headers = bearer(app.state.regio.store, "eve")
    settings = ("REGIOKOMPAS_EVALUATIONS", "REGIOKOMPAS_EVALUATIONS_PER_CLIENT")
    gate = Gate("editor evaluations", total=4, per_client=1, settings=settings)
    app.state.regio.evaluation_gate = gate
    with gate.admit("user:eve"):  # eve's one evaluation is running
        response = client.post("/api/scenarios/huidig/evaluate", json={}, headers=headers)
    assert response.status_code == 429
    [entry] = entries(app, "evaluate.refused")
    assert (entry.actor, entry.target) == ("eve", "huidig")
    assert "client=user:eve" in entry.detail
    assert "setting=REGIOKOMPAS_EVALUATIONS_PER_CLIENT" in entry.detail
    token = headers["Authorization"].removeprefix("Bearer ")
    assert token not in whole_log(app) and token.split(".")[-1] not in whole_log(app)


def test_a_rate_limited_request_is_audited_once_a_minute(dataset, tmp_path) -> None:
    """100 refused map pages from one signed-in client: one entry naming the user, the path and
    the setting; the token appears nowhere."""
    limits = dataclasses.replace(GENEROUS, rate_reads="3/minute")
    app = make_app(dataset, tmp_path / "state", limits)
    headers = bearer(app.state.regio.store, "ron")
    client = TestClient(app)
    statuses = [client.get("/api/scenarios", headers=headers).status_code for _ in range(103)]
    assert statuses.count(200) == 3 and statuses.count(429) == 100
    [entry] = entries(app, "rate.refused")
    assert (entry.actor, entry.target) == ("ron", "/api/scenarios")
    assert "client=user:ron" in entry.detail and "setting=REGIOKOMPAS_RATE_READS" in entry.detail
    assert headers["Authorization"].removeprefix("Bearer ") not in whole_log(app)


def test_refusals_from_many_addresses_cannot_flood_the_audit_log(dataset, tmp_path) -> None:
    """A botnet's worth of addresses, each refused: at most PER_MINUTE entries a minute."""
    limits = dataclasses.replace(GENEROUS, rate_reads="1/minute")
    app = make_app(dataset, tmp_path / "state", limits)
    refused = 0
    for i in range(PER_MINUTE + 60):
        client = TestClient(app, client=(f"10.2.{i // 250}.{i % 250}", 4000))
        client.get("/api/scenarios")  # its one read
        refused += client.get("/api/scenarios").status_code == 429
    assert refused == PER_MINUTE + 60
    assert len(entries(app, "rate.refused")) == PER_MINUTE
