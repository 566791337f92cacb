"""The first send of a session against the ones after it, in the app (in-process, `run_test`,
120x36): a 403 from the lab, from `action_send` until the diagnosis pane shows its findings.

The app imports httpx, loads the knowledge base and the body highlighter on first use, so
that it paints quickly; half a second after the first frame a worker loads them (`_warm_up`).
So a first send made after that is as quick as the next ones, and one made at once is not:

    .venv/bin/python bench/bench_first_send.py

Each case runs in a fresh process (modules and the knowledge base load once per process).
"""

from __future__ import annotations

import asyncio
import statistics
import subprocess
import sys
import time
from typing import Any

ROUNDS = 5  # processes per case
LATER_SENDS = 3
TIMEOUT = 10.0


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def one_session(url: str, wait: float) -> list[float]:
    from reqscope.core.model import Request, Session
    from reqscope.core.workspace import Workspace
    from reqscope.ui.app import ReqscopeApp

    app = ReqscopeApp(Workspace(Session(requests=(Request(url=url),))))
    times: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause(wait)
        for _ in range(1 + LATER_SENDS):
            sent = len(app.workspace.all_history())
            start = time.perf_counter()
            app.action_send()
            deadline = start + TIMEOUT
            while len(app.workspace.all_history()) == sent or "likely cause" not in screen_text(
                app
            ):
                if time.perf_counter() > deadline:
                    raise TimeoutError("no diagnosis on screen")
                await asyncio.sleep(0.001)
            times.append((time.perf_counter() - start) * 1000)
            await pilot.pause(0.2)
    return times


def child(url: str, wait: float) -> None:
    print(" ".join(f"{t:.1f}" for t in asyncio.run(one_session(url, wait))))


def main() -> None:
    from reqscope.lab.server import running_lab

    cases = [("sent 1 s after start", 1.0), ("sent at once (0.05 s)", 0.05)]
    print("first send vs later sends in the app (403 from the lab until its diagnosis shows)")
    print(f"{'case':<26}{'first ms':>10}{'later ms':>10}  n={ROUNDS} processes")
    with running_lab() as lab:
        url = f"{lab.url}/status/403"
        for name, wait in cases:
            firsts: list[float] = []
            later: list[float] = []
            for _ in range(ROUNDS):
                out = subprocess.run(
                    [sys.executable, __file__, "--child", url, str(wait)],
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=120,
                ).stdout.split()
                values = [float(v) for v in out]
                firsts.append(values[0])
                later.extend(values[1:])
            first, rest = statistics.median(firsts), statistics.median(later)
            print(f"{name:<26}{first:>10.1f}{rest:>10.1f}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], float(sys.argv[3]))
    else:
        main()
