"""What the probes say about each cause: confirmed (a change aimed at it turned the refusal
into a success), ruled out (the change made no difference), or untested; and the findings
re-ranked accordingly. A cause the diagnosis missed but a probe proved becomes a finding.

Readings beyond "it worked / nothing changed":
- without credentials the answer is 401: the credentials were recognised but lack
  permission (confirms the authorization causes, rules out the identity ones);
- the same refusal without any credentials: it is not about a bad or missing credential;
- a guessed value (an Origin, an old header) that fails rules nothing out;
- a refused CORS preflight confirms a CORS refusal, an allowed one rules it out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from reqscope.core.model import Diagnosis, Exchange, Finding, Fix
from reqscope.core.probes.describe import describe_actions
from reqscope.core.probes.experiment import (
    Outcome,
    ProbeResult,
    Verdict,
    VerdictKind,
)

AUTHORIZATION_CAUSES = (
    "insufficient_scope",
    "insufficient_permissions",
    "resource_ownership",
    "sso_enforcement",
    "account_disabled",
)
IDENTITY_CAUSES = (
    "missing_credentials",
    "invalid_credentials",
    "malformed_auth_header",
    "expired_token",
)
CONFIRMED_SCORE = 0.95  # at least this sure once a probe proved it
RULED_OUT_FACTOR = 0.3
FOUND_SCORE = 0.9  # a cause the diagnosis missed but a probe proved


@dataclass
class _Evidence:
    confirmed: list[str] = field(default_factory=list)
    ruled_out: list[str] = field(default_factory=list)
    untested: list[str] = field(default_factory=list)
    found_by: ProbeResult | None = None


def judge(
    diagnosis: Diagnosis, baseline: Exchange, results: Sequence[ProbeResult]
) -> tuple[Verdict, ...]:
    """A verdict per finding (and per cause only the probes found), best first."""
    known = tuple(f.cause for f in diagnosis.findings)
    evidence: dict[str, _Evidence] = {}

    def note(cause: str) -> _Evidence:
        return evidence.setdefault(cause, _Evidence())

    for result in results:
        _read(result, baseline, known, note)
    verdicts: list[tuple[int, int, Verdict]] = []
    for rank, finding in enumerate(diagnosis.findings):
        verdict = _verdict(finding, evidence.get(finding.cause, _Evidence()))
        verdicts.append((_group(verdict.kind), rank, verdict))
    for cause, proof in evidence.items():
        if cause not in known and proof.confirmed and proof.found_by is not None:
            verdicts.append((0, len(verdicts), _found(cause, proof)))
    verdicts.sort(key=lambda item: (item[0], -item[2].finding.score, item[1]))
    return tuple(v for _, _, v in verdicts)


Notes = Callable[[str], _Evidence]


def _read(result: ProbeResult, baseline: Exchange, known: tuple[str, ...], note: Notes) -> None:
    experiment = result.experiment
    if experiment.kind == "minimise" or result.fetch:
        return
    tested = [c for c in experiment.causes if c in known]
    if result.outcome is Outcome.SKIPPED:
        for cause in tested:
            note(cause).untested.append(result.note)
        return
    if result.outcome not in (Outcome.FIXED, Outcome.SAME, Outcome.CHANGED):
        return
    status = result.status
    label = f"{experiment.label}: {result.note}"
    if experiment.diagnostic:
        _read_preflight(result, label, note)
        return
    if result.outcome is Outcome.FIXED:
        confirmed = tested or list(experiment.causes[:1])
        for cause in confirmed:
            proof = note(cause)
            proof.confirmed.append(label)
            proof.found_by = proof.found_by or result
        return
    if experiment.kind == "no_credentials":
        if status == 401 and baseline.status != 401:
            reason = (
                f"without credentials the answer is 401 (was {baseline.status}): the "
                "credentials are recognised but lack permission"
            )
            for cause in known:
                if cause in AUTHORIZATION_CAUSES:
                    note(cause).confirmed.append(reason)
                elif cause in IDENTITY_CAUSES:
                    note(cause).ruled_out.append(reason)
        elif result.outcome is Outcome.SAME:
            reason = (
                "the same refusal without any credentials: a missing, invalid or expired "
                "credential would have been answered differently"
            )
            for cause in known:
                if cause in IDENTITY_CAUSES:
                    note(cause).ruled_out.append(reason)
        return
    if result.outcome is Outcome.SAME and experiment.can_rule_out:
        for cause in tested:
            note(cause).ruled_out.append(label)


def _read_preflight(result: ProbeResult, label: str, note: Notes) -> None:
    status = result.status
    exchange = result.exchange
    if status is None or exchange is None or exchange.response is None:
        return
    allowed = exchange.response.header("access-control-allow-origin")
    if 200 <= status < 300 and allowed:
        note("cors").ruled_out.append(f"{label}; the server allows the origin ({allowed})")
    elif status >= 400 or not allowed:
        note("cors").confirmed.append(f"{label}; the server refuses the preflight")


def _group(kind: VerdictKind) -> int:
    return {VerdictKind.CONFIRMED: 0, VerdictKind.UNTESTED: 1, VerdictKind.RULED_OUT: 2}[kind]


def _verdict(finding: Finding, proof: _Evidence) -> Verdict:
    if proof.confirmed:
        kind, reason = VerdictKind.CONFIRMED, proof.confirmed[0]
        score = max(finding.score, CONFIRMED_SCORE)
    elif proof.ruled_out:
        kind, reason = VerdictKind.RULED_OUT, proof.ruled_out[0]
        score = finding.score * RULED_OUT_FACTOR
    else:
        kind = VerdictKind.UNTESTED
        reason = f"not tested: {proof.untested[0]}" if proof.untested else "no probe tests it"
        score = finding.score
    updated = finding
    if kind is not VerdictKind.UNTESTED:
        updated = replace(
            finding,
            score=round(score, 3),
            evidence=(*finding.evidence, f"probe: {reason}"),
        )
    return Verdict(finding.cause, kind, reason, updated, finding.score)


def _found(cause: str, proof: _Evidence) -> Verdict:
    result = proof.found_by
    assert result is not None
    change = describe_actions(result.actions)
    action = result.actions[0] if len(result.actions) == 1 else None
    finding = Finding(
        cause=cause,
        title=f"Found by probing: {result.experiment.label} turned the refusal into a success",
        score=FOUND_SCORE,
        evidence=(f"probe: {proof.confirmed[0]}",),
        fixes=(Fix(f"Change the request: {change}", action),),
        rule_id="probe",
    )
    return Verdict(cause, VerdictKind.CONFIRMED, proof.confirmed[0], finding, None)
