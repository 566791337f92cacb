"""Benchmark: saving and loading a big session (a script, not a test).

Builds a session shaped like a big HAR import: `--requests` requests (default 2000), each with
a recorded exchange (JSON, HTML, CRLF text and binary bodies of a few KB, credential headers to
redact), and `--big` of them (default 20) carrying `--big-mb` MB bodies (default 1): JSON,
text with quotes and backslashes, and binary (base64 in the file). Then times, each `--runs`
times (default 3):

- dumps       store.dumps_session (secrets protected, history redacted, TOML rendered)
- render      toml_writer.render of the session's plain data alone
- save        store.save_session to a file (dumps + atomic write with fsync)
- load        store.load_session of that file (tomllib + strict schema)

    .venv/bin/python bench/bench_store.py [--requests 2000] [--big 20] [--big-mb 1] [--runs 3]

Prints the median seconds of each and the file size. Only local files; nothing is sent.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from reqscope.core.model import (
    BodyKind,
    Exchange,
    Header,
    Request,
    Response,
    SentRequest,
    Session,
    Timings,
)
from reqscope.core.store import dumps_session, load_session, save_session, session_to_data
from reqscope.core.toml_writer import render

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXN0b3Jl"


def body_for(rng: random.Random, index: int, size: int) -> tuple[bytes, str, bool]:
    """(bytes, content type, is_binary) of about `size` bytes, by kind in turn."""
    kind = index % 4
    if kind == 0:
        items = [{"id": i, "name": f"item {i}", "note": 'say "hi"'} for i in range(size // 48)]
        return json.dumps(items, indent=1).encode(), "application/json", False
    if kind == 1:
        line = "<p class='x'>Forbidden \u2014 path C:\\temp\\file</p>\n"
        return (line * (size // len(line))).encode(), "text/html; charset=utf-8", False
    if kind == 2:
        line = 'key=value; other="quoted"\r\n'
        return (line * (size // len(line))).encode(), "text/plain; charset=utf-8", False
    return rng.randbytes(size), "image/png", True


def build_session(count: int, big: int, big_bytes: int) -> Session:
    rng = random.Random(2000)
    requests: list[Request] = []
    history: list[Exchange] = []
    big_every = max(count // big, 1) if big else 0
    for n in range(count):
        url = f"https://api.example.com/v1/items/{n}?page={n % 7}"
        headers = (
            Header("Accept", "application/json"),
            Header("Authorization", f"Bearer {TOKEN}"),
            Header("X-Request-Id", f"{n:032x}"),
        )
        body = json.dumps({"n": n, "query": "a 'quoted' \"value\"\nsecond line"})
        requests.append(
            Request(
                name=f"r{n}",
                method="POST",
                url=url,
                headers=headers,
                body_kind=BodyKind.JSON,
                body=body,
            )
        )
        size = big_bytes if big_every and n % big_every == 0 else rng.randint(500, 6000)
        data, content_type, binary = body_for(rng, n, size)
        history.append(
            Exchange(
                request=SentRequest(
                    "POST",
                    url,
                    (("Authorization", f"Bearer {TOKEN}"), ("Content-Type", "application/json")),
                    body.encode(),
                ),
                response=Response(
                    status=403 if n % 30 == 0 else 200,
                    reason="OK",
                    headers=(("Content-Type", content_type), ("Set-Cookie", "sid=abcdef123")),
                    body=data,
                    text="" if binary else data.decode("utf-8"),
                    charset="" if binary else "utf-8",
                    is_binary=binary,
                    size=len(data),
                ),
                timings=Timings(connect_ms=1.5, wait_ms=10.25, total_ms=12.5),
                started_at=datetime(2025, 1, 15, 12, 0, n % 60, tzinfo=UTC),
                request_name=f"r{n}",
            )
        )
    return Session(name="bench", requests=tuple(requests), history=tuple(history))


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--big", type=int, default=20, help="how many exchanges get big bodies")
    parser.add_argument("--big-mb", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    session = build_session(args.requests, args.big, int(args.big_mb * 1024 * 1024))
    data = session_to_data(session)
    runs = max(args.runs, 1)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "big.toml"
        save_session(session, path)
        size_mb = path.stat().st_size / 1024 / 1024
        loaded = load_session(path)
        assert len(loaded.history) == len(session.history)
        rows = {
            "dumps": median_seconds(lambda: dumps_session(session), runs),
            "render": median_seconds(lambda: render(data), runs),
            "save": median_seconds(lambda: save_session(session, path), runs),
            "load": median_seconds(lambda: load_session(path), runs),
        }
    print(
        f"session: {args.requests} requests + recorded exchanges, {args.big} x "
        f"{args.big_mb:g} MB bodies; file {size_mb:.1f} MB; median of {runs}"
    )
    print(f"\n{'step':<8} {'median s':>9}")
    for name, seconds in rows.items():
        print(f"{name:<8} {seconds:>9.3f}")


if __name__ == "__main__":
    main()
