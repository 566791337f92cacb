"""A replay's outcome for people and for scripts: the per-session report, the text lines
(one per request, details under failures) and the JSON document of `--format json`.

Everything here comes from RequestResults, which hold no secrets; text that came from the
network is returned as is, and the CLI makes it inert before it reaches a terminal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reqscope.core.diagnosis.report import finding_to_dict, format_diagnosis
from reqscope.core.replay.compare import outcome_text
from reqscope.core.replay.expectations import describe
from reqscope.core.replay.runner import ERROR, FAILED, PASSED, SKIPPED, RequestResult

MAX_CHANGES_SHOWN = 20  # per request in the text report; JSON has them all (up to MAX_CHANGES)


@dataclass(frozen=True, slots=True)
class SessionReport:
    """One session's run."""

    path: str
    name: str
    results: tuple[RequestResult, ...]
    started_at: datetime
    wall_ms: float

    @property
    def counts(self) -> Counter[str]:
        return Counter(r.outcome for r in self.results)

    @property
    def passed(self) -> bool:
        return all(r.outcome == PASSED for r in self.results)


def result_line(result: RequestResult) -> str:
    """`PASS  login  POST http://... -> 200 OK  12 ms`."""
    label = {PASSED: "PASS", FAILED: "FAIL", ERROR: "ERROR", SKIPPED: "SKIP"}[result.outcome]
    exchange = result.exchange
    if exchange is None:
        return f"{label:5} {result.name}  ({result.reason})"
    now = outcome_text(exchange)
    extra = ""
    if result.comparison is not None and result.comparison.regression:
        recorded = result.recorded
        was = outcome_text(recorded) if recorded is not None else "?"
        extra = f"  (recorded {was})" if was != now else "  (changed since the recording)"
    took = f"{result.duration_ms:.0f} ms"
    return f"{label:5} {result.name}  {result.target} -> {now}  {took}{extra}"


def result_details(result: RequestResult) -> list[str]:
    """The indented lines under a request: what failed (expected vs actual), what changed
    since the recording (also when the change was accepted, for `--record`), and the
    diagnosis of a failed response."""
    lines: list[str] = []
    if result.outcome not in (PASSED, SKIPPED):
        lines += [f"    - {line}" for line in _failures(result)]
    comparison = result.comparison
    if comparison is not None and comparison.regression:
        lines.append("    changes since the recording:")
        lines += [f"      {c.describe()}" for c in comparison.changes[:MAX_CHANGES_SHOWN]]
        hidden = comparison.total - min(len(comparison.changes), MAX_CHANGES_SHOWN)
        if hidden > 0:
            lines.append(f"      ... and {hidden} more")
        if comparison.ignored:
            lines.append(f"      ({comparison.ignored} ignored by the ignore list)")
    if result.diagnosis is not None:
        lines.append("    diagnosis:")
        lines += ["  " + line for line in format_diagnosis(result.diagnosis, max_findings=3)]
    return lines


def _failures(result: RequestResult) -> list[str]:
    return [line for line in result.failures if not line.startswith("changed: ")]


def summary(reports: list[SessionReport]) -> str:
    """`3 passed, 1 failed, 0 errors, 0 skipped in 1 session (0.12 s)`."""
    counts: Counter[str] = Counter()
    for report in reports:
        counts.update(report.counts)
    seconds = sum(r.wall_ms for r in reports) / 1000
    sessions = f"{len(reports)} session{'s' if len(reports) != 1 else ''}"
    return (
        f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[ERROR]} errors, "
        f"{counts[SKIPPED]} skipped in {sessions} ({seconds:.2f} s)"
    )


def text_report(report: SessionReport) -> list[str]:
    lines = [f"{report.path}: {report.name}"]
    for result in report.results:
        lines.append("  " + result_line(result))
        lines += ["  " + line for line in result_details(result)]
    return lines


# --- JSON ------------------------------------------------------------------------------------


def to_json(reports: list[SessionReport]) -> dict[str, Any]:
    """The `--format json` document."""
    counts: Counter[str] = Counter()
    for report in reports:
        counts.update(report.counts)
    return {
        "sessions": [_session(report) for report in reports],
        "summary": {outcome: counts[outcome] for outcome in (PASSED, FAILED, ERROR, SKIPPED)},
    }


def _session(report: SessionReport) -> dict[str, Any]:
    return {
        "path": report.path,
        "name": report.name,
        "started_at": report.started_at.isoformat(),
        "wall_ms": round(report.wall_ms, 3),
        "passed": report.passed,
        "results": [_result(r) for r in report.results],
    }


def _result(result: RequestResult) -> dict[str, Any]:
    exchange = result.exchange
    error = exchange.error if exchange is not None else None
    data: dict[str, Any] = {
        "name": result.name,
        "outcome": result.outcome,
        "request": _request(result),
        "status": exchange.status if exchange is not None else None,
        "error": {"kind": error.kind.value, "message": result.error} if error else None,
        "duration_ms": round(result.duration_ms, 3),
        "expectations": [
            {
                "target": c.expectation.target,
                "op": c.expectation.op,
                "key": c.expectation.key,
                "value": c.expectation.value,
                "check": describe(c.expectation),
                "passed": c.passed,
                "expected": c.expected,
                "actual": c.actual,
            }
            for c in result.checks
        ],
        "captures": [
            {
                "variable": c.capture.variable,
                "source": c.capture.source,
                "expr": c.capture.expr,
                "secret": c.secret,
                "value": c.value,
                "problem": c.problem,
            }
            for c in result.captures
        ],
        "comparison": None,
        "findings": [],
        "reason": result.reason,
    }
    if result.comparison is not None:
        comparison = result.comparison
        data["comparison"] = {
            "regression": comparison.regression,
            "total": comparison.total,
            "ignored": comparison.ignored,
            "recorded": outcome_text(result.recorded) if result.recorded else None,
            "changes": [
                {"kind": c.kind, "where": c.where, "recorded": c.recorded, "actual": c.actual}
                for c in comparison.changes
            ],
        }
    if result.diagnosis is not None:
        data["findings"] = [finding_to_dict(f) for f in result.diagnosis.findings]
    return data


def _request(result: RequestResult) -> dict[str, str] | None:
    method, _, url = result.target.partition(" ")
    return {"method": method, "url": url} if result.target else None


__all__ = [
    "SessionReport",
    "result_details",
    "result_line",
    "summary",
    "text_report",
    "to_json",
]
