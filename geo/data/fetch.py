"""Download the public source files into the data layout, verified by sha256.

Rule: a file is written into the data directory only after it was downloaded (or made) in
full into a temporary file beside it and its sha256 equals the known-good value of
:data:`geo.data.download_manifest.MANIFEST`; then it is renamed into place atomically. Any network
error, HTTP error, time-out or checksum mismatch raises :class:`FetchError` naming the file
and the address, discards the temporary file and leaves the file already there untouched.
Files already present with the right sha256 are kept (unless ``force``).

Sources (see :mod:`geo.data.download_manifest`): the CBS boundaries from cartomap, the population
and school files from GitHub at fixed commits, the school GeoJSON unzipped from its archive,
the SWV postcode CSV parsed from the annex of the Regeling (BWBR0032324, 2015-04-23) on
wetten.overheid.nl, and the PC4 GeoJSON from a mirror only (it was converted from an R data
file and has no public address as-is). That XML parser (:mod:`geo.data.swv_annex`) was never
run against the real host (no internet while it was written); it is tested on generated XML
only, and its output must still match the known-good sha256 of the CSV.

With ``base_url`` (a mirror carrying the layout) every file, the CSV included, is fetched as
``<base_url>/<path>``, e.g. ``<base_url>/cbs/gemeente_2025.topojson``.

Written next to the files: ``FETCHED.json`` (per file: url, sha256, bytes, fetched_at) and
``CHECKSUMS.sha256`` (``sha256sum -c`` format).

>>> from geo.data.fetch import fetch
>>> results = fetch("/tmp/regiokompas-data", base_url="http://127.0.0.1:8000/",
...                 only=["cbs"])  # doctest: +SKIP
>>> [r.status for r in results]  # doctest: +SKIP
['fetched', 'fetched', 'fetched', 'fetched', 'fetched', 'fetched', 'fetched']
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from geo.atomic import AtomicFile, write_atomic
from geo.config import data_dir
from geo.data.download_manifest import MANIFEST, Source
from geo.data.swv_annex import annex_to_csv
from geo.errors import RegiokompasError, SourceError

FETCHED_JSON = "FETCHED.json"
CHECKSUMS = "CHECKSUMS.sha256"
_CHUNK = 1 << 16


class FetchError(SourceError):
    """A file could not be fetched or did not verify; names the file and the address.

    >>> str(FetchError("cbs/x.topojson", "http://h/cbs/x.topojson", "HTTP 404 Not Found"))
    'cbs/x.topojson: HTTP 404 Not Found (from http://h/cbs/x.topojson)'
    """

    def __init__(self, path: object, url: str, problem: str) -> None:
        self.url = url
        super().__init__(path, f"{problem} (from {url})")


class ChecksumError(FetchError):
    """The bytes fetched for a file do not have its known-good sha256 (or size)."""


@dataclass(frozen=True)
class FetchResult:
    """What happened to one file: ``fetched`` (written now) or ``present`` (already verified)."""

    path: str
    status: Literal["fetched", "present"]
    url: str
    sha256: str
    bytes: int


_Advance = Callable[[int], None]


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class _Staged(AtomicFile):
    """An :class:`~geo.atomic.AtomicFile` that also hashes and counts what is written."""

    def __init__(self, target: Path) -> None:
        super().__init__(target)
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        super().write(chunk)
        self.digest.update(chunk)
        self.size += len(chunk)


def _stream(client: httpx.Client, url: str, path: str, sink: _Staged, advance: _Advance) -> None:
    """Stream ``url`` into ``sink``; every failure becomes a :class:`FetchError`."""
    try:
        with client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(path, url, f"HTTP {response.status_code} {response.reason_phrase}")
            for chunk in response.iter_bytes(_CHUNK):
                sink.write(chunk)
                advance(len(chunk))
    except httpx.TimeoutException as exc:
        raise FetchError(path, url, f"timed out ({type(exc).__name__})") from exc
    except httpx.HTTPError as exc:
        raise FetchError(path, url, f"network error: {exc or type(exc).__name__}") from exc


def _verify(source: Source, url: str, sink: _Staged) -> None:
    sha = sink.digest.hexdigest()
    if sha != source.sha256 or sink.size != source.size:
        raise ChecksumError(
            source.path,
            url,
            f"checksum mismatch: got sha256 {sha} ({sink.size} bytes), "
            f"expected {source.sha256} ({source.size} bytes); download discarded",
        )


def _copy(
    client: httpx.Client, source: Source, urls: Sequence[str], target: Path, advance: _Advance
) -> str:
    """Download the first address that answers; later addresses are tried on HTTP errors only."""
    errors: list[FetchError] = []
    for url in urls:
        sink = _Staged(target)
        try:
            _stream(client, url, source.path, sink, advance)
            _verify(source, url, sink)
            sink.commit()
            return url
        except ChecksumError:
            sink.discard()
            raise
        except FetchError as exc:
            sink.discard()
            errors.append(exc)
        except BaseException:
            sink.discard()
            raise
    if len(errors) == 1:
        raise errors[0]
    raise FetchError(
        source.path, " | ".join(urls), "; ".join(e.problem for e in errors) or "no address"
    )


def _unzip(source: Source, root: Path, target: Path, advance: _Advance) -> str:
    archive = root / str(source.derived_from)
    url = f"{source.urls[0]}#{source.member}"
    sink = _Staged(target)
    try:
        with zipfile.ZipFile(archive) as zf, zf.open(str(source.member)) as member:
            while chunk := member.read(_CHUNK):
                sink.write(chunk)
                advance(len(chunk))
        _verify(source, url, sink)
        sink.commit()
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        sink.discard()
        raise FetchError(source.path, url, f"cannot extract {source.member}: {exc}") from exc
    except BaseException:
        sink.discard()
        raise
    return url


def _swv_annex(client: httpx.Client, source: Source, target: Path, advance: _Advance) -> str:
    """Fetch the Regeling's XML (kept only in a temporary file), parse the annex, verify."""
    xml_target = target.with_name(f"{target.name}.regeling.xml")
    xml_source = Source(source.path, source.urls, "", 0)
    errors: list[str] = []
    for url in source.urls:
        sink = _Staged(xml_target)
        try:
            _stream(client, url, xml_source.path, sink, advance)
            sink.fh.close()
            xml = sink.tmp.read_bytes()
        except FetchError as exc:
            errors.append(exc.problem)
            continue
        finally:
            sink.discard()
        try:
            data = annex_to_csv(xml, source=url)
        except SourceError as exc:
            raise FetchError(source.path, url, f"cannot read the annex: {exc.problem}") from exc
        out = _Staged(target)
        try:
            out.write(data)
            _verify(source, url, out)
            out.commit()
        except BaseException:
            out.discard()
            raise
        return url
    raise FetchError(source.path, " | ".join(source.urls), "; ".join(errors))


def _select(manifest: Sequence[Source], only: Iterable[str] | None) -> list[Source]:
    """The sources named by ``only`` (path, file name, short name or folder) plus their archives."""
    if not only:
        return list(manifest)
    wanted: set[str] = set()
    for raw in only:
        for name in (n.strip() for n in raw.split(",")):
            if not name:
                continue
            hits = {
                s.path for s in manifest if name in (s.path, s.name, Path(s.path).name, s.group)
            }
            if not hits:
                names = ", ".join(sorted({s.group for s in manifest} | {s.name for s in manifest}))
                raise RegiokompasError(f"--only {name!r}: no such source file; known: {names}")
            wanted |= hits
    by_path = {s.path: s for s in manifest}
    for path in list(wanted):
        parent = by_path[path].derived_from
        if parent and by_path[path].make == "unzip":
            wanted.add(parent)
    return [s for s in manifest if s.path in wanted]


def _read_fetched(root: Path) -> dict[str, dict[str, object]]:
    path = root / FETCHED_JSON
    if not path.exists():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise SourceError(path, f"not a FETCHED.json manifest ({exc}); move it away") from exc
    return dict(files)


def _write_manifests(root: Path, entries: dict[str, dict[str, object]]) -> None:
    ordered = dict(sorted(entries.items()))
    write_atomic(
        root / FETCHED_JSON, json.dumps({"files": ordered}, indent=2, ensure_ascii=False) + "\n"
    )
    lines = "".join(f"{e['sha256']}  {p}\n" for p, e in ordered.items())
    write_atomic(root / CHECKSUMS, lines)


def fetch(
    data: str | os.PathLike[str] | None = None,
    base_url: str | None = None,
    only: Iterable[str] | None = None,
    force: bool = False,
    *,
    manifest: Sequence[Source] = MANIFEST,
    progress: bool = True,
    timeout: float = 60.0,
    console: Console | None = None,
) -> list[FetchResult]:
    """Fetch the public source files into ``data`` (default :func:`geo.config.data_dir`).

    Rule: write a file only once its full download has the known-good sha256, by atomic
    rename; skip files already present with that sha256 unless ``force``. ``base_url`` makes
    every file ``<base_url>/<path>``; ``only`` limits the files (path, file name, short name
    such as ``gemeente_2025``, or folder such as ``cbs``). Files that were fetched are recorded
    in ``FETCHED.json`` and ``CHECKSUMS.sha256`` in ``data``, also when a later file fails.

    Raises :class:`FetchError` (a :class:`~geo.errors.SourceError`) naming the file and the
    address on HTTP errors, network errors, time-outs and checksum mismatches.

    >>> fetch("/tmp/d", base_url="ftp://mirror")
    Traceback (most recent call last):
    ...
    geo.errors.RegiokompasError: --base-url 'ftp://mirror' must start with http:// or https://
    """
    if base_url is not None and not base_url.startswith(("http://", "https://")):
        raise RegiokompasError(f"--base-url {base_url!r} must start with http:// or https://")
    root = data_dir(data)
    selected = _select(manifest, only)
    fetched = _read_fetched(root)
    results: list[FetchResult] = []

    todo: list[Source] = []
    for source in selected:
        target = root / source.path
        if not force and target.is_file() and _sha256_file(target) == (source.sha256, source.size):
            old = fetched.get(source.path, {})
            url = str(old.get("url") or source.urls[0])
            results.append(FetchResult(source.path, "present", url, source.sha256, source.size))
        else:
            todo.append(source)
    if not todo:
        return results

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        disable=not progress,
    )
    total = bar.add_task("all files", total=sum(s.size for s in todo))
    try:
        with httpx.Client(timeout=timeout, follow_redirects=True) as client, bar:
            for source in todo:
                # The Regeling's XML has no known size: show that download without a total.
                derived_csv = base_url is None and source.make == "swv_annex"
                task: TaskID = bar.add_task(source.path, total=None if derived_csv else source.size)

                def advance(n: int, task: TaskID = task) -> None:
                    bar.advance(task, n)
                    bar.advance(total, n)

                target = root / source.path
                if base_url is not None:
                    mirror = f"{base_url.rstrip('/')}/{source.path}"
                    url = _copy(client, source, [mirror], target, advance)
                elif source.make == "unzip":
                    url = _unzip(source, root, target, advance)
                elif source.make == "swv_annex":
                    url = _swv_annex(client, source, target, advance)
                elif source.make == "mirror_only":
                    raise FetchError(
                        source.path,
                        source.urls[0],
                        "no public address serves this exact file (it was converted from the "
                        "source named here, see its folder's SOURCES.md); fetch it from a mirror "
                        "with --base-url",
                    )
                else:
                    url = _copy(client, source, source.urls, target, advance)
                fetched[source.path] = {
                    "url": url,
                    "sha256": source.sha256,
                    "bytes": source.size,
                    "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                results.append(FetchResult(source.path, "fetched", url, source.sha256, source.size))
    finally:
        if any(r.status == "fetched" for r in results):
            for r in results:
                fetched.setdefault(
                    r.path,
                    {"url": r.url, "sha256": r.sha256, "bytes": r.bytes, "fetched_at": None},
                )
            _write_manifests(root, fetched)
    return results
