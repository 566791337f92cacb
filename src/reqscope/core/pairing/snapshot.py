"""One redacted JSON line describing what the leader is looking at.

The request and exchange travel as session TOML (the store's format, with its redaction), so a
follower reads them with the same code that reads session files; the diagnosis travels as the
`explain` JSON shape with every string scrubbed by value. Secrets never leave the leader: the
redactor is applied here, before anything is written to a socket.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from reqscope.core.diagnosis.report import finding_to_dict
from reqscope.core.errors import ReqscopeError
from reqscope.core.model import (
    Diagnosis,
    Exchange,
    Finding,
    Fix,
    FixAction,
    Request,
    RuledOut,
    Session,
)
from reqscope.core.redact import Redactor
from reqscope.core.store import dumps_session, loads_session

SNAPSHOT_VERSION = 1
FOLLOWER_BODY_CAP = 2 * 1024 * 1024  # followers see the head of a big body, flagged truncated


class SnapshotError(ReqscopeError):
    """A line from a leader that cannot be read (another version, or not a snapshot)."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    session_name: str
    request: Request
    exchange: Exchange | None = None
    diagnosis: Diagnosis | None = None


def encode_snapshot(snapshot: Snapshot, redactor: Redactor) -> bytes:
    """The snapshot as one JSON line (ending in a newline), secrets removed."""
    exchange = snapshot.exchange
    if exchange is not None and exchange.response is not None:
        response = exchange.response
        if len(response.body) > FOLLOWER_BODY_CAP:
            body = response.body[:FOLLOWER_BODY_CAP]
            text = response.text[:FOLLOWER_BODY_CAP] if response.text else ""
            response = replace(response, body=body, text=text, truncated=True)
            exchange = replace(exchange, response=response)
    if exchange is not None:  # shown in the follower's sidebar as this request's history
        exchange = replace(exchange, request_name=snapshot.request.name)
    history = (exchange,) if exchange is not None else ()
    session = Session(name=snapshot.session_name, requests=(snapshot.request,), history=history)
    data: dict[str, Any] = {
        "v": SNAPSHOT_VERSION,
        "session": dumps_session(session, redactor=redactor),
        "diagnosis": None,
    }
    if snapshot.diagnosis is not None:
        data["diagnosis"] = _diagnosis_to_dict(snapshot.diagnosis, redactor)
    return (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")


def decode_snapshot(line: bytes) -> Snapshot:
    try:
        data = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SnapshotError(f"not a reqscope snapshot ({exc})") from None
    if not isinstance(data, dict) or data.get("v") != SNAPSHOT_VERSION:
        version = data.get("v") if isinstance(data, dict) else None
        raise SnapshotError(
            f"the leader speaks snapshot version {version!r}; this reqscope reads "
            f"{SNAPSHOT_VERSION} (run the same reqscope version on both sides)"
        )
    session = loads_session(str(data.get("session", "")), "<leader>")
    if not session.requests:
        raise SnapshotError("the leader's snapshot has no request")
    exchange = session.history[-1] if session.history else None
    diagnosis = data.get("diagnosis")
    return Snapshot(
        session_name=session.name,
        request=session.requests[0],
        exchange=exchange,
        diagnosis=_diagnosis_from_dict(diagnosis) if isinstance(diagnosis, dict) else None,
    )


def _diagnosis_to_dict(diagnosis: Diagnosis, redactor: Redactor) -> dict[str, Any]:
    scrubbed = Diagnosis(
        findings=tuple(_scrub_finding(f, redactor) for f in diagnosis.findings),
        ruled_out=tuple(RuledOut(r.cause, redactor.scrub(r.reason)) for r in diagnosis.ruled_out),
    )
    return {
        "findings": [finding_to_dict(f) for f in scrubbed.findings],
        "ruled_out": [{"cause": r.cause, "reason": r.reason} for r in scrubbed.ruled_out],
    }


def _scrub_finding(finding: Finding, redactor: Redactor) -> Finding:
    def fix(item: Fix) -> Fix:
        action = item.action
        if action is not None:
            action = replace(action, value=redactor.scrub(action.value))
        return Fix(redactor.scrub(item.text), action)

    return replace(
        finding,
        title=redactor.scrub(finding.title),
        evidence=tuple(redactor.scrub(e) for e in finding.evidence),
        fixes=tuple(fix(f) for f in finding.fixes),
    )


def _diagnosis_from_dict(data: dict[str, Any]) -> Diagnosis:
    try:
        findings = tuple(
            Finding(
                cause=str(f["cause"]),
                title=str(f["title"]),
                score=float(f["score"]),
                evidence=tuple(str(e) for e in f.get("evidence", ())),
                fixes=tuple(_fix_from_dict(x) for x in f.get("fixes", ())),
                rule_id=str(f.get("rule", "")),
                references=tuple(str(r) for r in f.get("references", ())),
            )
            for f in data.get("findings", ())
        )
        ruled_out = tuple(
            RuledOut(str(r["cause"]), str(r["reason"])) for r in data.get("ruled_out", ())
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(f"the leader's diagnosis is malformed ({exc!r})") from None
    return Diagnosis(findings, ruled_out)


def _fix_from_dict(data: dict[str, Any]) -> Fix:
    action = data.get("action")
    return Fix(
        text=str(data["text"]),
        action=FixAction(
            kind=str(action["kind"]),
            name=str(action.get("name", "")),
            value=str(action.get("value", "")),
        )
        if isinstance(action, dict)
        else None,
    )
