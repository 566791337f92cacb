"""Benchmark: how long one diagnosis takes with the whole knowledge base (a script, not a test).

Times `diagnose_full(exchange, history)` (fact extraction + every rule + ranking) on:
- typical refusals: a JSON API 403, an HTML block page, an S3 XML error, a 401 with a JWT,
  a 2xx that gets no findings; each with a 20-exchange session history;
- a 40 KB text-heavy 403 page (many distinct words: the word index's worst case);
- a 20 MB body (JSON and HTML), of which only the first/last few tens of KB are scanned.
The knowledge base is loaded once beforehand (as in the app), so loading is not counted.
The "plain" column times the same diagnosis with every rule evaluated by plain regex searches
(no status index, no body scan): the reference the fast path is tested against, and what the
engine cost before it.

    .venv/bin/python bench/bench_diagnosis.py [--repeat 200]

Targets: median <= 2 ms per exchange; <= 20 ms for a 20 MB body.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from reqscope.core.diagnosis import KnowledgeBase, diagnose_full, extract_facts, load_knowledge_base
from reqscope.core.diagnosis.engine import diagnose_facts
from reqscope.core.model import Diagnosis, Exchange, Response, SentRequest

NOW = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
MB = 1024 * 1024


def exchange(
    url: str,
    status: int,
    body: bytes,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    response_headers: dict[str, str] | None = None,
    at: datetime = NOW,
) -> Exchange:
    return Exchange(
        request=SentRequest(method, url, tuple((headers or {}).items())),
        response=Response(
            status=status,
            reason="",
            headers=tuple((response_headers or {}).items()),
            body=body,
            text=body.decode("utf-8", "replace"),
            charset="utf-8",
            size=len(body),
        ),
        started_at=at,
    )


def jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"


def typical_cases() -> dict[str, Exchange]:
    html_page = (
        b"<!DOCTYPE html><html><head><title>Access denied</title></head><body>"
        + b"<div class='x'>lorem ipsum dolor sit amet</div>" * 200
        + b"</body></html>"
    )
    token = jwt({"sub": "u1", "exp": int((NOW - timedelta(hours=1)).timestamp())})
    return {
        "json 403": exchange(
            "https://api.example.com/v1/admin/users",
            403,
            b'{"error":{"code":403,"message":"Caller lacks permission",'
            b'"status":"PERMISSION_DENIED"}}',
            headers={"Authorization": "Bearer opaque-token", "User-Agent": "python-httpx/0.28"},
            response_headers={"Content-Type": "application/json"},
        ),
        "html block page": exchange(
            "https://www.example.com/",
            403,
            html_page,
            headers={"User-Agent": "python-requests/2.31.0"},
            response_headers={"Content-Type": "text/html", "Server": "cloudflare"},
        ),
        "s3 xml error": exchange(
            "https://bucket.s3.amazonaws.com/key",
            403,
            b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
            response_headers={"Content-Type": "application/xml", "Server": "AmazonS3"},
        ),
        "401 expired jwt": exchange(
            "https://api.example.com/me",
            401,
            b'{"message":"Unauthorized"}',
            headers={"Authorization": f"Bearer {token}"},
            response_headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ),
        "40 KB text 403": exchange(
            "https://www.example.com/docs/page",
            403,
            text_page(),
            headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/126.0"},
            response_headers={"Content-Type": "text/html; charset=utf-8", "Server": "Apache"},
        ),
        "200 (no findings)": exchange(
            "https://api.example.com/v1/items",
            200,
            b'{"items":[' + b",".join(b'{"id":%d}' % i for i in range(200)) + b"]}",
            response_headers={"Content-Type": "application/json"},
        ),
    }


def text_page() -> bytes:
    """About 40 KB of prose-like HTML whose words rarely repeat."""
    words = [f"{a}{b}{c}" for a in ("pro", "con", "re", "de", "in") for b in
             ("duct", "cess", "tract", "form", "port", "sign", "mit", "vert") for c in
             ("", "s", "ed", "ing", "ion", "ive", "ly", "al", "er", "ure")]  # fmt: skip
    paragraphs = []
    for i in range(150):
        sentence = " ".join(words[(i * 7 + j * 13) % len(words)] for j in range(40))
        paragraphs.append(f"<p id='p{i}'>{sentence}, {i} times.</p>")
    return (
        b"<!DOCTYPE html><html><head><title>Forbidden</title></head><body>"
        + "\n".join(paragraphs).encode()
        + b"<p>You do not have permission to access this resource.</p></body></html>"
    )


def history() -> list[Exchange]:
    return [
        exchange(
            f"https://api.example.com/v1/items/{i}",
            200,
            b"{}",
            headers={"Authorization": "Bearer opaque-token"},
            at=NOW - timedelta(seconds=40 - i),
        )
        for i in range(20)
    ]


def big_cases() -> dict[str, Exchange]:
    row = b'{"id":123456,"name":"user","email":"u@example.com","tags":["a","b"]},'
    json_body = b'{"data":[' + row * (20 * MB // len(row)) + b'{"id":0}],"error":"Forbidden"}'
    html_row = b"<tr><td>cell</td><td>another cell</td><td>third</td></tr>\n"
    html_body = (
        b"<html><head><title>403 Forbidden</title></head><body><table>"
        + html_row * (20 * MB // len(html_row))
        + b"</table></body></html>"
    )
    return {
        "20 MB json 403": exchange(
            "https://api.example.com/export",
            403,
            json_body,
            headers={"Authorization": "Bearer opaque-token"},
            response_headers={"Content-Type": "application/json"},
        ),
        "20 MB html 403": exchange(
            "https://www.example.com/big.html",
            403,
            html_body,
            response_headers={"Content-Type": "text/html", "Server": "nginx"},
        ),
    }


def median_ms(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def plain_diagnosis(ex: Exchange, past: list[Exchange], kb: KnowledgeBase) -> Diagnosis:
    return diagnose_facts(extract_facts(ex, past), kb, plain=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="runs per case (small cases)")
    args = parser.parse_args()
    repeat = max(5, min(args.repeat, 10_000))
    kb = load_knowledge_base()
    past = history()
    print(f"knowledge base: {len(kb.rules)} rules in {len(kb.files)} files")
    print(f"{'case':22} {'median ms':>10} {'p95 ms':>8} {'plain ms':>9} {'target':>7}  top cause")
    cases = [(name, ex, repeat, 2.0) for name, ex in typical_cases().items()]
    cases += [(name, ex, max(5, repeat // 10), 20.0) for name, ex in big_cases().items()]
    worst = 0.0
    for name, ex, runs, target in cases:
        diagnose_full(ex, past, kb=kb)  # warm up
        median, p95 = median_ms(lambda ex=ex: diagnose_full(ex, past, kb=kb), runs)
        plain, _ = median_ms(lambda ex=ex: plain_diagnosis(ex, past, kb), max(5, runs // 4))
        diagnosis = diagnose_full(ex, past, kb=kb)
        assert diagnosis == plain_diagnosis(ex, past, kb), f"{name}: fast path differs"
        top = diagnosis.findings[0].cause if diagnosis.findings else "-"
        mark = "ok" if median <= target else "SLOW"
        worst = max(worst, median / target)
        print(f"{name:22} {median:10.3f} {p95:8.3f} {plain:9.3f} {target:7.1f}  {top} {mark}")
    print(f"\nworst median / target: {worst:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
