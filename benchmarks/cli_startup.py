"""Benchmark: start-up time of the ``regio`` command (``--help``), lazy vs eager imports.

- lazy: ``regio --help`` as shipped - the sub-commands import their machinery (OR-Tools,
  GerryChain, libpysal, pandas, the web app) only when they run;
- eager (baseline): the same ``--help`` with ``geo.proposals.propose`` imported first, as it was
  when ``regio.propose`` imported it at module level (before the clean-up: ~4 s).

Both run in fresh interpreters, alternately, in the same run (median of ``REPEATS``); the script
prints both times and the ratio, and ends with ``RESULT`` lines. Goal: ``regio --help`` < 1 s.

Run: ``.venv/bin/python benchmarks/cli_startup.py``
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

REPEATS = 5
ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("geo.proposals.propose",)
"""What ``regio propose`` needs when it runs (imported eagerly in the baseline)."""


def run_help(preload: tuple[str, ...]) -> float:
    """Wall seconds of ``regio --help`` in a fresh interpreter after importing ``preload``."""
    imports = "".join(f"import {name}; " for name in preload)
    code = f"{imports}from regio import main; main()"
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, "--help"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def main() -> None:
    lazy: list[float] = []
    eager: list[float] = []
    run_help(())  # warm the file system cache and the byte-code of both variants
    run_help(HEAVY)
    for _ in range(REPEATS):
        lazy.append(run_help(()))
        eager.append(run_help(HEAVY))
    lazy_s, eager_s = statistics.median(lazy), statistics.median(eager)
    print(f"regio --help, lazy imports (as shipped): {lazy_s:.3f} s (median of {REPEATS})")
    print(f"regio --help, eager imports (baseline):  {eager_s:.3f} s")
    print(f"speed-up: {eager_s / lazy_s:.1f}x; goal < 1 s: {'met' if lazy_s < 1 else 'NOT met'}")
    print(f"RESULT cli_help_seconds {lazy_s:.3f} s")
    print(f"RESULT cli_help_eager_seconds {eager_s:.3f} s")
    print(f"RESULT cli_help_speedup {eager_s / lazy_s:.2f} x")


if __name__ == "__main__":
    main()
