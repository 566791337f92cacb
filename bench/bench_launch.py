"""Launch speed in a real terminal: reqscope against a bare Textual app, measured the same way
in the same run, interleaved.

Each run starts a fresh tmux session (`tmux new -d -x 120 -y 36`) on a private tmux socket and
polls `capture-pane -p` until a marker of the first full paint is on screen:
- bare: a Textual app with Header, Input, Footer (its footer's "^q Quit" is the marker);
- reqscope: `reqscope` on a scratch session; the marker is the whole layout: the sidebar's
  "Requests", the URL placeholder, the request tabs ("Options"), the response and diagnosis
  panes' idle texts and the footer's "^p palette";
- reqscope --send: `reqscope URL --send` against an in-process lab on 127.0.0.1, until the
  status line "418" is painted (launch to response).
RSS at start is read from /proc/PID/status of the app once its first screen is up.

Both apps run with bytecode caching on, into a private PYTHONPYCACHEPREFIX that the warm-up run
fills, as an installed package has its .pyc files: otherwise a PYTHONDONTWRITEBYTECODE in the
caller's environment makes reqscope compile its own sources at every launch (~30 ms here)
while Textual's come from site-packages' caches. `--cold-bytecode` measures that case.

Run: .venv/bin/python bench/bench_launch.py [--runs 7] [--cold-bytecode]
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SOCKET = f"reqscope-bench-{os.getpid()}"
POLL_S = 0.01
TIMEOUT_S = 20.0
TARGET_RATIO = 1.5
RSS_LIMIT_MIB = 60

BARE_APP = """
from textual.app import App
from textual.widgets import Footer, Header, Input

class Bare(App):
    def compose(self):
        yield Header()
        yield Input(placeholder="type here")
        yield Footer()

Bare().run()
"""


def tmux(*args: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False
    )
    return done.stdout


def environment(scratch: Path, cold_bytecode: bool) -> str:
    """The apps' environment: colour on, scratch state, and bytecode as installed (see top)."""
    pycache = scratch / "pycache"
    bytecode = "" if cold_bytecode else f"-u PYTHONDONTWRITEBYTECODE PYTHONPYCACHEPREFIX={pycache} "
    return f"env -u NO_COLOR {bytecode}TERM=xterm-256color XDG_STATE_HOME={scratch / 'state'} "


def launch(command: str, ready: Callable[[str], bool], env: str) -> tuple[float, int]:
    """Seconds from `tmux new` to `ready(screen)`, and the app's RSS (KiB) at that moment."""
    start = time.perf_counter()
    started = subprocess.run(
        ["tmux", "-L", SOCKET, "new", "-d", "-s", "bench", "-x", "120", "-y", "36", env + command],
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        raise SystemExit(f"tmux could not start {command}: {started.stderr.strip()}")
    try:
        deadline = start + TIMEOUT_S
        while time.perf_counter() < deadline:
            if ready(tmux("capture-pane", "-p", "-t", "bench")):
                elapsed = time.perf_counter() - start
                return elapsed, rss_kib(tmux("list-panes", "-t", "bench", "-F", "#{pane_pid}"))
            time.sleep(POLL_S)
        raise SystemExit(f"timed out: {command}\n{tmux('capture-pane', '-p', '-t', 'bench')}")
    finally:
        tmux("kill-session", "-t", "bench")


# What the reqscope window shows once its whole layout is painted (a 120x36 terminal).
LAYOUT_MARKERS = (
    "Requests",  # the sidebar
    "paste a curl command",  # the URL bar
    "Options",  # the request tabs
    "No response yet",  # the response pane
    "Send a request: the diagnosis",  # the diagnosis pane
    "^p palette",  # the footer
)


def whole_layout(screen: str) -> bool:
    return all(marker in screen for marker in LAYOUT_MARKERS)


def rss_kib(pane_pid: str) -> int:
    """RSS of the pane's process (the shell execs the command, so it is the app)."""
    try:
        status = Path(f"/proc/{pane_pid.strip()}/status").read_text()
    except (OSError, ValueError):
        return 0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per case (median of them)")
    parser.add_argument(
        "--cold-bytecode",
        action="store_true",
        help="keep the caller's PYTHONDONTWRITEBYTECODE (reqscope compiles its sources each run)",
    )
    args = parser.parse_args()

    from reqscope.lab.server import running_lab

    reqscope = str(Path(PYTHON).with_name("reqscope"))
    with tempfile.TemporaryDirectory() as directory, running_lab() as lab:
        env = environment(Path(directory), args.cold_bytecode)
        # A session that outlives the runs keeps the tmux server up: with none left, the
        # server exits, and a `new` racing that exit fails ("server exited unexpectedly").
        tmux("new", "-d", "-s", "keep", "sleep 3600")
        try:
            bare_script = Path(directory) / "bare.py"
            bare_script.write_text(BARE_APP)
            cases = {
                "bare Textual app": (
                    f"{shlex.quote(PYTHON)} {bare_script}",
                    lambda screen: "^q Quit" in screen or "^p palette" in screen,
                ),
                "reqscope": (shlex.quote(reqscope), whole_layout),
                "reqscope URL --send": (
                    f"{shlex.quote(reqscope)} {lab.url}/status/418 --send",
                    lambda screen: "418 I'm a Teapot" in screen or "418 I'm a teapot" in screen,
                ),
            }
            times: dict[str, list[float]] = {name: [] for name in cases}
            rss: dict[str, list[int]] = {name: [] for name in cases}
            for command, ready in cases.values():  # warm the file and bytecode caches once
                launch(command, ready, env)
            for _ in range(args.runs):
                for name, (command, ready) in cases.items():
                    elapsed, kib = launch(command, ready, env)
                    times[name].append(elapsed)
                    rss[name].append(kib)
        finally:
            tmux("kill-server")  # our private socket only

    bare = statistics.median(times["bare Textual app"])
    bytecode = "cold (compiled at each launch)" if args.cold_bytecode else "cached"
    print(f"launch to first full paint, tmux 120x36, median of {args.runs} (interleaved)")
    print(f"bytecode: {bytecode}; load average {os.getloadavg()[0]:.2f} at the end")
    print(f"{'case':<22} {'median s':>9} {'min s':>7} {'x bare':>7} {'RSS MiB':>8}")
    for name in cases:
        median = statistics.median(times[name])
        mib = statistics.median(rss[name]) / 1024
        print(
            f"{name:<22} {median:>9.3f} {min(times[name]):>7.3f} {median / bare:>7.2f} {mib:>8.1f}"
        )
    ratio = statistics.median(times["reqscope"]) / bare
    start_rss = statistics.median(rss["reqscope"]) / 1024
    ratio_ok = "ok" if ratio <= TARGET_RATIO else "MISSED"
    rss_ok = "ok" if start_rss <= RSS_LIMIT_MIB else "MISSED"
    print(f"target: reqscope <= {TARGET_RATIO}x bare ({ratio_ok})")
    print(f"target: RSS at start <= {RSS_LIMIT_MIB} MiB ({rss_ok})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
