"""The data of probing: what an experiment changes, what happened when it was sent, and the
options that keep probing polite. Plain frozen types, so the runner, the verdicts, the CLI
and the app share them without pulling each other in."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from reqscope.core.model import Exchange, Finding, FixAction, Request

# Methods a probe may repeat without asking: they do not change anything on the server.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class ProbeOptions:
    """How far probing may go. The defaults are what an opt-in probe of someone else's
    server should do: a handful of requests, spaced out, no repeated writes."""

    budget: int = 6  # requests sent at most, CSRF fetches and waits included
    rate: float = 2.0  # requests per second at most
    allow_unsafe: bool = False  # the user confirmed that POST/PUT/PATCH/DELETE may be resent
    max_wait_s: float = 5.0  # a Retry-After up to this long is honoured once, then resent
    timeout_s: float = 15.0  # per probe, at most (the request's own timeout if shorter)


@dataclass(frozen=True, slots=True)
class Experiment:
    """One controlled change to the refused request and the causes it tests: a success
    confirms them, an unchanged refusal speaks against them."""

    id: str  # stable within a plan: "fix:csrf", "user_agent", "minimise:2"
    kind: str  # "fix" | "user_agent" | "https" | "origin" | "preflight" | "accept_json"
    # | "content_type" | "csrf" | "no_credentials" | "method" | "earlier_success" | "wait"
    # | "minimise"
    label: str  # "with a browser User-Agent"
    actions: tuple[FixAction, ...] = ()
    causes: tuple[str, ...] = ()
    source: str = "variant"  # "finding" (a finding's own fix) | "variant" | "history"
    diagnostic: bool = False  # a 2xx shows something but is no fix (a CORS preflight)
    # False when the change is a guess (an Origin we made up, an old header value): its
    # failing says little, so it cannot rule a cause out, only confirm one.
    can_rule_out: bool = True
    fetch_url: str = ""  # fetch a fresh CSRF token here first
    wait_s: float = 0.0  # pause this long before sending (the server asked for it)


class Outcome(StrEnum):
    SENDING = "sending"  # the "before" event: about to go on the wire
    FIXED = "fixed"  # a 2xx with nothing refused in it
    CHANGED = "changed"  # another answer, still not a success
    SAME = "same"  # the same refusal
    SIGNAL = "signal"  # a rate limit or challenge: probing stops here
    ERROR = "error"  # no response (refused, TLS, timeout ...)
    FETCHED = "fetched"  # a CSRF fetch, answered
    SKIPPED = "skipped"  # not sent: a write without permission, budget, another host ...


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One experiment's request, before (SENDING) or after it was sent, or why it was not."""

    experiment: Experiment
    outcome: Outcome
    step: int = 0  # 1-based order among the requests sent; 0 when not sent
    request: Request | None = None  # expanded, what went (or would go) on the wire
    actions: tuple[FixAction, ...] = ()  # the change made, CSRF values filled in
    exchange: Exchange | None = None
    note: str = ""  # one line for people: "403 → 401", "POST not resent: ..."
    fetch: bool = False  # this request fetched a CSRF token for the experiment
    signal: str = ""  # the rate-limit or challenge sign in its response, if any

    @property
    def status(self) -> int | None:
        return self.exchange.status if self.exchange is not None else None

    @property
    def sent(self) -> bool:
        return self.step > 0 and self.outcome is not Outcome.SENDING


class VerdictKind(StrEnum):
    CONFIRMED = "confirmed"
    RULED_OUT = "ruled_out"
    UNTESTED = "untested"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the probes say about one cause; `finding` carries the updated score."""

    cause: str
    kind: VerdictKind
    reason: str
    finding: Finding
    score_before: float | None  # None: a cause only the probes found


@dataclass(frozen=True, slots=True)
class MinimalFix:
    """The smallest change that turned the refusal into a success, and the request it made."""

    actions: tuple[FixAction, ...]
    request: Request
    experiment: Experiment
    status: int


@dataclass(frozen=True, slots=True)
class ProbeReport:
    results: tuple[ProbeResult, ...]  # in order, skipped experiments included
    verdicts: tuple[Verdict, ...]  # the new ranking, best first
    minimal_fix: MinimalFix | None
    stopped: str  # why probing ended before its plan did ("" when it did not)
    budget: int
    sent: int

    @property
    def findings(self) -> tuple[Finding, ...]:
        """The findings re-ranked by what the probes showed."""
        return tuple(v.finding for v in self.verdicts)
