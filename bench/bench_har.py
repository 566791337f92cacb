"""Benchmark: reading a big HAR file (a script, not a test).

Generates a HAR of about `--size-mb` MB (default 200) shaped like Chrome's "Save all as HAR with
content": several hosts, JSON, HTML and base64 image bodies, HTTP/2 pseudo-headers, about 3 % of
the entries refused with 403, and a page that polls the same URL. Then each way of reading it
runs in a fresh child process, so its peak RSS is its own:

- json.load        the whole document parsed at once (what a naive reader does; the baseline)
- stream entries   har_stream.iter_har_entries: raw entries one at a time, discarded
- stream exchanges har.iter_har_exchanges: every entry converted to an Exchange, discarded
- import --status  `reqscope import har FILE --status 403 -o OUT` (the CLI, end to end)
- import all       `reqscope import har FILE -o OUT`: every exchange kept in the session

    .venv/bin/python bench/bench_har.py [--size-mb 200] [--runs 3] [--keep DIR]

Prints the median wall time and peak RSS of each. Only local files; nothing is sent.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PYTHON = sys.executable
HOSTS = ["app.example.com", "api.example.com", "cdn.example.net", "metrics.example.org"]

READERS = {
    "json.load": (
        "import json, sys\n"
        "with open(sys.argv[1], 'rb') as f: doc = json.load(f)\n"
        "print(len(doc['log']['entries']))"
    ),
    "stream entries": (
        "import sys\n"
        "from reqscope.core.interop.har_stream import iter_har_entries\n"
        "with open(sys.argv[1], 'rb') as f: print(sum(1 for _ in iter_har_entries(f, 'x')))"
    ),
    "stream exchanges": (
        "import sys\n"
        "from reqscope.core.interop.har import iter_har_exchanges\n"
        "print(sum(1 for _ in iter_har_exchanges(sys.argv[1])))"
    ),
}


def make_entry(rng: random.Random, index: int) -> dict[str, Any]:
    host = HOSTS[index % len(HOSTS)]
    polled = index % 10 == 0
    path = "/api/v1/poll" if polled else f"/api/v1/items/{index}"
    status = 403 if rng.random() < 0.03 else 200
    kind = rng.choice(["json", "json", "html", "image"])
    size = rng.randint(20_000, 160_000)
    if kind == "json":
        items = [{"id": i, "name": f"item {i}", "tags": ["a", "b"]} for i in range(size // 45)]
        content = {"mimeType": "application/json", "text": json.dumps(items)}
    elif kind == "html":
        content = {
            "mimeType": "text/html; charset=utf-8",
            "text": "<p>Forbidden — ok</p>\n" * (size // 24),
        }
    else:
        raw = rng.randbytes(size * 3 // 4)
        content = {
            "mimeType": "image/png",
            "text": base64.b64encode(raw).decode(),
            "encoding": "base64",
        }
    content["size"] = size
    headers = [
        {"name": ":authority", "value": host},
        {"name": ":method", "value": "GET"},
        {"name": ":path", "value": path},
        {"name": ":scheme", "value": "https"},
        {"name": "accept", "value": "*/*"},
        {"name": "authorization", "value": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"},
        {"name": "traceparent", "value": f"00-{index:032x}-{index:016x}-01"},
    ]
    return {
        "_initiator": {"type": "script"},
        "_resourceType": "fetch",
        "startedDateTime": "2025-01-15T12:00:00.000Z",
        "time": 12.5,
        "request": {
            "method": "GET",
            "url": f"https://{host}{path}",
            "httpVersion": "http/2.0",
            "headers": headers,
            "queryString": [],
            "cookies": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "http/2.0",
            "headers": [{"name": "content-type", "value": content["mimeType"]}],
            "cookies": [],
            "content": content,
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": size,
            "_transferSize": size + 200,
        },
        "cache": {},
        "timings": {
            "blocked": 1,
            "dns": -1,
            "connect": -1,
            "ssl": -1,
            "send": 0.1,
            "wait": 10,
            "receive": 1.4,
        },
    }


def generate(path: Path, size_mb: int) -> int:
    """Write the HAR entry by entry (the generator itself never holds it); returns entries."""
    rng = random.Random(20250115)
    target = size_mb * 1024 * 1024
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write('{"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},')
        handle.write(' "pages": [], "entries": [\n')
        while handle.tell() < target:
            if count:
                handle.write(",\n")
            handle.write(json.dumps(make_entry(rng, count), ensure_ascii=False))
            count += 1
        handle.write("\n]}}\n")
    return count


def measure(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB, and stdout of one child process."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    out, err = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed ({child.returncode}): {err.decode()[-500:]}")
    return elapsed, usage.ru_maxrss / 1024, (out or err).decode().strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="write the HAR here and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(args.keep or scratch)
        har = folder / "big.har"
        started = time.perf_counter()
        entries = generate(har, args.size_mb)
        took = time.perf_counter() - started
        size = har.stat().st_size / 1024 / 1024
        print(f"{har.name}: {size:.0f} MB, {entries} entries (generated in {took:.1f} s)")
        out = folder / "out.toml"
        commands = {name: [PYTHON, "-c", code, str(har)] for name, code in READERS.items()}
        reqscope = [PYTHON, "-m", "reqscope", "import", "har", str(har), "--force", "-o", str(out)]
        commands["import --status"] = [*reqscope, "--status", "403"]
        commands["import all"] = reqscope

        print(f"\n{'reader':<18} {'median s':>9} {'peak RSS MB':>12}  result")
        for name, argv in commands.items():
            results = [measure(argv) for _ in range(max(args.runs, 1))]
            seconds = statistics.median(r[0] for r in results)
            rss = statistics.median(r[1] for r in results)
            print(f"{name:<18} {seconds:>9.2f} {rss:>12.0f}  {results[-1][2][:60]}")
        print(f"\n(session written by `import all`: {out.stat().st_size / 1024 / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
