"""Fixtures of the attack catalogue: an app on the real data, its stored state, detectors.

- ``app``/``client``: the app with the library scenarios, generous rate limits (the rate tests
  make their own app), signed in as a planner once accounts exist (``fixtures.accounts``);
- ``state_of(app)``: every stored scenario's (revision, sha256) and the audit log (once it
  exists): a refused request must leave it exactly as it was;
- ``http_probe``: a local HTTP server that records every request it gets;
- ``file_probe``: a file outside the data folder watched with inotify, so any open or read
  of it (by Python or by GDAL's C code) is seen.
"""

from __future__ import annotations

import ctypes
import http.server
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.safety.limits import Limits

try:  # accounts (issue 9 part A): writes need a user
    from fixtures.accounts import sign_in
except ImportError:  # pragma: no cover - before accounts landed
    sign_in = None

pytestmark = pytest.mark.integration

GENEROUS = Limits(rate_writes="100000/minute", rate_reads="100000/minute")
"""The catalogue's default limits: the rate limits are tested on their own."""


def make_app(dataset: Any, state: Path, limits: Limits = GENEROUS, **kwargs: Any) -> Any:
    """The app under attack (library scenarios seeded) with ``limits``."""
    return create_app(dataset, state, limits=limits, upload_limit=5 * 1024 * 1024, **kwargs)


def writer(client: TestClient, name: str = "mallory") -> TestClient:
    """``client`` signed in as planner ``name`` when accounts exist (else as it is)."""
    return sign_in(client, name) if sign_in is not None else client


REFUSAL_ACTIONS = frozenset({"login.throttled", "login.busy", "evaluate.refused", "rate.refused"})
"""Audit entries that record a refusal itself (``api.safety.refusals``): expected after a
429, checked by ``test_refusal_audit.py``, so :func:`state_of` leaves them out."""


def state_of(app: Any) -> dict[str, Any]:
    """What a refused request must not change: stored scenarios and the audit log (apart from
    the entry recording the refusal, :data:`REFUSAL_ACTIONS`)."""
    store = app.state.regio.store
    scenarios = {s.id: (s.revision, s.sha256) for s in store.list()}
    audit = store.audit_log(10_000) if hasattr(store, "audit_log") else []
    audit = [entry for entry in audit if entry.action not in REFUSAL_ACTIONS]
    return {"scenarios": scenarios, "audit": [repr(entry) for entry in audit]}


@pytest.fixture
def app(dataset, tmp_path: Path) -> Any:
    return make_app(dataset, tmp_path / "state")


@pytest.fixture
def client(app) -> TestClient:
    return writer(TestClient(app))


@dataclass
class HttpProbe:
    """A loopback HTTP server; ``requests`` lists the paths it was asked for."""

    port: int
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def http_probe() -> Iterator[HttpProbe]:
    probe = HttpProbe(port=0)

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            probe.requests.append(self.path)
            body = b"unit,region\nGM0014,LEAK\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_HEAD = do_POST = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    probe.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield probe
    finally:
        server.shutdown()
        server.server_close()


class FileProbe:
    """A file outside the data folder watched with Linux inotify: :meth:`opened` tells whether
    anything opened or read it since the probe was made."""

    IN_ACCESS, IN_OPEN, IN_NONBLOCK = 0x1, 0x20, 0o4000

    def __init__(self, path: Path, content: bytes) -> None:
        self.path = path
        self.content = content
        path.write_bytes(content)
        self._libc = ctypes.CDLL("libc.so.6", use_errno=True)
        self._fd = self._libc.inotify_init1(self.IN_NONBLOCK)
        if self._fd < 0:
            pytest.skip("inotify is not available")
        mask = self.IN_ACCESS | self.IN_OPEN
        if self._libc.inotify_add_watch(self._fd, str(path).encode(), mask) < 0:
            pytest.skip("inotify cannot watch the probe file")
        self._seen = False

    def opened(self) -> bool:
        """True once the file was opened or read (events are collected on each call)."""
        try:
            while os.read(self._fd, 4096):
                self._seen = True
        except BlockingIOError:
            pass
        return self._seen

    def close(self) -> None:
        os.close(self._fd)


@pytest.fixture
def file_probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileProbe]:
    folder = tmp_path_factory.mktemp("outside-data")
    probe = FileProbe(folder / "secret.csv", b"unit,region\nGM0014,SECRET-FROM-DISK\n")
    try:
        yield probe
    finally:
        probe.close()
