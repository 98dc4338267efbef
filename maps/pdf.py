"""Print a self-contained HTML page (the report) to PDF with headless Chromium.

Rule: the HTML is written to a private temporary directory and printed by
``chromium --headless --print-to-pdf`` (A4 from the page's ``@page`` rule, no header or footer,
its own throw-away profile, no network services). Chromium is found by ``REGIOKOMPAS_CHROMIUM``,
else ``chromium``, ``chromium-browser`` or ``google-chrome`` on the PATH. Missing Chromium
raises :class:`PdfUnavailable` saying how to install it; a failed or slow print raises
:class:`PdfError` with Chromium's last words. One print runs at a time per process (a print
costs a browser start, ~1 s and ~150 MB).

>>> pdf_page_count(b"%PDF-1.4 /Type /Pages /Type /Page /Type /Page")
2
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from geo.errors import RegiokompasError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_SECONDS = 120.0
_one_at_a_time = threading.Lock()


class PdfUnavailable(RegiokompasError):
    """No Chromium to print with."""


class PdfError(RegiokompasError):
    """Chromium did not print the page."""


def find_chromium() -> str:
    """The Chromium executable (rule in the module docstring); :class:`PdfUnavailable` if none."""
    explicit = os.environ.get("REGIOKOMPAS_CHROMIUM")
    if explicit:
        if Path(explicit).is_file():
            return explicit
        raise PdfUnavailable(f"REGIOKOMPAS_CHROMIUM={explicit}: no such file")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise PdfUnavailable(
        "PDF needs Chromium, which is not installed here: apt-get install chromium "
        "(or set REGIOKOMPAS_CHROMIUM); the HTML report works without it"
    )


def html_to_pdf(html: str, *, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The PDF of ``html`` printed by headless Chromium (rule in the module docstring)."""
    browser = find_chromium()
    with _one_at_a_time, tempfile.TemporaryDirectory(prefix="regio-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-extensions",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not print the report within {timeout:.0f} s") from None
        if not out.is_file() or out.stat().st_size == 0:
            words = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
            raise PdfError(f"Chromium printed no PDF (exit {done.returncode}): {' | '.join(words)}")
        return out.read_bytes()


def pdf_page_count(pdf: bytes) -> int:
    """Pages of a PDF written by Chromium (its page objects are uncompressed dictionaries)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


__all__ = ["PdfError", "PdfUnavailable", "find_chromium", "html_to_pdf", "pdf_page_count"]
