"""Tests for geo.data.fetch and the ``fetch`` command, against a local HTTP server only.

Unit tests use small generated files and a manifest made in the test; integration tests serve
the real ``../shared/data`` (geo.config.DEFAULT_SHARED_DATA) and fetch it with the real manifest.
No test contacts a real host: every URL points to 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from geo.config import DEFAULT_SHARED_DATA
from geo.data.download_manifest import MANIFEST, Source
from geo.data.fetch import CHECKSUMS, FETCHED_JSON, ChecksumError, FetchError, fetch
from geo.errors import RegiokompasError
from regio.fetch import fetch_command

# --------------------------------------------------------------------------- local server


@dataclass
class Mirror:
    """A directory served over HTTP on 127.0.0.1, with per-path overrides."""

    root: Path
    url: str = ""
    status: dict[str, int] = field(default_factory=dict)  # path -> HTTP status to answer
    body: dict[str, bytes] = field(default_factory=dict)  # path -> bytes served instead
    delay: dict[str, float] = field(default_factory=dict)  # path -> seconds before answering
    requests: list[str] = field(default_factory=list)


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.lstrip("/")
            mirror.requests.append(path)
            if path in mirror.delay:
                time.sleep(mirror.delay[path])
            status = mirror.status.get(path)
            file = mirror.root / path
            if status is None and path not in mirror.body and not file.is_file():
                status = 404
            if status is not None:
                self.send_error(status)
                return
            data = mirror.body[path] if path in mirror.body else file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # client gave up (time-out test)
                pass

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _serve(root: Path) -> Iterator[Mirror]:
    mirror = Mirror(root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mirror))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    mirror.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield mirror
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --------------------------------------------------------------------------- synthetic data


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _annex_xml(rows: list[tuple[str, str, str, str]]) -> bytes:
    """A tiny Regeling document whose annex is a CALS table like wetten.overheid.nl's."""
    body = "".join(
        f"<row><entry><al>{pc}</al></entry><entry><al>{gm}</al></entry>"
        f"<entry><al>{po}</al></entry><entry><al>{vo}</al></entry></row>"
        for pc, gm, po, vo in rows
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><toestand><wetgeving><regeling><bijlage>"
        "<table><tgroup cols='4'><colspec colname='c1'/><colspec colname='c2'/>"
        "<colspec colname='c3'/><colspec colname='c4'/><thead><row>"
        "<entry><al>Postcode</al></entry><entry><al>Gemeente</al></entry>"
        "<entry><al>Samenwerkingsverband PO</al></entry>"
        "<entry><al>Samenwerkingsverband VO</al></entry></row></thead>"
        f"<tbody>{body}</tbody></tgroup></table></bijlage></regeling></wetgeving></toestand>"
    ).encode()


SWV_ROWS = [
    ("1012", "Amsterdam", "PO2707", "VO2708"),
    ("1011", "Amsterdam", "PO2707", "VO2708"),
    ("5671", "Nuenen, Gerwen en Nederwetten", "PO3008", "VO3007"),
]
SWV_CSV = (
    b"pc4,gemeente,po_swv,vo_swv\r\n1011,Amsterdam,PO2707,VO2708\r\n"
    b"1012,Amsterdam,PO2707,VO2708\r\n"
    b'5671,"Nuenen, Gerwen en Nederwetten",PO3008,VO3007\r\n'
)


@dataclass
class Synthetic:
    """Generated upstream files, the mirror layout, and a manifest pointing at the server."""

    upstream: Mirror
    files: dict[str, bytes]  # layout path -> expected bytes
    manifest: tuple[Source, ...]


@pytest.fixture
def synthetic(tmp_path: Path) -> Iterator[Synthetic]:
    """Serve one directory holding both the 'upstream' files and the mirror layout."""
    root = tmp_path / "server"
    geojson = json.dumps({"type": "FeatureCollection", "features": []}).encode() * 50
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("scholen.geo.json", geojson)
    files = {
        "cbs/a_2025.topojson": b'{"type":"Topology","objects":{"a":1}}' * 3000,
        "cbs/b_2025.topojson": b'{"type":"Topology","objects":{"b":2}}',
        "schools/s.geo.zip": buf.getvalue(),
        "schools/s.geojson": geojson,
        "swv/swv.csv": SWV_CSV,
    }
    upstream = {
        "up/a.topojson": files["cbs/a_2025.topojson"],
        "up/b.topojson": files["cbs/b_2025.topojson"],
        "up/s.geo.zip": files["schools/s.geo.zip"],
        "up/regeling.xml": _annex_xml(SWV_ROWS),
    }
    for rel, data in {**files, **upstream}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    for mirror in _serve(root):
        up = mirror.url + "up/"

        def src(path: str, urls: tuple[str, ...], **kw: object) -> Source:
            data = files[path]
            return Source(path, urls, _sha(data), len(data), **kw)  # type: ignore[arg-type]

        manifest = (
            src("cbs/a_2025.topojson", (up + "a.topojson",)),
            src("cbs/b_2025.topojson", (up + "gone.topojson", up + "b.topojson")),
            src("schools/s.geo.zip", (up + "s.geo.zip",)),
            src(
                "schools/s.geojson",
                (up + "s.geo.zip",),
                make="unzip",
                derived_from="schools/s.geo.zip",
                member="scholen.geo.json",
            ),
            src("swv/swv.csv", (up + "missing.xml", up + "regeling.xml"), make="swv_annex"),
        )
        yield Synthetic(mirror, files, manifest)


def _no_part_files(root: Path) -> bool:
    return not [p for p in root.rglob("*") if p.name.endswith(".part")]


# --------------------------------------------------------------------------- unit tests


def test_mirror_fetch_writes_identical_files_and_manifests(
    synthetic: Synthetic, tmp_path: Path
) -> None:
    target = tmp_path / "data"
    results = fetch(
        target, base_url=synthetic.upstream.url, manifest=synthetic.manifest, progress=False
    )
    assert [r.status for r in results] == ["fetched"] * 5
    for rel, data in synthetic.files.items():
        assert (target / rel).read_bytes() == data
    # mirror mode fetches every file from <base>/<path>, the derived ones too
    assert sorted(synthetic.upstream.requests) == sorted(synthetic.files)
    checksums = dict(
        reversed(line.split("  ", 1)) for line in (target / CHECKSUMS).read_text().splitlines()
    )
    assert checksums == {rel: _sha(data) for rel, data in synthetic.files.items()}
    entries = json.loads((target / FETCHED_JSON).read_text())["files"]
    assert set(entries) == set(synthetic.files)
    entry = entries["cbs/a_2025.topojson"]
    assert entry["url"] == synthetic.upstream.url + "cbs/a_2025.topojson"
    assert entry["bytes"] == len(synthetic.files["cbs/a_2025.topojson"])
    assert entry["sha256"] == _sha(synthetic.files["cbs/a_2025.topojson"])
    assert entry["fetched_at"].startswith("20")
    assert _no_part_files(target)


def test_online_fetch_follows_fallbacks_unzips_and_parses_annex(
    synthetic: Synthetic, tmp_path: Path
) -> None:
    target = tmp_path / "data"
    results = fetch(target, manifest=synthetic.manifest, progress=False)
    for rel, data in synthetic.files.items():
        assert (target / rel).read_bytes() == data, rel
    urls = {r.path: r.url for r in results}
    up = synthetic.upstream.url + "up/"
    assert urls["cbs/b_2025.topojson"] == up + "b.topojson"  # after a 404 on the first address
    assert urls["swv/swv.csv"] == up + "regeling.xml"
    assert urls["schools/s.geojson"] == up + "s.geo.zip#scholen.geo.json"
    assert "up/gone.topojson" in synthetic.upstream.requests
    assert _no_part_files(target) and not list(target.rglob("*.xml"))


def test_present_files_are_kept_unless_forced(synthetic: Synthetic, tmp_path: Path) -> None:
    target = tmp_path / "data"
    fetch(target, base_url=synthetic.upstream.url, manifest=synthetic.manifest, progress=False)
    before = json.loads((target / FETCHED_JSON).read_text())
    synthetic.upstream.requests.clear()
    again = fetch(
        target, base_url=synthetic.upstream.url, manifest=synthetic.manifest, progress=False
    )
    assert [r.status for r in again] == ["present"] * 5
    assert synthetic.upstream.requests == []
    assert json.loads((target / FETCHED_JSON).read_text()) == before
    forced = fetch(
        target,
        base_url=synthetic.upstream.url,
        only=["cbs"],
        force=True,
        manifest=synthetic.manifest,
        progress=False,
    )
    assert [(r.path, r.status) for r in forced] == [
        ("cbs/a_2025.topojson", "fetched"),
        ("cbs/b_2025.topojson", "fetched"),
    ]


def test_a_damaged_local_file_is_fetched_again(synthetic: Synthetic, tmp_path: Path) -> None:
    target = tmp_path / "data"
    (target / "cbs").mkdir(parents=True)
    (target / "cbs/b_2025.topojson").write_bytes(b"truncated")
    results = fetch(
        target,
        base_url=synthetic.upstream.url,
        only=["b_2025"],
        manifest=synthetic.manifest,
        progress=False,
    )
    assert [(r.path, r.status) for r in results] == [("cbs/b_2025.topojson", "fetched")]
    assert (target / "cbs/b_2025.topojson").read_bytes() == synthetic.files["cbs/b_2025.topojson"]


def test_only_selects_by_name_and_adds_the_archive(synthetic: Synthetic, tmp_path: Path) -> None:
    target = tmp_path / "data"
    results = fetch(target, only=["s.geojson"], manifest=synthetic.manifest, progress=False)
    assert [r.path for r in results] == ["schools/s.geo.zip", "schools/s.geojson"]
    assert not (target / "cbs").exists()
    with pytest.raises(RegiokompasError, match="'nope'.*known: .*a_2025"):
        fetch(target, only=["nope"], manifest=synthetic.manifest, progress=False)


def test_http_404_names_file_and_url_and_writes_nothing_half(
    synthetic: Synthetic, tmp_path: Path
) -> None:
    target = tmp_path / "data"
    synthetic.upstream.status["schools/s.geo.zip"] = 404
    with pytest.raises(FetchError) as info:
        fetch(target, base_url=synthetic.upstream.url, manifest=synthetic.manifest, progress=False)
    message = str(info.value)
    assert "schools/s.geo.zip" in message and "HTTP 404" in message
    assert synthetic.upstream.url + "schools/s.geo.zip" in message
    assert not (target / "schools").exists() or not any((target / "schools").iterdir())
    # the files fetched before the failure are there and recorded
    entries = json.loads((target / FETCHED_JSON).read_text())["files"]
    assert set(entries) == {"cbs/a_2025.topojson", "cbs/b_2025.topojson"}
    assert _no_part_files(target)


def test_corrupt_download_keeps_the_good_file(synthetic: Synthetic, tmp_path: Path) -> None:
    target = tmp_path / "data"
    fetch(target, base_url=synthetic.upstream.url, manifest=synthetic.manifest, progress=False)
    good = (target / "cbs/a_2025.topojson").read_bytes()
    bad = bytearray(good)
    bad[100] ^= 0xFF
    synthetic.upstream.body["cbs/a_2025.topojson"] = bytes(bad)
    with pytest.raises(ChecksumError, match=r"cbs/a_2025\.topojson: checksum mismatch") as info:
        fetch(
            target,
            base_url=synthetic.upstream.url,
            only=["a_2025"],
            force=True,
            manifest=synthetic.manifest,
            progress=False,
        )
    assert _sha(bytes(bad)) in str(info.value)
    assert (target / "cbs/a_2025.topojson").read_bytes() == good
    assert _no_part_files(target)


def test_timeout_and_refused_connection_are_fetch_errors(
    synthetic: Synthetic, tmp_path: Path
) -> None:
    target = tmp_path / "data"
    synthetic.upstream.delay["cbs/b_2025.topojson"] = 1.0
    with pytest.raises(FetchError, match=r"cbs/b_2025\.topojson: timed out"):
        fetch(
            target,
            base_url=synthetic.upstream.url,
            only=["b_2025"],
            manifest=synthetic.manifest,
            progress=False,
            timeout=0.2,
        )
    with pytest.raises(FetchError, match=r"cbs/b_2025\.topojson: network error.*127\.0\.0\.1:9/"):
        fetch(
            target,
            base_url="http://127.0.0.1:9/",
            only=["b_2025"],
            manifest=synthetic.manifest,
            progress=False,
        )
    assert not (target / "cbs/b_2025.topojson").exists() and _no_part_files(target)


def test_broken_annex_is_a_fetch_error(synthetic: Synthetic, tmp_path: Path) -> None:
    synthetic.upstream.body["up/regeling.xml"] = b"<html><body>Niet gevonden</body></html>"
    with pytest.raises(FetchError, match=r"swv/swv\.csv: cannot read the annex: no annex table"):
        fetch(tmp_path, only=["swv"], manifest=synthetic.manifest, progress=False)
    assert not (tmp_path / "swv/swv.csv").exists() and _no_part_files(tmp_path)


def test_mirror_only_file_needs_a_mirror(synthetic: Synthetic, tmp_path: Path) -> None:
    data = b'{"type": "FeatureCollection", "features": []}'
    path = "pc4/p.geojson"
    (synthetic.upstream.root / path).parent.mkdir(parents=True, exist_ok=True)
    (synthetic.upstream.root / path).write_bytes(data)
    origin = synthetic.upstream.url + "up/p.rda"
    manifest = (Source(path, (origin,), _sha(data), len(data), make="mirror_only"),)
    with pytest.raises(FetchError, match=r"pc4/p\.geojson: no public address .*up/p\.rda"):
        fetch(tmp_path, manifest=manifest, progress=False)
    assert not (tmp_path / path).exists() and _no_part_files(tmp_path)
    assert "up/p.rda" not in synthetic.upstream.requests  # the origin is informative only
    fetch(tmp_path, base_url=synthetic.upstream.url, manifest=manifest, progress=False)
    assert (tmp_path / path).read_bytes() == data


def test_rejects_a_base_url_without_http(tmp_path: Path) -> None:
    with pytest.raises(RegiokompasError, match="ftp://x"):
        fetch(tmp_path, base_url="ftp://x", progress=False)


# --------------------------------------------------------------------------- CLI


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("fetch")(fetch_command)
    app.command("noop")(lambda: None)  # two commands keep "fetch" a sub-command
    return app


def test_cli_fetches_and_reports_errors(
    synthetic: Synthetic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import regio.fetch as cli_module

    def fetch_synthetic(*args: object, **kw: object) -> object:
        return fetch(*args, manifest=synthetic.manifest, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(cli_module, "fetch", fetch_synthetic)
    runner = CliRunner()
    target = tmp_path / "data"
    base = ["fetch", "--data", str(target), "--base-url", synthetic.upstream.url, "--quiet"]
    ok = runner.invoke(_cli(), [*base, "--only", "cbs,swv"])
    assert ok.exit_code == 0, ok.output
    assert "3 fetched, 0 already present" in ok.stdout
    assert (target / "swv/swv.csv").read_bytes() == SWV_CSV
    synthetic.upstream.status["schools/s.geo.zip"] = 404
    failed = runner.invoke(_cli(), [*base, "--only", "schools"])
    assert failed.exit_code == 1
    assert "fetch failed" in failed.stderr and "schools/s.geo.zip" in failed.stderr
    assert "HTTP 404" in failed.stderr


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def shared_mirror() -> Iterator[Mirror]:
    """The real ../shared/data served on 127.0.0.1."""
    if not (DEFAULT_SHARED_DATA / "cbs").is_dir():
        pytest.skip(f"real data not found in {DEFAULT_SHARED_DATA}")
    yield from _serve(DEFAULT_SHARED_DATA)


@pytest.mark.integration
def test_real_layout_is_fetched_byte_identical(shared_mirror: Mirror, tmp_path: Path) -> None:
    results = fetch(tmp_path, base_url=shared_mirror.url, progress=False)
    assert [r.path for r in results] == [s.path for s in MANIFEST]
    assert {r.status for r in results} == {"fetched"}
    for source in MANIFEST:
        fetched = (tmp_path / source.path).read_bytes()
        assert fetched == (DEFAULT_SHARED_DATA / source.path).read_bytes(), source.path
        assert _sha(fetched) == source.sha256
    lines = (tmp_path / CHECKSUMS).read_text().splitlines()
    assert len(lines) == len(MANIFEST)
    for line in lines:
        sha, rel = line.split("  ", 1)
        assert _sha((tmp_path / rel).read_bytes()) == sha
    entries = json.loads((tmp_path / FETCHED_JSON).read_text())["files"]
    assert entries["swv/swv_pc4_2015.csv"]["url"] == shared_mirror.url + "swv/swv_pc4_2015.csv"


@pytest.mark.integration
def test_real_corrupted_file_is_rejected(shared_mirror: Mirror, tmp_path: Path) -> None:
    rel = "cbs/gemeente_2025.topojson"
    good = (DEFAULT_SHARED_DATA / rel).read_bytes()
    (tmp_path / "cbs").mkdir()
    (tmp_path / rel).write_bytes(good)
    shared_mirror.body[rel] = good.replace(b"GM0363", b"GM9999", 1)
    try:
        with pytest.raises(ChecksumError, match="gemeente_2025.topojson: checksum mismatch"):
            fetch(tmp_path, base_url=shared_mirror.url, only=[rel], force=True, progress=False)
    finally:
        del shared_mirror.body[rel]
    assert (tmp_path / rel).read_bytes() == good
    assert _no_part_files(tmp_path)
