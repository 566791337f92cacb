"""Benchmark: a big JSON response in the whole app, end to end (a script, not a test).

For each size, in a fresh process: the real ReqscopeApp (headless, 120x36) sends a request to
an in-process lab route serving that much JSON, and we measure

- paint: from the moment the engine hands over the Exchange (the response has arrived) to the
  first screen on which the body's first lines are drawn (diagnosis, secret scrubbing, the
  body document and the first render all happen in between);
- PageDown / n (search next) in the body: a key event posted to the app, to the screen that
  shows its effect (the key dispatched, the action, a full-screen render), median of 20;
  PageDown also while the rest of the body is still being indexed in a thread;
- RSS growth: peak RSS after the send and the full search over RSS before it, as a multiple
  of the body's size (the lab's copy of the body is built before the baseline).

    .venv/bin/python bench/bench_big_body.py [--sizes 5 20] [--repeat 3]

Targets (issue 4): 5 MiB painted <= 0.5 s, 20 MiB <= 1.0 s, keys <= 50 ms, RSS <= 4x body.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MIB = 1024 * 1024
SIZE = (120, 36)
POLL_LIMIT = 20.0  # seconds: every wait below gives up (and fails the run) after this
KEY_SAMPLES = 20


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


async def wait_for(condition: Callable[[], bool], what: str, step: float = 0.001) -> float:
    """Poll `condition` on the event loop (bounded); the time it became true."""
    deadline = time.perf_counter() + POLL_LIMIT
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(step)
    return time.perf_counter()


async def measure(size_mib: int) -> dict[str, float]:
    from textual import events

    from reqscope.core.engine import Engine
    from reqscope.core.model import Exchange, Request, Session
    from reqscope.core.workspace import Workspace
    from reqscope.lab.generic import big_json
    from reqscope.lab.server import running_lab
    from reqscope.ui.app import ReqscopeApp
    from reqscope.ui.sending import EngineHolder
    from reqscope.ui.widgets.body_view import BodyView

    arrived: list[float] = []

    class TimedEngine(Engine):
        """Records when the response has arrived (the engine returns the Exchange)."""

        def send(self, request: Request, **kwargs: Any) -> Exchange:
            exchange = super().send(request, **kwargs)
            arrived.append(time.perf_counter())
            return exchange

    body_size = len(big_json(size_mib))  # built (and cached by the lab) before the baseline
    result: dict[str, float] = {"size_mib": body_size / MIB}
    with running_lab() as lab, tempfile.TemporaryDirectory() as drafts:
        session = Session(name="bench", requests=(Request(url=f"{lab.url}/json/{size_mib}"),))
        app = ReqscopeApp(Workspace(session), loaded=session, drafts_dir=Path(drafts))
        app.engine = EngineHolder(TimedEngine)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            view = app.query_one("#response-body-view", BodyView)
            # A small JSON exchange searched first, so what a first send and a first search
            # load once (httpx, the knowledge base, pygments, the search bar) is not counted
            # as growth caused by the big body.
            app.workspace.update(Request(url=f"{lab.url}/echo"))
            app.action_send()
            await wait_for(lambda: bool(arrived), "the warm-up response")
            await wait_for(lambda: view.document is not None, "the warm-up body", 0.01)
            view.focus()
            await pilot.press("slash", *"echo", "enter", "escape")
            app.workspace.update(session.requests[0])
            arrived.clear()

            def screen_text() -> str:
                return "\n".join(s.text for s in app.screen._compositor.render_strips())

            reset_peak_rss()
            rss_before = rss_kib("VmRSS")
            app.action_send()
            await wait_for(lambda: bool(arrived), "the response")
            painted = await wait_for(
                lambda: view.document is not None and '"items": [' in screen_text(),
                "the first lines of the body on screen",
            )
            result["paint_s"] = painted - arrived[0]
            document = view.document
            assert document is not None
            view.focus()
            driver = app._driver
            assert driver is not None

            async def key_ms(key: str, char: str | None, changed: Callable[[], bool]) -> float:
                event = events.Key(key, char)
                event.set_sender(app)
                begin = time.perf_counter()
                driver.send_message(event)
                await wait_for(changed, f"the effect of {key}", step=0)
                app.screen._compositor.render_strips()  # the frame that shows it
                return (time.perf_counter() - begin) * 1000

            def scrolled_past(top: int) -> Callable[[], bool]:
                return lambda: view.scroll_offset.y > top

            def moved_from(index: int) -> Callable[[], bool]:
                return lambda: view._current is not None and view._current.index != index

            # Keys while the rest of the body is still being indexed in a thread.
            loading: list[float] = []
            while not document.is_complete and len(loading) < KEY_SAMPLES:
                loading.append(await key_ms("pagedown", None, scrolled_past(view.scroll_offset.y)))
            result["loading_pagedown_ms"] = statistics.median(loading) if loading else float("nan")
            done = await wait_for(lambda: document.is_complete, "the whole body indexed", 0.01)
            result["loaded_all_s"] = done - arrived[0]
            result["lines"] = document.line_count
            await pilot.pause()

            samples = [
                await key_ms("pagedown", None, scrolled_past(view.scroll_offset.y))
                for _ in range(KEY_SAMPLES)
            ]
            result["pagedown_ms"] = statistics.median(samples)

            begin = time.perf_counter()
            await pilot.press("slash", *'"active": true', "enter")
            await wait_for(lambda: view._search is not None, "the search", 0.01)
            result["search_s"] = time.perf_counter() - begin
            result["matches"] = len(view._search) if view._search is not None else 0

            samples = []
            for _ in range(KEY_SAMPLES):
                current = view._current.index if view._current is not None else -1
                samples.append(await key_ms("n", "n", moved_from(current)))
            result["next_ms"] = statistics.median(samples)
            result["rss_growth_x"] = (rss_kib("VmHWM") - rss_before) * 1024 / body_size
    return result


COLUMNS = [
    ("size_mib", "MiB", "{:.1f}"),
    ("lines", "lines", "{:.0f}"),
    ("paint_s", "paint s", "{:.3f}"),
    ("loaded_all_s", "all s", "{:.2f}"),
    ("loading_pagedown_ms", "PgDn* ms", "{:.1f}"),
    ("pagedown_ms", "PgDn ms", "{:.1f}"),
    ("search_s", "search s", "{:.2f}"),
    ("matches", "matches", "{:.0f}"),
    ("next_ms", "next ms", "{:.1f}"),
    ("rss_growth_x", "RSS x", "{:.2f}"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20], help="sizes in MiB")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (medians shown)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(asyncio.run(measure(args.one))))
        return 0
    print("  ".join(f"{title:>9}" for _, title, _ in COLUMNS))
    for size in args.sizes:
        runs = []
        for _ in range(max(args.repeat, 1)):
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(size)],
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            if out.returncode != 0:
                print(f"a {size} MiB run failed:\n{out.stderr[-2000:]}", file=sys.stderr)
                continue
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if not runs:
            return 1
        row = {key: statistics.median(run[key] for run in runs) for key, _, _ in COLUMNS}
        print("  ".join(f"{fmt.format(row[key]):>9}" for key, _, fmt in COLUMNS))
    print("paint: response arrived -> body on screen; all: whole body indexed (background);")
    print("PgDn/next: key event posted -> a frame showing its effect (PgDn*: while indexing);")
    print("RSS x: peak RSS growth / body size")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
