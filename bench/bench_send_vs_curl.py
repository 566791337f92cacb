"""Benchmark: `reqscope send` as a whole process vs `curl` against the lab (a script, not a
test).

Each run starts a fresh process that sends one GET to the lab (started in this script, on
127.0.0.1) and prints the response to /dev/null; reqscope and curl alternate so machine load
hits both alike. Two routes: a 2xx (/echo) and a refusal (which adds reqscope's one-line
diagnosis, i.e. loading the knowledge base).

    .venv/bin/python bench/bench_send_vs_curl.py [--runs 15]

Reports the median wall time per process and the ratio; there is no fixed target (a Python
process will not start as fast as curl), the number is for the note.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from reqscope.lab.server import running_lab

ROUTES = (
    ("2xx /echo", "/echo", []),
    ("403 + diagnosis", "/403/akamai/products", ["-H", "User-Agent: curl/8.5.0"]),
)


def reqscope_command() -> list[str]:
    script = Path(sys.executable).with_name("reqscope")
    return [str(script)] if script.exists() else [sys.executable, "-m", "reqscope"]


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="processes of each kind per route")
    args = parser.parse_args()
    curl = shutil.which("curl")
    if curl is None:
        print("curl is not installed: nothing to compare with")
        return
    reqscope = reqscope_command()
    print(f"one GET per process, median of {args.runs} runs (ms)")
    print(f"{'route':<18}{'reqscope send':>15}{'curl':>10}{'ratio':>8}")
    with running_lab() as lab:
        for label, path, headers in ROUTES:
            url = lab.url + path
            ours: list[float] = []
            theirs: list[float] = []
            timed([*reqscope, "send", url, *headers])  # warm the file cache
            for index in range(max(1, args.runs)):
                pair = [
                    (ours, [*reqscope, "send", url, *headers]),
                    (theirs, [curl, "-s", "-o", os.devnull, url, *headers]),
                ]
                for times, command in pair if index % 2 == 0 else reversed(pair):
                    times.append(timed(command))
            a, b = statistics.median(ours), statistics.median(theirs)
            print(f"{label:<18}{a:>15.1f}{b:>10.1f}{a / b:>8.1f}")


if __name__ == "__main__":
    main()
