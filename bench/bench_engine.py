"""Benchmark: the engine's overhead over a plain httpx.Client (a script, not a test).

1000 sequential GETs to the lab's /echo through `Engine.send` and through a bare
`httpx.Client` loop in the same run, interleaved in small batches so machine load hits both
alike. Both keep one connection alive. Prints, per client, the median per-request wall time
and the median per-request CPU time of the sending thread (the lab serves from its own
threads, which that clock does not count), and the ratios. On a shared, loaded machine the
wall ratio swings with other people's work; the CPU ratio is the stable measure of what the
engine adds.

    .venv/bin/python bench/bench_engine.py [--requests 1000] [--batch 25] [--path /echo]

Target: ratio (engine / httpx) <= 1.15.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import httpx

from reqscope.core.engine import Engine
from reqscope.core.model import Request
from reqscope.lab.server import running_lab

TARGET_RATIO = 1.15


def batch_time(send: Callable[[], None], size: int) -> tuple[float, float]:
    """(wall seconds, this thread's CPU seconds) per request over one batch."""
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(size):
        send()
    return (time.perf_counter() - wall) / size, (time.thread_time() - cpu) / size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per client")
    parser.add_argument("--batch", type=int, default=25, help="requests per interleaved batch")
    parser.add_argument("--path", default="/echo", help="lab route to GET")
    args = parser.parse_args()
    batches = max(1, args.requests // args.batch)

    with running_lab() as lab, Engine() as engine, httpx.Client() as client:
        url = lab.url + args.path
        request = Request(url=url)

        def via_engine() -> None:
            exchange = engine.send(request)
            assert exchange.status == 200, exchange.error

        def via_httpx() -> None:
            response = client.get(url)
            response.read()
            assert response.status_code == 200

        for warm in (via_engine, via_httpx):
            batch_time(warm, 20)
        engine_times: list[tuple[float, float]] = []
        httpx_times: list[tuple[float, float]] = []
        for index in range(batches):
            # Alternate which goes first so neither always runs on a "warmer" machine.
            order = [(via_engine, engine_times), (via_httpx, httpx_times)]
            for send, times in order if index % 2 == 0 else reversed(order):
                times.append(batch_time(send, args.batch))

    def median_us(times: list[tuple[float, float]], which: int) -> float:
        return statistics.median(t[which] for t in times) * 1e6

    total = batches * args.batch
    print(f"GET {args.path} x {total} per client, {batches} interleaved batches of {args.batch}")
    print(f"{'client':<14}{'wall us/request':>18}{'CPU us/request':>18}")
    for name, times in (("httpx.Client", httpx_times), ("Engine", engine_times)):
        print(f"{name:<14}{median_us(times, 0):>18.1f}{median_us(times, 1):>18.1f}")
    for which, label in ((0, "wall"), (1, "CPU")):
        ratio = median_us(engine_times, which) / median_us(httpx_times, which)
        verdict = "ok" if ratio <= TARGET_RATIO else "over target"
        print(f"ratio engine/httpx ({label}): {ratio:.3f} (target <= {TARGET_RATIO}) {verdict}")


if __name__ == "__main__":
    main()
