"""A diagnosis as data and as text: the JSON shape of `reqscope explain/why --format json`
(DESIGN.md section 4), the human-readable text, and the one line `reqscope send` prints."""

from __future__ import annotations

from typing import Any

from reqscope.core.model import Diagnosis, Exchange, Finding, Fix


def fix_to_dict(fix: Fix) -> dict[str, Any]:
    data: dict[str, Any] = {"text": fix.text}
    if fix.action is not None:
        data["action"] = {
            "kind": fix.action.kind,
            "name": fix.action.name,
            "value": fix.action.value,
        }
    return data


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "cause": finding.cause,
        "score": finding.score,
        "title": finding.title,
        "evidence": list(finding.evidence),
        "fixes": [fix_to_dict(f) for f in finding.fixes],
        "rule": finding.rule_id,
        "references": list(finding.references),
    }


def entry_to_dict(exchange: Exchange, diagnosis: Diagnosis) -> dict[str, Any]:
    """One element of `entries`."""
    entry: dict[str, Any] = {
        "request": {"method": exchange.request.method, "url": exchange.request.url},
        "status": exchange.status,
        "findings": [finding_to_dict(f) for f in diagnosis.findings],
        "ruled_out": [{"cause": r.cause, "reason": r.reason} for r in diagnosis.ruled_out],
    }
    if exchange.error is not None:
        entry["error"] = exchange.error.message
    return entry


def summary_line(diagnosis: Diagnosis) -> str:
    """One line for `reqscope send`: the best cause and the runners-up."""
    if not diagnosis.findings:
        return "diagnosis: no refusal signals"
    best = diagnosis.findings[0]
    line = f"diagnosis: {best.cause} ({best.score:.2f}) - {best.title}"
    others = [f.cause for f in diagnosis.findings[1:4]]
    if others:
        line += f"; also {', '.join(others)}"
    return line


def format_diagnosis(diagnosis: Diagnosis, *, max_findings: int = 5) -> list[str]:
    """The findings and ruled-out causes as indented lines of text, best first."""
    if not diagnosis.findings:
        lines = ["  no refusal signals found"]
    else:
        lines = []
        for rank, finding in enumerate(diagnosis.findings[:max_findings], start=1):
            lines.append(f"  {rank}. {finding.cause} ({finding.score:.2f}): {finding.title}")
            lines.extend(f"       - {line}" for line in finding.evidence)
            for fix in finding.fixes:
                lines.append(f"       try: {fix.text}")
            lines.extend(f"       see: {ref}" for ref in finding.references[:2])
        hidden = len(diagnosis.findings) - max_findings
        if hidden > 0:
            more = ", ".join(f.cause for f in diagnosis.findings[max_findings:])
            lines.append(f"  ({hidden} more: {more})")
    for ruled in diagnosis.ruled_out:
        lines.append(f"  ruled out: {ruled.cause}: {ruled.reason}")
    return lines


def format_entry(exchange: Exchange, diagnosis: Diagnosis) -> str:
    request = exchange.request
    if exchange.response is not None:
        outcome = f"{exchange.response.status} {exchange.response.reason}".rstrip()
    elif exchange.error is not None:
        outcome = f"no response: {exchange.error.message}"
    else:
        outcome = "no response"
    head = f"{request.method} {request.url} -> {outcome}"
    return "\n".join([head, *format_diagnosis(diagnosis)])
