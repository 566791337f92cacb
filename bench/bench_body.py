"""Benchmark: a big JSON body in BodyView (a script, not a test).

For each size, in a fresh process: from the body's bytes in hand to the first paint of a
headless BodyView (decode + BodyDocument in a thread worker + first render), then PageDown and
search-next latency (median of 20: the widget's work for a key, i.e. the action plus rendering
every visible row), the full search, the background load, and peak RSS growth.

    .venv/bin/python bench/bench_body.py [--sizes 5 20]

Targets: 5 MiB painted <= 0.5 s, 20 MiB <= 1.0 s, keys <= 50 ms, RSS growth <= 4x body.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

MIB = 1024 * 1024


def make_json(size: int) -> bytes:
    """A compact (minified) API-like JSON body of about `size` bytes."""
    item = {
        "id": 0,
        "name": "user-0",
        "email": "u0@example.com",
        "active": True,
        "score": 12.5,
        "tags": ["admin", "beta"],
        "address": {"city": "Z\u00fcrich", "zip": "8000", "geo": [47.37, 8.54]},
        "note": None,
    }
    items = []
    total = 0
    while total < size:
        item = dict(item, id=len(items), name=f"user-{len(items)}")
        items.append(item)
        total += len(json.dumps(item, separators=(",", ":"))) + 1
    return json.dumps({"data": items, "count": len(items)}, separators=(",", ":")).encode()


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak_rss() -> None:
    Path("/proc/self/clear_refs").write_text("5")


async def measure(size_mib: int) -> dict[str, float]:
    from textual.app import App, ComposeResult

    from reqscope.core.body import BodyDocument
    from reqscope.core.model import Response
    from reqscope.ui.widgets.body_view import BodyView

    body = make_json(size_mib * MIB)
    result: dict[str, float] = {"size_mib": len(body) / MIB}

    class BenchApp(App[None]):
        def compose(self) -> ComposeResult:
            yield BodyView()

    app = BenchApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(BodyView)
        view.focus()
        await pilot.pause()
        reset_peak_rss()
        rss_before = rss_kib("VmRSS")
        started = time.perf_counter()

        def build() -> None:  # what the response viewer does in its worker
            text = body.decode()
            response = Response(
                status=200,
                headers=(("content-type", "application/json"),),
                body=body,
                text=text,
                size=len(body),
            )
            document = BodyDocument.from_response(response)
            app.call_from_thread(view.show, document)

        app.run_worker(build, thread=True)
        while view.document is None:
            await asyncio.sleep(0.001)
        app.screen._compositor.render_strips()  # the first paint
        result["first_paint_s"] = time.perf_counter() - started
        first_line = view.render_line(1).text.strip()
        assert first_line.endswith('"data": ['), first_line

        document = view.document
        while not document.is_complete:
            await asyncio.sleep(0.01)
        result["loaded_all_s"] = time.perf_counter() - started
        result["lines"] = document.line_count

        def key_time(action: str) -> float:
            begin = time.perf_counter()
            getattr(view, f"action_{action}")()
            view._strips.clear()
            for y in range(view.size.height):
                view.render_line(y)
            return time.perf_counter() - begin

        await pilot.pause()
        page_downs = [key_time("page_down") for _ in range(20)]
        result["pagedown_ms"] = statistics.median(page_downs) * 1000
        press = []
        for _ in range(5):
            begin = time.perf_counter()
            await pilot.press("pagedown")
            press.append(time.perf_counter() - begin)
        result["pilot_press_ms"] = statistics.median(press) * 1000

        begin = time.perf_counter()
        await pilot.press("slash", *"user-1999", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        result["search_s"] = time.perf_counter() - begin
        result["matches"] = len(view._search) if view._search is not None else 0
        nexts = [key_time("next_match") for _ in range(20)]
        result["search_next_ms"] = statistics.median(nexts) * 1000
        result["rss_growth_x"] = (rss_kib("VmHWM") - rss_before) * 1024 / len(body)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 20], help="sizes in MiB")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(asyncio.run(measure(args.one))))
        return 0
    columns = [
        ("size_mib", "MiB", "{:.1f}"),
        ("lines", "lines", "{:.0f}"),
        ("first_paint_s", "paint s", "{:.3f}"),
        ("loaded_all_s", "all s", "{:.2f}"),
        ("pagedown_ms", "PgDn ms", "{:.1f}"),
        ("pilot_press_ms", "press ms", "{:.1f}"),
        ("search_s", "search s", "{:.2f}"),
        ("search_next_ms", "next ms", "{:.1f}"),
        ("rss_growth_x", "RSS x", "{:.2f}"),
    ]
    print("  ".join(f"{title:>9}" for _, title, _ in columns))
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        print("  ".join(f"{fmt.format(row[key]):>9}" for key, _, fmt in columns))
    print("paint: bytes in hand -> first screen; all: background load done; PgDn/next: key")
    print("work (action + render visible rows); press: Pilot round trip incl. its own pauses")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
