"""Benchmark: the map editor in a real browser, click -> updated panel, on the national data.

Starts ``regio serve`` on a free loopback port (fresh state dir) and headless Chromium, opens
``/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po``, switches to paint mode and
clicks four gemeenten around Eindhoven 50 times, each into PO3008 and back home
(every click is one more ``move`` edit, evaluated by ``POST /api/scenarios/huidig/evaluate``).
Each click is a DOM click on the gemeente's SVG path; the time is measured inside the page from
the click to the end of the panel's redraw (``performance.now()``), so the webdriver's own
overhead is not counted. Baseline measured in the same run: reloading the editor page (what a
planner would do without live figures), median of 5.

Prints ``RESULT editor_browser_p95 <ms> ms`` (target <= 150 ms) and the baseline.

Run: ``.venv/bin/python benchmarks/editor.py`` (needs /usr/bin/chromium and chromedriver).
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CLICKS = 50
HOME = {"GM0753": "PO3007", "GM0848": "PO3007", "GM0866": "PO3009", "GM0861": "PO3009"}
"""Best, Son en Breugel (PO3007, which keeps Eindhoven), Waalre, Veldhoven (PO3009, which keeps
Eersel): each click moves one of them into PO3008 or back home."""
UNITS = tuple(HOME)

CLICK = """
const [code, done] = [arguments[0], arguments[arguments.length - 1]];
const s = window.rkEditor;
const before = s.evalCount;
const path = s.layers[code]._path;
const box = path.getBoundingClientRect();
const t0 = performance.now();
path.dispatchEvent(new MouseEvent("click", {bubbles: true, cancelable: true,
    clientX: box.left + box.width / 2, clientY: box.top + box.height / 2}));
(function wait() {
    if (s.evalCount > before) { done([s.lastRender - t0, s.figures.timing_ms]); return; }
    if (performance.now() - t0 > 30000) { done(null); return; }
    setTimeout(wait, 1);
})();
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(state: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    regio = Path(sys.executable).parent / "regio"
    proc = subprocess.Popen(
        [str(regio), "serve", "--host", "127.0.0.1", "--port", str(port), "--state", state]
        + ["--log-level", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(f"{base}/api/scenarios", timeout=5):
                return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("regio serve did not start")


def _browser(profile: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def _open(d: webdriver.Chrome, url: str) -> float:
    start = time.perf_counter()
    d.get(url)
    for _ in range(6000):
        if d.execute_script("return document.body.dataset.ready") == "true":
            return (time.perf_counter() - start) * 1e3
        time.sleep(0.01)
    raise SystemExit("the editor did not become ready")


def main() -> None:
    state = tempfile.mkdtemp(prefix="rk-bench-state-")
    profile = tempfile.mkdtemp(prefix="rk-bench-chromium-")
    proc, base = _serve(state)
    d = _browser(profile)
    try:
        url = f"{base}/edit/huidig?division=swv_po&against=jeugdregio&weight=pupils_po"
        _open(d, url)  # warm-up: geometry, dataset, checks context
        reloads = [_open(d, url) for _ in range(5)]
        d.set_script_timeout(60)
        d.execute_script("document.getElementById('mode-paint').click();")
        times: list[float] = []
        server: list[float] = []
        for i in range(CLICKS):
            unit = UNITS[i % len(UNITS)]
            target = "PO3008" if (i // len(UNITS)) % 2 == 0 else HOME[unit]
            d.execute_script(
                "const p = document.getElementById('paint-region'); p.value = arguments[0];",
                target,
            )
            got = d.execute_async_script(CLICK, unit)
            if not isinstance(got, list):
                raise SystemExit(f"click {i} did not update the panel")
            times.append(float(got[0]))
            server.append(float(got[1]))
        edits = d.execute_script("return window.rkEditor.edits.length")
        d.execute_script("window.rkEditor.edits.length = 0;")
    finally:
        d.quit()
        proc.terminate()
        proc.wait(timeout=15)
        shutil.rmtree(profile, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)
    p95 = float(np.percentile(times, 95))
    print(f"clicks: {len(times)} ({edits} edits in the page at the end)")
    print(
        f"click -> panel: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
        f"max {max(times):.1f} ms"
    )
    print(
        f"of which the server's evaluate: median {statistics.median(server):.1f} ms, "
        f"p95 {np.percentile(server, 95):.1f} ms"
    )
    print(f"baseline, reloading the editor page: median {statistics.median(reloads):.0f} ms")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    print(f"RESULT editor_browser_p95 {p95:.1f} ms")
    print(f"RESULT editor_reload_baseline_ms {statistics.median(reloads):.0f} ms")


if __name__ == "__main__":
    main()
