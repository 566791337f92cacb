"""`reqscope follow` latency: leader publish -> follower receives and decodes, with two followers,
and the cost of encoding a snapshot (done off the UI thread). Loopback Unix socket only.

    .venv/bin/python bench/bench_follow.py
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from pathlib import Path

from reqscope.core.diagnosis import diagnose_full
from reqscope.core.engine import Engine
from reqscope.core.model import Request
from reqscope.core.pairing.channel import Publisher, follow_lines, wait_for_followers
from reqscope.core.pairing.snapshot import Snapshot, decode_snapshot, encode_snapshot
from reqscope.core.redact import Redactor
from reqscope.lab.server import running_lab

ROUNDS = 200


def main() -> None:
    with running_lab() as lab, Engine() as engine, tempfile.TemporaryDirectory() as tmp:
        request = Request(name="r", url=f"{lab.url}/status/403")
        exchange = engine.send(request)
        snapshot = Snapshot("bench", request, exchange, diagnose_full(exchange, ()))
        encode_ms = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            line = encode_snapshot(snapshot, Redactor())
            encode_ms.append((time.perf_counter() - start) * 1000)

        directory = Path(tmp) / "rt"
        publisher = Publisher("bench", directory)
        publisher.start()
        stop = threading.Event()
        received: list[list[float]] = [[], []]

        def follower(index: int) -> None:
            for got in follow_lines("bench", stop, directory=directory):
                decode_snapshot(got)
                received[index].append(time.perf_counter())

        threads = [threading.Thread(target=follower, args=(i,), daemon=True) for i in (0, 1)]
        for thread in threads:
            thread.start()
        wait_for_followers(publisher, 2, 5)
        latencies = []
        for round_index in range(ROUNDS):
            start = time.perf_counter()
            publisher.publish(line)
            deadline = start + 2
            while min(len(r) for r in received) <= round_index and time.perf_counter() < deadline:
                time.sleep(0.0002)
            latencies.append((max(r[round_index] for r in received) - start) * 1000)
        stop.set()
        publisher.close()
    print(f"snapshot size            {len(line):>8} bytes")
    print(f"encode snapshot median   {statistics.median(encode_ms):8.3f} ms")
    print(
        f"publish -> 2 followers decoded, median {statistics.median(latencies):.3f} ms, "
        f"p95 {sorted(latencies)[int(ROUNDS * 0.95)]:.3f} ms"
    )


if __name__ == "__main__":
    main()
