"""How long probing takes on top of the requests themselves: planning (pure), and a whole
probe run against the local lab with the rate cap lifted, per scenario. Prints medians.

    .venv/bin/python bench/bench_probes.py

Only 127.0.0.1 (the lab). The rate cap is lifted so the numbers are reqscope's own cost; with
the default cap (2 per second) a run of n probes takes about (n - 1) / 2 s more.
"""

from __future__ import annotations

import statistics
import time

from reqscope.core.diagnosis import diagnose_full
from reqscope.core.engine import Engine
from reqscope.core.model import BodyKind, Header, Request
from reqscope.core.probes import ProbeOptions, plan_experiments, run_probes
from reqscope.lab.server import running_lab

RUNS = 15
SCENARIOS = (  # path, method, headers, body, allow_unsafe
    ("/403/akamai/products", "GET", {"User-Agent": "python-requests/2.31.0"}, "", False),
    ("/403/iis/intranet/", "GET", {}, "", False),
    (
        "/415/aspnet/api/orders",
        "POST",
        {"Content-Type": "text/plain"},
        '{"item": "lab-widget", "quantity": 1}',
        True,
    ),
)


def main() -> None:
    rows = []
    with running_lab() as lab, Engine() as engine:
        for path, method, headers, body, unsafe in SCENARIOS:
            request = Request(
                method=method,
                url=lab.url + path,
                headers=tuple(Header(k, v) for k, v in headers.items()),
                body_kind=BodyKind.RAW if body else BodyKind.NONE,
                body=body,
            )
            options = ProbeOptions(rate=1000.0, allow_unsafe=unsafe)
            plans, runs, sent, found = [], [], 0, False
            for _ in range(RUNS):
                exchange = engine.send(request)
                diagnosis = diagnose_full(exchange)
                start = time.perf_counter()
                plan_experiments(request, exchange, diagnosis, options=options)
                plans.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                report = run_probes(engine, request, exchange, diagnosis, options=options)
                runs.append((time.perf_counter() - start) * 1000)
                sent, found = report.sent, report.minimal_fix is not None
            run_ms = statistics.median(runs)
            rows.append(
                (path, sent, found, statistics.median(plans), run_ms, run_ms / max(sent, 1))
            )
    print(f"{'scenario':32} {'sent':>4} {'fix':>4} {'plan ms':>8} {'run ms':>8} {'ms/probe':>9}")
    for path, sent, found, plan_ms, run_ms, per in rows:
        fix = "yes" if found else "no"
        print(f"{path:32} {sent:4d} {fix:>4} {plan_ms:8.2f} {run_ms:8.1f} {per:9.1f}")
    print(f"(medians of {RUNS} runs; lab on 127.0.0.1; rate cap lifted)")


if __name__ == "__main__":
    main()
