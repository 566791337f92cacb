"""A probe report as data: the JSON shape of `reqscope why --probe --format json` (see
docs/probes.md). Secrets are masked through a Redactor that has learned every credential the
probes sent or received, so a CSRF token fetched mid-run is masked like the user's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reqscope.core.model import FixAction, Request
from reqscope.core.probes.describe import describe_actions, notable_headers
from reqscope.core.probes.experiment import ProbeReport, ProbeResult, Verdict
from reqscope.core.redact import (
    Redactor,
    is_sensitive_header,
    secrets_in_exchange,
    secrets_in_request,
)
from reqscope.core.wire import WireError, to_wire


def remember_secrets(redactor: Redactor, result: ProbeResult) -> None:
    """Teach `redactor` the credentials in one probe's request, change and answer (fetched
    CSRF tokens, session cookies set mid-run), so they are masked wherever they show up."""
    values: set[str] = set()
    if result.request is not None:
        values |= secrets_in_request(result.request)
    if result.exchange is not None:
        values |= secrets_in_exchange(result.exchange)
    for action in result.actions:
        # A CSRF token is bound to the user's session: as secret as the cookie.
        fetched = result.experiment.kind == "csrf"
        if action.kind == "set_header" and (fetched or is_sensitive_header(action.name)):
            values.add(action.value)
    for value in values:
        redactor.add(value)


def learn_secrets(redactor: Redactor, report: ProbeReport) -> Redactor:
    """A copy of `redactor` that knows the credentials of every probe in `report`."""
    learned = redactor.copy()
    for result in report.results:
        remember_secrets(learned, result)
    return learned


def masked_action(action: FixAction, redactor: Redactor) -> FixAction:
    """The action with its value masked: by header name for headers, else by value."""
    if action.kind == "set_header":
        return FixAction(action.kind, action.name, redactor.header_value(action.name, action.value))
    return FixAction(action.kind, action.name, redactor.scrub(action.value))


def masked_change(actions: Sequence[FixAction], redactor: Redactor) -> str:
    """The change in words, secrets masked."""
    return redactor.scrub(describe_actions([masked_action(a, redactor) for a in actions]))


def action_to_dict(action: FixAction, redactor: Redactor) -> dict[str, str]:
    masked = masked_action(action, redactor)
    return {"kind": masked.kind, "name": masked.name, "value": masked.value}


def request_to_dict(request: Request, redactor: Redactor) -> dict[str, Any]:
    """Method, URL and the header lines as they go on the wire, masked."""
    try:
        wire = to_wire(request)
        headers = [[n, redactor.header_value(n, v)] for n, v in wire.headers]
        url = wire.url
    except WireError:
        headers = [[h.name, redactor.header_value(h.name, h.value)] for h in request.headers]
        url = request.url
    return {"method": request.method.upper(), "url": redactor.url(url), "headers": headers}


def result_to_dict(result: ProbeResult, redactor: Redactor) -> dict[str, Any]:
    experiment = result.experiment
    exchange = result.exchange
    response = exchange.response if exchange is not None else None
    request = result.request
    return {
        "step": result.step or None,
        "id": experiment.id,
        "kind": experiment.kind,
        "label": redactor.scrub(experiment.label),
        "source": experiment.source,
        "causes": list(experiment.causes),
        "fetch": result.fetch,
        "change": masked_change(result.actions, redactor),
        "actions": [action_to_dict(a, redactor) for a in result.actions],
        "request": (
            {"method": request.method.upper(), "url": redactor.url(request.url)}
            if request is not None
            else None
        ),
        "outcome": str(result.outcome),
        "status": response.status if response is not None else None,
        "size": max(response.size, len(response.body)) if response is not None else None,
        "headers": [
            [name, redactor.header_value(name, value)] for name, value in notable_headers(exchange)
        ],
        "error": exchange.error.message if exchange is not None and exchange.error else None,
        "signal": result.signal or None,
        "note": redactor.scrub(result.note),
    }


def verdict_to_dict(verdict: Verdict, redactor: Redactor) -> dict[str, Any]:
    return {
        "cause": verdict.cause,
        "verdict": str(verdict.kind),
        "reason": redactor.scrub(verdict.reason),
        "title": redactor.scrub(verdict.finding.title),
        "score_before": verdict.score_before,
        "score": verdict.finding.score,
    }


def report_to_dict(report: ProbeReport, redactor: Redactor | None = None) -> dict[str, Any]:
    """`{"experiments", "verdicts", "minimal_fix", "stopped", "budget", "sent"}`."""
    masker = learn_secrets(redactor or Redactor(), report)
    fix = report.minimal_fix
    minimal: dict[str, Any] | None = None
    if fix is not None:
        minimal = {
            "experiment": fix.experiment.id,
            "label": masker.scrub(fix.experiment.label),
            "change": masked_change(fix.actions, masker),
            "actions": [action_to_dict(a, masker) for a in fix.actions],
            "request": request_to_dict(fix.request, masker),
            "status": fix.status,
        }
    return {
        "experiments": [result_to_dict(r, masker) for r in report.results],
        "verdicts": [verdict_to_dict(v, masker) for v in report.verdicts],
        "minimal_fix": minimal,
        "stopped": masker.scrub(report.stopped) or None,
        "budget": report.budget,
        "sent": report.sent,
    }
