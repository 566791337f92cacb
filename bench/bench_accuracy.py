"""Benchmark: how often the diagnosis names the right cause on real refusals (a script, not a
test).

Each case of the corpus (one JSON object per line: `request` {method, path, headers},
`response` {status, headers, body}, `causes` best first) becomes a one-entry HAR 1.2 file
that is run through the same code path as `reqscope explain FILE.har --format json` (the CLI
entry point, in process). One file per case, so no case is another's session history.

    .venv/bin/python bench/bench_accuracy.py [--corpus FILE.jsonl] [--rules DIR] [-v]

Reported for the 403 cases and the confusables (any other status) separately:
- top-1 / top-3: the case's first listed cause is the first finding / among the first three;
- any-1: the first finding is one of the case's listed causes (they list every cause the
  evidence supports, likeliest first).
Then every case whose first listed cause is not ranked first, with what was ranked instead.
Target: top-1 >= 0.9 on the 403 cases.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev-403.jsonl"
DEFAULT_HOST = "service.example.com"
STARTED = "2025-01-15T12:00:00.000Z"  # HAR's startedDateTime; the corpus has no send time

# The corpus redacts secrets as `<what it was>` (or `***`). A HAR exported from a browser holds
# the real value, so a redaction is replaced by an opaque stand-in of the same kind: otherwise
# the spaces and angle brackets of "<PAT with scopes ...>" would read as a malformed header.
_REDACTION_RE = re.compile(r"<[^<>]*>|\*{3,}")
_BASIC_RE = re.compile(r"^(basic)\s+<([^<>]*)>$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Outcome:
    case_id: str
    status: int
    expected: tuple[str, ...]
    ranked: tuple[str, ...]

    @property
    def confusable(self) -> bool:
        return self.status != 403

    @property
    def top1(self) -> bool:
        return bool(self.ranked) and self.ranked[0] == self.expected[0]

    @property
    def top3(self) -> bool:
        return self.expected[0] in self.ranked[:3]

    @property
    def any1(self) -> bool:
        return bool(self.ranked) and self.ranked[0] in self.expected


def stand_in(marker: str) -> str:
    """An opaque value for a redaction marker, stable for the same marker."""
    digest = sum((i + 1) * ord(c) for i, c in enumerate(marker)) % 10**8
    return f"rdct{digest:08d}x7Qm"


def unredact(value: str) -> str:
    basic = _BASIC_RE.match(value.strip())
    if basic:
        user_pass = basic.group(2) if ":" in basic.group(2) else "user:password"
        return f"{basic.group(1)} {base64.b64encode(user_pass.encode()).decode()}"
    return _REDACTION_RE.sub(lambda m: stand_in(m.group()), value)


def case_url(case: dict[str, Any]) -> str:
    request = case["request"]
    headers = {k.lower(): v for k, v in request.get("headers", {}).items()}
    host = headers.get("host") or DEFAULT_HOST
    path = unredact(request.get("path") or "/")
    return "https://" + host + quote(path, safe="/?&=%:+,;@!$'()*~-._")


def har_entry(case: dict[str, Any]) -> dict[str, Any]:
    """One HAR 1.2 entry, as a browser's devtools would export the case's exchange."""
    request = case["request"]
    response = case["response"]
    req_headers = [
        {"name": name, "value": unredact(str(value))}
        for name, value in request.get("headers", {}).items()
    ]
    resp_headers = [{"name": n, "value": str(v)} for n, v in response.get("headers", {}).items()]
    mime = next((h["value"] for h in resp_headers if h["name"].lower() == "content-type"), "")
    body = response.get("body") or ""
    status = int(response["status"])
    try:
        status_text = HTTPStatus(status).phrase
    except ValueError:
        status_text = ""
    har_request: dict[str, Any] = {
        "method": request.get("method", "GET"),
        "url": case_url(case),
        "httpVersion": "HTTP/1.1",
        "headers": req_headers,
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": 0,
    }
    return {
        "startedDateTime": STARTED,
        "time": 0,
        "request": har_request,
        "response": {
            "status": status,
            "statusText": status_text,
            "httpVersion": "HTTP/1.1",
            "headers": resp_headers,
            "cookies": [],
            "content": {"size": len(body.encode()), "mimeType": mime, "text": body},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(body.encode()),
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
    }


def har_document(case: dict[str, Any]) -> dict[str, Any]:
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "bench_accuracy", "version": "1"},
            "entries": [har_entry(case)],
        }
    }


def explain_json(har_path: Path, rules_dirs: list[str]) -> dict[str, Any]:
    """`reqscope explain FILE --format json`, through the CLI entry point."""
    from reqscope.cli import main

    argv = ["explain", str(har_path), "--format", "json"]
    for directory in rules_dirs:
        argv += ["--rules", directory]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    if code != 0:
        raise SystemExit(f"reqscope explain {har_path} exited {code}")
    document: dict[str, Any] = json.loads(out.getvalue())
    return document


def run_corpus(corpus: Path, rules_dirs: list[str]) -> list[Outcome]:
    cases = [json.loads(line) for line in corpus.read_text("utf-8").splitlines() if line.strip()]
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            path = Path(tmp) / f"{case['id']}.har"
            path.write_text(json.dumps(har_document(case)), "utf-8")
            entry = explain_json(path, rules_dirs)["entries"][0]
            outcomes.append(
                Outcome(
                    case_id=case["id"],
                    status=int(case["response"]["status"]),
                    expected=tuple(case["causes"]),
                    ranked=tuple(f["cause"] for f in entry["findings"]),
                )
            )
    return outcomes


def rate(hits: int, total: int) -> str:
    return f"{hits / total:.2f} ({hits}/{total})" if total else "-"


def report(outcomes: list[Outcome], verbose: bool) -> None:
    groups = [
        ("403 cases", [o for o in outcomes if not o.confusable]),
        ("confusables", [o for o in outcomes if o.confusable]),
        ("all", outcomes),
    ]
    print(f"{'set':12} {'cases':>5} {'top-1':>13} {'top-3':>13} {'any-1':>13}")
    for name, items in groups:
        n = len(items)
        top1 = rate(sum(o.top1 for o in items), n)
        top3 = rate(sum(o.top3 for o in items), n)
        any1 = rate(sum(o.any1 for o in items), n)
        print(f"{name:12} {n:>5} {top1:>13} {top3:>13} {any1:>13}")
    misses = [o for o in outcomes if not o.top1]
    print(f"\nnot ranked first ({len(misses)}):" if misses else "\nevery case ranked first")
    for o in misses:
        got = ", ".join(o.ranked[:3]) or "no finding"
        print(f"  {o.case_id} [{o.status}]: expected {o.expected[0]}; got {got}")
    if verbose:
        print("\nall cases:")
        for o in outcomes:
            mark = "ok " if o.top1 else ("~  " if o.top3 else "MISS")
            print(f"  {mark} {o.case_id}: {', '.join(o.ranked[:4]) or '-'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--rules", action="append", default=[], metavar="DIR")
    parser.add_argument("-v", "--verbose", action="store_true", help="list every case")
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"bench_accuracy: {args.corpus}: no such corpus file", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as config:
        # The user's own rules (~/.config/reqscope/rules) must not change the measurement.
        os.environ["XDG_CONFIG_HOME"] = config
        outcomes = run_corpus(args.corpus, args.rules)
    report(outcomes, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
