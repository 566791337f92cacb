"""Runs a plan of experiments against the server, politely: a budget of requests, a rate cap,
no repeated writes unless the user allowed them, never another host, and a stop at the first
rate-limit or challenge sign. Observers hear about each request before and after it is sent,
so a UI can show it live; `cancelled` lets it stop between requests.

Pure apart from the `Sender` it is given (the Engine, in practice): no httpx import here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol
from urllib.parse import urlsplit

from reqscope.core.diagnosis import diagnose_full
from reqscope.core.diagnosis.actions import describe_action
from reqscope.core.diagnosis.kb import KnowledgeBase
from reqscope.core.model import (
    BodyKind,
    Diagnosis,
    Exchange,
    FixAction,
    Request,
    RequestOptions,
)
from reqscope.core.probes import csrf
from reqscope.core.probes.experiment import (
    SAFE_METHODS,
    Experiment,
    MinimalFix,
    Outcome,
    ProbeOptions,
    ProbeReport,
    ProbeResult,
)
from reqscope.core.probes.plan import apply_actions, plan_experiments, same_host
from reqscope.core.probes.signals import stop_signal
from reqscope.core.probes.verdicts import judge

NOT_NEEDED = "not needed: a fix was found"
PAUSE_SLICE_S = 0.1  # pauses are cut in slices this long so a cancel is heard quickly
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})


class Sender(Protocol):
    def send(self, request: Request, *, request_name: str = "") -> Exchange: ...


Observer = Callable[[ProbeResult], None]


def run_probes(
    sender: Sender,
    request: Request,
    exchange: Exchange,
    diagnosis: Diagnosis,
    history: Sequence[Exchange] = (),
    *,
    options: ProbeOptions | None = None,
    before: Observer | None = None,
    after: Observer | None = None,
    cancelled: Callable[[], bool] | None = None,
    kb: KnowledgeBase | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ProbeReport:
    """Probe the refusal `exchange` of the expanded `request` (its `diagnosis`, and the
    session's earlier exchanges `history`, oldest first). Never raises for HTTP failures."""
    options = options or ProbeOptions()
    plan = plan_experiments(request, exchange, diagnosis, history, options=options)
    runner = _Runner(
        sender=sender,
        base=plan.base,
        original_url=request.url,
        original_options=request.options,
        baseline=exchange,
        baseline_top=diagnosis.findings[0].cause if diagnosis.findings else "",
        options=options,
        before=before,
        after=after,
        cancelled=cancelled or (lambda: False),
        kb=kb,
        clock=clock,
        sleep=sleep,
    )
    runner.run(plan.experiments)
    results = tuple(runner.results)
    verdicts = judge(diagnosis, exchange, results)
    return ProbeReport(
        results=results,
        verdicts=verdicts,
        minimal_fix=runner.minimal_fix,
        stopped=plan.reason or runner.stopped,
        budget=options.budget,
        sent=runner.sent,
    )


@dataclass
class _Runner:
    sender: Sender
    base: Request
    original_url: str
    original_options: RequestOptions
    baseline: Exchange
    baseline_top: str
    options: ProbeOptions
    before: Observer | None
    after: Observer | None
    cancelled: Callable[[], bool]
    kb: KnowledgeBase | None
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    results: list[ProbeResult] = field(default_factory=list)
    sent: int = 0
    stopped: str = ""
    minimal_fix: MinimalFix | None = None
    _last_send: float | None = None

    def run(self, experiments: Sequence[Experiment]) -> None:
        for experiment in experiments:
            if self.cancelled() and not self.stopped:
                self.stopped = "stopped by the user"
            if self.stopped or self.minimal_fix is not None:
                note = NOT_NEEDED if not self.stopped else self.stopped
                self._skip(experiment, note)
                continue
            self._experiment(experiment)

    def _experiment(self, experiment: Experiment) -> None:
        actions = experiment.actions
        if experiment.fetch_url:
            fetched = self._fetch_csrf(experiment)
            if fetched is None:
                return
            actions = csrf.token_actions(self.base, fetched)
            if not actions:
                path = urlsplit(experiment.fetch_url).path or "/"
                self._skip(experiment, f"no CSRF token found in the answer of GET {path}")
                return
        request = apply_actions(self.base, actions)
        if not self._may_send(experiment, request, actions):
            return
        if experiment.wait_s > 0:
            self._pause(experiment.wait_s)
        result = self._send(experiment, request, actions)
        if result.outcome is Outcome.FIXED and not experiment.diagnostic:
            self._found(result)

    def _fetch_csrf(self, experiment: Experiment) -> Exchange | None:
        headers = tuple(h for h in self.base.headers if h.name.lower() not in _BODY_HEADERS)
        fetch = replace(
            self.base,
            method="GET",
            url=experiment.fetch_url,
            headers=headers,
            body_kind=BodyKind.NONE,
            body="",
            form=(),
        )
        if not self._may_send(experiment, fetch, (), fetch=True):
            return None
        result = self._send(experiment, fetch, (), fetch=True)
        if result.outcome is not Outcome.FETCHED:
            return None
        return result.exchange

    def _may_send(
        self,
        experiment: Experiment,
        request: Request,
        actions: tuple[FixAction, ...],
        *,
        fetch: bool = False,
    ) -> bool:
        """False (and the experiment recorded as skipped) when it must not go out."""
        reason = ""
        if not same_host(request.url, self.original_url):
            host = urlsplit(request.url).hostname or request.url
            reason = f"not sent: {host} is not the original request's host"
        elif request.method.upper() not in SAFE_METHODS and not self.options.allow_unsafe:
            reason = (
                f"{request.method.upper()} not resent: probes repeat only GET, HEAD and OPTIONS "
                "unless resending writes is allowed"
            )
        elif self.sent >= self.options.budget:
            reason = f"not sent: the budget of {self.options.budget} requests is used up"
        if reason:
            self._skip(experiment, reason, request=request, actions=actions, fetch=fetch)
            return False
        return True

    def _send(
        self,
        experiment: Experiment,
        request: Request,
        actions: tuple[FixAction, ...],
        *,
        fetch: bool = False,
    ) -> ProbeResult:
        self._pace()
        if self.cancelled():
            self.stopped = "stopped by the user"
            self._skip(experiment, self.stopped, request=request, actions=actions, fetch=fetch)
            return self.results[-1]
        step = self.sent + 1
        pending = ProbeResult(experiment, Outcome.SENDING, step, request, actions, fetch=fetch)
        if self.before is not None:
            self.before(pending)
        exchange = self.sender.send(request, request_name=f"probe {step}")
        self.sent += 1
        self._last_send = self.clock()
        signal = stop_signal(exchange)
        outcome, note = self._classify(exchange, fetch)
        if signal is not None and outcome is not Outcome.FIXED:
            outcome, note = Outcome.SIGNAL, signal.text
        result = replace(
            pending,
            outcome=outcome,
            exchange=exchange,
            note=note,
            signal=signal.text if signal is not None else "",
        )
        self.results.append(result)
        if self.after is not None:
            self.after(result)
        if signal is not None:
            self.stopped = f"stopped after request {step}: {signal.text}"
        return result

    def _classify(self, exchange: Exchange, fetch: bool) -> tuple[Outcome, str]:
        if exchange.error is not None:
            return Outcome.ERROR, exchange.error.message
        status = exchange.status
        before = self.baseline.status
        if fetch:
            return Outcome.FETCHED, f"{status}"
        findings = diagnose_full(exchange, kb=self.kb).findings
        top = findings[0].cause if findings else ""
        if status is not None and 200 <= status < 300 and not findings:
            return Outcome.FIXED, f"{before} → {status}"
        if status == before and top == self.baseline_top:
            return Outcome.SAME, f"still {status}" + (f" ({top})" if top else "")
        return Outcome.CHANGED, f"{before} → {status}" + (f" ({top})" if top else "")

    def _found(self, success: ProbeResult) -> None:
        """Record the fix, after trying to drop each of its changes in turn (only for safe
        methods: repeating a write to shave a header off is not worth a duplicate order)."""
        best = success
        request = success.request
        assert request is not None and success.status is not None
        kept = list(success.actions)
        if request.method.upper() in SAFE_METHODS:
            for number, action in enumerate(success.actions, start=1):
                if len(kept) <= 1 or self.stopped or self.sent >= self.options.budget:
                    break
                if self.cancelled():
                    break
                trial = [a for a in kept if a is not action]
                trial_request = apply_actions(self.base, trial)
                if trial_request == self.base:
                    continue
                label = f"{success.experiment.label}, but not: {describe_action(action)}"
                experiment = replace(
                    success.experiment,
                    id=f"minimise:{number}",
                    kind="minimise",
                    label=label,
                    actions=tuple(trial),
                    fetch_url="",
                    wait_s=0.0,
                )
                result = self._send(experiment, trial_request, tuple(trial))
                if result.outcome is Outcome.FIXED:
                    kept, best = trial, result
        assert best.request is not None and best.status is not None
        # The user's own transport options, not the probe's (no redirects, short timeout).
        fixed = replace(best.request, options=self.original_options)
        self.minimal_fix = MinimalFix(tuple(kept), fixed, success.experiment, best.status)

    def _skip(
        self,
        experiment: Experiment,
        note: str,
        *,
        request: Request | None = None,
        actions: tuple[FixAction, ...] = (),
        fetch: bool = False,
    ) -> None:
        result = ProbeResult(
            experiment,
            Outcome.SKIPPED,
            request=request,
            actions=actions or experiment.actions,
            note=note,
            fetch=fetch,
        )
        self.results.append(result)
        if self.after is not None:
            self.after(result)

    def _pace(self) -> None:
        if self._last_send is None or self.options.rate <= 0:
            return
        wait = self._last_send + 1.0 / self.options.rate - self.clock()
        if wait > 0:
            self._pause(wait)

    def _pause(self, seconds: float) -> None:
        """Sleep `seconds` in bounded slices, returning early on cancel."""
        slices = max(1, math.ceil(seconds / PAUSE_SLICE_S))
        for _ in range(slices):
            if self.cancelled():
                return
            self.sleep(seconds / slices)
