"""Run a session's requests: expand, send, check expectations, capture, compare with the
recording, and diagnose what failed, yielding one result per request in session order.

Everything a session file can get wrong (a bad expectation, capture, ignore entry or --only
name, an undefined variable) is found by `Replay(...)` before anything is sent. Requests run in
order; with `concurrency` > 1, a request runs as soon as the requests it captures variables
from are done, so independent requests overlap. Results never hold a secret: captured secret
values are masked, and `shown` is the exchange redacted with every secret met so far (`exchange`
is the raw one, for `--record`, which the store redacts when it writes).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from reqscope.core.errors import ReplayError, ReqscopeError, TemplateError
from reqscope.core.model import Diagnosis, Exchange, Request, Session, Variable
from reqscope.core.redact import MASK, Redactor
from reqscope.core.replay import captures as capture_mod
from reqscope.core.replay import expectations as expect_mod
from reqscope.core.replay.captures import CaptureResult
from reqscope.core.replay.compare import Comparison, compare_exchanges, parse_ignore
from reqscope.core.replay.expectations import CheckResult
from reqscope.core.templating import (
    ENV_PREFIX,
    escape,
    expand_request,
    expand_text,
    find_variables,
    variables_in,
)

if TYPE_CHECKING:
    from reqscope.core.diagnosis import KnowledgeBase
    from reqscope.core.engine import Engine
    from reqscope.core.templating import Expansion

PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"
_PLACEHOLDER = "captured-at-run-time"


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    """`only`: request names to run (with the requests they capture variables from);
    `start`: run from this request on (same rule); `accept_changes`: a difference from the
    recording is reported but is not a failure (what `--record` wants)."""

    only: tuple[str, ...] = ()
    start: str = ""
    fail_fast: bool = False
    concurrency: int = 1
    accept_changes: bool = False
    diagnose: bool = True


@dataclass(frozen=True)
class RequestResult:
    """One request's run. `exchange` is raw (for `--record`, which redacts as it writes);
    everything meant for display (`shown`, `target`, `error`, checks, captures, diagnosis)
    is masked with the run's redactor. `shown` is redacted on first use: a passing request
    that nobody looks at costs no redaction."""

    index: int  # position in the session
    request: Request  # as written in the session (unexpanded)
    outcome: str  # passed | failed | error (no response) | skipped
    exchange: Exchange | None = None  # raw; None when skipped
    checks: tuple[CheckResult, ...] = ()
    captures: tuple[CaptureResult, ...] = ()  # secret values masked
    comparison: Comparison | None = None  # None: nothing recorded to compare with
    recorded: Exchange | None = None
    diagnosis: Diagnosis | None = None  # for failures and errors, scrubbed
    reason: str = ""  # why it was skipped
    redactor: Redactor = field(default_factory=Redactor, repr=False, compare=False)
    redacted: Exchange | None = field(default=None, repr=False, compare=False)

    @cached_property
    def shown(self) -> Exchange | None:
        """The exchange redacted, safe to display; None when skipped."""
        if self.redacted is not None or self.exchange is None:
            return self.redacted
        return self.redactor.exchange(self.exchange)

    @property
    def target(self) -> str:
        """`METHOD URL` as sent, credentials masked ("" when skipped)."""
        if self.exchange is None:
            return ""
        sent = self.exchange.request
        return f"{sent.method} {self.redactor.url(sent.url)}"

    @property
    def error(self) -> str:
        """Why no response arrived, masked ("" when one did)."""
        error = self.exchange.error if self.exchange is not None else None
        return self.redactor.scrub(error.message) if error is not None else ""

    @property
    def name(self) -> str:
        return self.request.name

    @property
    def duration_ms(self) -> float:
        return self.exchange.timings.total_ms if self.exchange is not None else 0.0

    @property
    def failures(self) -> list[str]:
        """One line per thing that went wrong (empty when it passed)."""
        lines: list[str] = []
        if self.outcome == SKIPPED:
            return [f"skipped: {self.reason}"]
        if self.exchange is None:
            return [f"not sent: {self.reason}"]
        if self.error:
            lines.append(f"no response: {self.error}")
        lines += [check.message for check in self.checks if not check.passed]
        lines += [
            f"capture {c.capture.variable!r} ({c.capture.source} {c.capture.expr}): {c.problem}"
            for c in self.captures
            if not c.ok
        ]
        if self.comparison is not None and self.comparison.regression:
            lines += [f"changed: {change.describe()}" for change in self.comparison.changes]
        return lines


class Replay:
    """One replay of one session. Construct (validates, may raise ReqscopeError), then iterate
    `results()`; `redactor` knows every secret met once the run is over."""

    def __init__(
        self,
        session: Session,
        *,
        overrides: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        options: ReplayOptions | None = None,
        engine: Engine | None = None,
        kb: KnowledgeBase | None = None,
    ) -> None:
        self.session = session
        self.options = options or ReplayOptions()
        if self.options.concurrency < 1:
            raise ReplayError("concurrency must be 1 or more")
        self._env = dict(os.environ if env is None else env)
        self._variables = _with_overrides(session.variables, overrides or {})
        self._ignore = parse_ignore(session.ignore)
        self._engine = engine
        self._own_engine = engine is None
        self._kb = kb
        self.redactor = Redactor()
        self._validate_checks()
        self._recordings = {e.request_name: e for e in session.history}  # the latest wins
        self._uses: list[set[str]] = []  # per request: the references it makes
        self._deps = self._all_dependencies()
        self.selected = self._select()
        self._check_variables()
        self._captured: dict[str, Variable] = {}
        self._missing: dict[str, str] = {}  # variable -> why its capture failed
        self._history: list[Exchange] = []
        self._stopped = False

    # --- validation --------------------------------------------------------------------------

    def _validate_checks(self) -> None:
        names: set[str] = set()
        for request in self.session.requests:
            if request.name in names:
                raise ReplayError(f"two requests are named {request.name!r}; names must differ")
            names.add(request.name)
            for n, exp in enumerate(request.expect):
                try:
                    expect_mod.validate(exp)
                except ReplayError as exc:
                    raise ReplayError(f"request {request.name!r} expect[{n}]: {exc}") from None
            for n, capture in enumerate(request.captures):
                try:
                    capture_mod.validate(capture)
                except ReplayError as exc:
                    raise ReplayError(f"request {request.name!r} captures[{n}]: {exc}") from None

    def _names_used(self, request: Request, values: Mapping[str, str]) -> set[str]:
        """The references a request makes (`name`, `env.NAME`), directly or through other
        variables' values."""
        todo = [use.name for use in find_variables(request)]
        seen: set[str] = set()
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            if not name.startswith(ENV_PREFIX):
                todo += variables_in(values.get(name, ""))
        return seen

    def _all_dependencies(self) -> list[dict[str, int]]:
        """Per request: variable -> the latest earlier request that captures it."""
        latest: dict[str, int] = {}  # variable -> the last request so far that captures it
        deps: list[dict[str, int]] = []
        values = {v.name: v.value for v in self._variables}
        self._uses = [self._names_used(request, values) for request in self.session.requests]
        for index, request in enumerate(self.session.requests):
            used = self._uses[index]
            deps.append({name: latest[name] for name in used if name in latest})
            for capture in request.captures:
                latest[capture.variable] = index
        return deps

    def _select(self) -> tuple[int, ...]:
        requests = self.session.requests
        names = [r.name for r in requests]
        wanted: set[int] = set(range(len(requests)))
        if self.options.only:
            for name in self.options.only:
                if name not in names:
                    raise ReplayError(f"no request named {name!r}; the session has {_list(names)}")
            wanted = {names.index(name) for name in self.options.only}
        if self.options.start:
            if self.options.start not in names:
                raise ReplayError(f"no request named {self.options.start!r}")
            first = names.index(self.options.start)
            wanted = {i for i in wanted if i >= first}
        todo = list(wanted)
        while todo:  # the requests they capture variables from, transitively
            for j in self._deps[todo.pop()].values():
                if j not in wanted:
                    wanted.add(j)
                    todo.append(j)
        return tuple(sorted(wanted))

    def _check_variables(self) -> None:
        """Report an undefined variable (or a cycle, or a secret without a value) before
        anything is sent. Each name used is expanded once, with placeholders for captured
        variables; only when one fails are the requests expanded, for templating's message
        that names the request and the place."""
        captured = {c.variable for i in self.selected for c in self.session.requests[i].captures}
        placeholders = [Variable(name, _PLACEHOLDER) for name in captured]
        variables = _merge(self._variables, placeholders)
        names = sorted({name for index in self.selected for name in self._uses[index]})
        try:
            for name in names:
                expand_text("{{" + name + "}}", variables, self._env)
        except TemplateError:
            for index in self.selected:
                expand_request(self.session.requests[index], variables, self._env)
            raise

    # --- running -----------------------------------------------------------------------------

    def results(self) -> Iterator[RequestResult]:
        """Results in session order, each as soon as it (and those before it) are done."""
        if self._engine is None:
            from reqscope.core.engine import Engine

            self._engine = Engine()
        try:
            if self.options.concurrency == 1:
                for index in self.selected:
                    blocked = self._blocked(index)
                    if blocked:
                        yield self._skipped(index, blocked)
                    else:
                        yield self._run_one(index)
            else:
                yield from self._concurrent()
        finally:
            if self._own_engine and self._engine is not None:
                self._engine.close()
                self._engine = None

    def _concurrent(self) -> Iterator[RequestResult]:
        order = list(self.selected)
        waiting = list(order)
        done: dict[int, RequestResult] = {}
        running: dict[Future[tuple[Expansion, Exchange]], int] = {}
        position = 0
        with ThreadPoolExecutor(self.options.concurrency, thread_name_prefix="replay") as pool:
            while position < len(order):
                for index in list(waiting):
                    if len(running) >= self.options.concurrency:
                        break
                    if any(j not in done for j in self._deps[index].values() if j in order):
                        continue
                    waiting.remove(index)
                    blocked = self._blocked(index)
                    if blocked:
                        done[index] = self._skipped(index, blocked)
                    else:
                        future = pool.submit(self._send, index, self._variables_now())
                        running[future] = index
                if running:
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in finished:
                        index = running.pop(future)
                        done[index] = self._finish(index, future)
                while position < len(order) and order[position] in done:
                    yield done[order[position]]
                    position += 1

    def _blocked(self, index: int) -> str:
        if self._stopped:
            return "not run: an earlier request failed (--fail-fast)"
        for name, j in self._deps[index].items():
            if name in self._missing:
                source = self.session.requests[j].name
                why = self._missing[name]
                return f"needs {{{{{name}}}}}, which {source!r} did not capture ({why})"
        return ""

    def _variables_now(self) -> list[Variable]:
        return _merge(self._variables, list(self._captured.values()))

    def _run_one(self, index: int) -> RequestResult:
        try:
            sent = self._send(index, self._variables_now())
        except ReqscopeError as exc:
            return self._not_sent(index, str(exc))
        return self._process(index, *sent)

    def _finish(self, index: int, future: Future[tuple[Expansion, Exchange]]) -> RequestResult:
        try:
            sent = future.result()
        except ReqscopeError as exc:
            return self._not_sent(index, str(exc))
        return self._process(index, *sent)

    def _not_sent(self, index: int, reason: str) -> RequestResult:
        """A request that could not be expanded at run time (the checks before the run make
        this rare): a failure that says why, and fail-fast stops after it."""
        if self.options.fail_fast:
            self._stopped = True
        request = self.session.requests[index]
        reason = self.redactor.scrub(reason)
        return RequestResult(index=index, request=request, outcome=FAILED, reason=reason)

    def _send(self, index: int, variables: list[Variable]) -> tuple[Expansion, Exchange]:
        request = self.session.requests[index]
        expansion = expand_request(request, variables, self._env)
        assert self._engine is not None
        return expansion, self._engine.send(expansion.request, request_name=request.name)

    def _process(self, index: int, expansion: Expansion, exchange: Exchange) -> RequestResult:
        request = self.session.requests[index]
        for secret in expansion.secrets:
            self.redactor.add(secret)
        checks = expect_mod.check_all(request.expect, exchange)
        taken = capture_mod.apply_captures(request.captures, exchange, self.session.variables)
        for result in taken:
            name = result.capture.variable
            if result.value is None:
                self._missing[name] = result.problem
                continue
            self._missing.pop(name, None)
            # A captured value is data: `{{` in it must not be expanded as a reference.
            self._captured[name] = Variable(name, escape(result.value), result.secret)
            if result.secret:
                self.redactor.add(result.value)
        recorded = self._recordings.get(request.name)
        shown: Exchange | None = None
        comparison: Comparison | None = None
        if recorded is not None:
            shown = self.redactor.exchange(exchange)
            comparison = compare_exchanges(recorded, shown, self._ignore)
        regression = comparison is not None and comparison.regression
        if exchange.response is None:
            outcome = ERROR
        elif (
            any(not c.passed for c in checks)
            or any(not c.ok for c in taken)
            or (regression and not self.options.accept_changes)
        ):
            outcome = FAILED
        else:
            outcome = PASSED
        diagnosis = None
        if outcome != PASSED and self.options.diagnose:
            diagnosis = self._diagnose(exchange)
        self._history.append(exchange)
        if outcome in (FAILED, ERROR) and self.options.fail_fast:
            self._stopped = True
        return RequestResult(
            index=index,
            request=request,
            outcome=outcome,
            exchange=exchange,
            redacted=shown,
            checks=tuple(_scrubbed(c, self.redactor) for c in checks),
            captures=tuple(replace(c, value=MASK) if c.secret and c.ok else c for c in taken),
            comparison=comparison,
            recorded=recorded,
            diagnosis=diagnosis,
            redactor=self.redactor,
        )

    def _diagnose(self, exchange: Exchange) -> Diagnosis:
        from reqscope.core.diagnosis import diagnose_full

        diagnosis = diagnose_full(exchange, tuple(self._history), kb=self._kb)
        return scrub_diagnosis(diagnosis, self.redactor)

    def _skipped(self, index: int, reason: str) -> RequestResult:
        request = self.session.requests[index]
        return RequestResult(
            index=index,
            request=request,
            outcome=SKIPPED,
            recorded=self._recordings.get(request.name),
            reason=reason,
        )


def scrub_diagnosis(diagnosis: Diagnosis, redactor: Redactor) -> Diagnosis:
    """The diagnosis with every quoted text masked (evidence quotes the exchange)."""
    scrub = redactor.scrub
    findings = tuple(
        replace(
            f,
            title=scrub(f.title),
            evidence=tuple(scrub(line) for line in f.evidence),
            fixes=tuple(replace(fix, text=scrub(fix.text)) for fix in f.fixes),
        )
        for f in diagnosis.findings
    )
    ruled_out = tuple(replace(r, reason=scrub(r.reason)) for r in diagnosis.ruled_out)
    return replace(diagnosis, findings=findings, ruled_out=ruled_out)


def _scrubbed(check: CheckResult, redactor: Redactor) -> CheckResult:
    """The check with secrets masked in its texts (the same object when there are none)."""
    expected, actual = redactor.scrub(check.expected), redactor.scrub(check.actual)
    if expected == check.expected and actual == check.actual:
        return check
    return replace(check, expected=expected, actual=actual)


def recorded_exchange(session: Session, name: str) -> Exchange | None:
    """The latest recorded exchange of request `name`, if the session has one."""
    for exchange in reversed(session.history):
        if exchange.request_name == name:
            return exchange
    return None


def _with_overrides(
    variables: tuple[Variable, ...], overrides: Mapping[str, str]
) -> list[Variable]:
    """Session variables with `--var` values (a secret stays secret), then new ones."""
    result = [replace(v, value=overrides[v.name]) if v.name in overrides else v for v in variables]
    known = {v.name for v in result}
    result += [Variable(name, value) for name, value in overrides.items() if name not in known]
    return result


def _merge(base: list[Variable], newer: list[Variable]) -> list[Variable]:
    """`base` with same-named variables replaced by `newer` ones (secret if either is)."""
    by_name = {v.name: v for v in newer}
    merged = [
        replace(by_name[v.name], secret=v.secret or by_name[v.name].secret)
        if v.name in by_name
        else v
        for v in base
    ]
    known = {v.name for v in base}
    return merged + [v for v in newer if v.name not in known]


def _list(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:8])
    return shown + (f" and {len(names) - 8} more" if len(names) > 8 else "")


__all__ = [
    "ERROR",
    "FAILED",
    "PASSED",
    "SKIPPED",
    "Replay",
    "ReplayOptions",
    "RequestResult",
    "recorded_exchange",
    "scrub_diagnosis",
]
