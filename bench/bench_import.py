"""Benchmark: the start-up cost of the command line (a script, not a test).

Runs `python -X importtime -c "import reqscope.cli"` in fresh processes and reports the
median cumulative import time of `reqscope.cli` (what every `reqscope ...` pays before doing
anything), the slowest modules it pulls in, and whether any heavy module (httpx, textual,
rich, pygments) was imported at all.

    .venv/bin/python bench/bench_import.py [--runs 9] [--module reqscope.cli]

Target: well under 150 ms; no heavy module imported.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

TARGET_MS = 150.0
HEAVY = ("httpx", "httpcore", "textual", "rich", "pygments", "h2")


def import_times(module: str) -> dict[str, int]:
    """Cumulative microseconds per imported module, from one fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    times: dict[str, int] = {}
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line.split("|"))
        if cumulative.isdigit():
            times[name.strip()] = int(cumulative)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes to time")
    parser.add_argument("--module", default="reqscope.cli", help="the module to import")
    args = parser.parse_args()

    runs = [import_times(args.module) for _ in range(max(1, args.runs))]
    totals_ms = [run.get(args.module, 0) / 1000 for run in runs]
    last = runs[-1]
    median_ms = statistics.median(totals_ms)
    print(f"python -X importtime -c 'import {args.module}', {len(runs)} fresh processes")
    print(f"{'measure':<28}{'ms':>10}")
    print(f"{'median cumulative':<28}{median_ms:>10.1f}")
    print(f"{'min / max':<28}{min(totals_ms):>5.1f} / {max(totals_ms):.1f}")
    print("slowest imports (last run, cumulative ms):")
    top = sorted(((us, name) for name, us in last.items() if name != args.module), reverse=True)
    for us, name in top[:6]:
        print(f"  {name.strip():<26}{us / 1000:>10.1f}")
    heavy = sorted({name.strip() for run in runs for name in run} & set(HEAVY))
    print(f"heavy modules imported: {', '.join(heavy) if heavy else 'none'}")
    verdict = "ok" if median_ms < TARGET_MS and not heavy else "OVER TARGET"
    print(f"target: < {TARGET_MS:.0f} ms and no heavy module: {verdict}")


if __name__ == "__main__":
    main()
