"""Benchmark: headless replay against the lab (a script, not a test).

1. Overhead: a session of GETs to the lab's /echo, each with two expectations (status, a JSON
   field), replayed through `Replay`, sent by a bare `httpx.Client` loop and by an
   `Engine.send` loop (what replay adds over the engine) in the same run,
   interleaved in batches so machine load hits both alike; both keep one connection alive.
   Also with a recording to compare against (redaction + structural JSON diff per request).
2. Wall: one replay of the whole --requests session, start to last result.
3. Concurrency: 100 independent requests to /delay/20, replayed with 1, 4 and 8 at once.

    .venv/bin/python bench/bench_replay.py [--requests 1000] [--batch 50]

Targets: the 1000-request replay <= 2 s wall; replay / httpx <= 1.2.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import httpx

from reqscope.core.engine import Engine
from reqscope.core.model import Expectation, Request, Session, Variable
from reqscope.core.replay import PASSED, Replay, ReplayOptions, with_recordings
from reqscope.lab.server import running_lab

TARGET_RATIO = 1.2
TARGET_WALL_S = 2.0


def echo_session(base_url: str, count: int) -> Session:
    expect = (
        Expectation("status", "equals", "200"),
        Expectation("json", "equals", "GET", "$.method"),
    )
    requests = tuple(
        Request(name=f"r{n}", url=f"{{{{base_url}}}}/echo?n={n}", expect=expect)
        for n in range(count)
    )
    return Session(name="bench", variables=(Variable("base_url", base_url),), requests=requests)


def run_replay(session: Session, engine: Engine | None, concurrency: int = 1) -> float:
    """Seconds for one whole replay; every request must pass."""
    started = time.perf_counter()
    options = ReplayOptions(concurrency=concurrency, diagnose=False)
    results = list(Replay(session, env={}, options=options, engine=engine).results())
    elapsed = time.perf_counter() - started
    assert all(r.outcome == PASSED for r in results), [r.failures for r in results][:3]
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per client")
    parser.add_argument("--batch", type=int, default=50, help="requests per interleaved batch")
    args = parser.parse_args()
    batches = max(1, args.requests // args.batch)

    with running_lab() as lab, Engine() as engine, httpx.Client() as client:
        batch = echo_session(lab.url, args.batch)
        urls = [f"{lab.url}/echo?n={n}" for n in range(args.batch)]
        recorded = with_recordings(
            batch, Replay(batch, env={}, engine=engine, options=ReplayOptions()).results()
        )

        def via_httpx() -> float:
            started = time.perf_counter()
            for url in urls:
                response = client.get(url)
                assert response.status_code == 200
            return time.perf_counter() - started

        requests = [Request(name=f"r{n}", url=url) for n, url in enumerate(urls)]

        def via_engine() -> float:
            started = time.perf_counter()
            for request in requests:
                exchange = engine.send(request)
                assert exchange.status == 200
            return time.perf_counter() - started

        runs: dict[str, Callable[[], float]] = {
            "httpx.Client loop": via_httpx,
            "Engine.send loop": via_engine,
            "replay": lambda: run_replay(batch, engine),
            "replay + compare": lambda: run_replay(recorded, engine),
        }
        for warm in runs.values():
            warm()
        times: dict[str, list[float]] = {name: [] for name in runs}
        for index in range(batches):
            # Rotate which goes first so none always runs on a "warmer" machine.
            names = list(runs)
            names = names[index % len(names) :] + names[: index % len(names)]
            for name in names:
                times[name].append(runs[name]() / args.batch)

        whole = echo_session(lab.url, args.requests)
        walls = [run_replay(whole, None) for _ in range(3)]

        delayed = Session(
            name="delays",
            variables=(Variable("base_url", lab.url),),
            requests=tuple(
                Request(
                    name=f"d{n}",
                    url="{{base_url}}/delay/20",
                    expect=(Expectation("status", "equals", "200"),),
                )
                for n in range(100)
            ),
        )
        concurrency = {n: run_replay(delayed, None, concurrency=n) for n in (1, 4, 8)}

    base = statistics.median(times["httpx.Client loop"]) * 1000
    total = batches * args.batch
    print(f"GET /echo x {total} per client, {batches} interleaved batches of {args.batch}")
    print(f"{'client':<20}{'median ms/request':>20}{'ratio':>8}")
    for name, values in times.items():
        ms = statistics.median(values) * 1000
        print(f"{name:<20}{ms:>20.3f}{ms / base:>8.2f}")
    ratio = statistics.median(times["replay"]) * 1000 / base
    verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"ratio replay/httpx: {ratio:.3f} (target <= {TARGET_RATIO}) {verdict}")
    wall = statistics.median(walls)
    print(
        f"replay of {args.requests} requests, wall (median of 3): {wall:.3f} s "
        f"(target <= {TARGET_WALL_S} s) {'ok' if wall <= TARGET_WALL_S else 'OVER TARGET'}"
    )
    print(f"{'100 x /delay/20':<20}{'wall s':>10}{'speedup':>10}")
    for n, seconds in concurrency.items():
        print(f"{'concurrency ' + str(n):<20}{seconds:>10.3f}{concurrency[1] / seconds:>10.2f}")


if __name__ == "__main__":
    main()
