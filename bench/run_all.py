"""Run every benchmark script under bench/ (`bench_*.py`) in turn: `make bench`.

    .venv/bin/python bench/run_all.py [NAME ...]   # e.g. `engine import` to run only those

Each script runs in its own process with this interpreter; a failing one is reported and the
others still run. Exits 1 if any failed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
TIMEOUT_SECONDS = 1800  # per script: a stuck benchmark must not hang `make bench`


def main() -> int:
    wanted = set(sys.argv[1:])
    scripts = sorted(BENCH_DIR.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    failed: list[str] = []
    for script in scripts:
        print(f"== {script.name}", flush=True)
        started = time.perf_counter()
        try:
            result = subprocess.run(
                [sys.executable, str(script)], check=False, timeout=TIMEOUT_SECONDS
            )
            code = result.returncode
        except subprocess.TimeoutExpired:
            code = -1
        elapsed = time.perf_counter() - started
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"== {script.name}: {status} in {elapsed:.1f} s\n", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
