"""F7 of issue 16, across processes: the sign-in throttle counts every server process's failures.

The threat: the throttle counted in the memory of one process, so ``regio serve --workers 4``
(or two servers on one state directory) gave an attacker 4 times the guesses per account and
address, and a restart forgot them. Now the failures are rows in the scenario store
(``login_failures``), bounded in rows whatever the keys.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.safety.auth.throttle import ROWS_PER_KEY, LoginThrottle
from api.safety.limits import LimitExceeded
from api.storage.store import open_store
from tests.attacks.conftest import GENEROUS, make_app, state_of
from tests.attacks.test_clients import PASSWORD, login_form, with_password

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def sign_in(app: Any, name: str, password: str, address: str) -> int:
    client = TestClient(app, client=(address, 4000), follow_redirects=False)
    return client.post(
        "/login",
        data={**login_form(client), "name": name, "password": password},
        headers={"Origin": "http://testserver"},
    ).status_code


def rows(app: Any) -> int:
    return (
        app.state.regio.store._reader().execute("SELECT count(*) FROM login_failures").fetchone()[0]
    )


def test_two_servers_on_one_state_count_the_same_failures(dataset, tmp_path) -> None:
    """Five wrong guesses spread over two apps (two store connections, like two worker
    processes) use up the account's limit of 5 on both, also for the right password."""
    limits = dataclasses.replace(GENEROUS, login_failures_per_account="5/15minutes")
    a = make_app(dataset, tmp_path / "state", limits)
    b = make_app(dataset, tmp_path / "state", limits)
    with_password(a, "ann")
    statuses = [sign_in(app, "ann", "wrong", f"10.0.0.{i}") for i, app in
                enumerate([a, b, a, b, a])]  # fmt: skip
    assert statuses == [401] * 5
    before = state_of(b)["scenarios"]
    assert sign_in(b, "ann", PASSWORD, "10.9.9.9") == 429
    assert sign_in(a, "ANN", "wrong", "10.9.9.8") == 429  # names count case-insensitively
    assert state_of(b)["scenarios"] == before
    assert a.state.regio.login_throttle.shared and b.state.regio.login_throttle.shared


def test_another_process_failures_count_here(dataset, tmp_path) -> None:
    """Failures recorded by a separate Python process (its own interpreter and connection)
    refuse the next sign-in from that address in this one."""
    limits = dataclasses.replace(GENEROUS, login_failures_per_address="3/15minutes")
    app = make_app(dataset, tmp_path / "state", limits)
    with_password(app, "ann")
    script = textwrap.dedent(f"""
        from api.safety.auth.throttle import LoginThrottle
        from api.safety.limits import Limits
        from api.storage.store import open_store
        store = open_store({str(tmp_path / "state")!r}, library_dir=None)
        throttle = LoginThrottle(Limits(login_failures_per_address="3/15minutes"), store)
        for i in range(3):
            throttle.failed(f"user{{i}}", "192.0.2.44")
        store.close()
    """)
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, timeout=120)
    assert sign_in(app, "ann", PASSWORD, "192.0.2.44") == 429
    assert sign_in(app, "ann", PASSWORD, "192.0.2.45") == 303  # another address signs in


def test_the_window_slides_and_old_failures_are_forgotten(tmp_path) -> None:
    store = open_store(tmp_path, library_dir=None)
    clock = [1_000_000.0]
    limits = dataclasses.replace(GENEROUS, login_failures_per_account="2/60seconds")
    throttle = LoginThrottle(limits, store, clock=lambda: clock[0])
    try:
        throttle.failed("ann", "10.0.0.1")
        clock[0] += 30
        throttle.failed("ann", "10.0.0.2")
        with pytest.raises(LimitExceeded) as refused:
            throttle.check("ann", "10.0.0.3")
        assert refused.value.status == 429 and 30 <= refused.value.retry_after <= 31
        clock[0] += 31  # the first failure left the window: one more guess fits
        throttle.check("ann", "10.0.0.3")
        clock[0] += 3600
        throttle.failed("bob", "10.0.0.4")  # writing forgets what no window needs any more
        keys = [r[0] for r in store._reader().execute("SELECT key FROM login_failures")]
        assert sorted(keys) == ["account:bob", "address:10.0.0.4"]
    finally:
        store.close()


def test_rotating_names_and_addresses_keep_the_table_bounded(dataset, tmp_path) -> None:
    """F17's lesson for the shared table: 200 failures under fresh names and addresses keep at
    most ROWS_PER_KEY x REGIOKOMPAS_RATE_KEYS rows."""
    limits = dataclasses.replace(GENEROUS, rate_keys=10)
    app = make_app(dataset, tmp_path / "state", limits)
    throttle = app.state.regio.login_throttle
    for i in range(200):
        throttle.failed(f"name{i}", f"10.1.{i // 250}.{i % 250}")
    assert rows(app) <= ROWS_PER_KEY * 10
