"""`reqscope why URL --probe`: after the diagnosis, send a few safe variants of the request
(src/reqscope/core/probes) and print each before and after it is sent, then the causes
confirmed, ruled out or untested, and the minimal change that produced a success.

With `--format json` the document is `{"entries", "experiments", "verdicts", "minimal_fix",
"stopped", "budget", "sent"}` on stdout and the live lines go to stderr, so stdout stays one
JSON document. Secrets are masked unless --show-secrets (tokens fetched mid-run included).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from reqscope.cli import UsageError

if TYPE_CHECKING:
    from reqscope.core.diagnosis.kb import KnowledgeBase
    from reqscope.core.model import Diagnosis, Exchange
    from reqscope.core.probes import MinimalFix, ProbeReport, ProbeResult, Verdict
    from reqscope.core.redact import Redactor
    from reqscope.core.templating import Expansion

PROBE_EPILOG = """probes (--probe): after the diagnosis, send at most --probe-budget variants of the
request (its findings' fixes, then: without credentials, a browser User-Agent, a corrected
Content-Type, a fresh CSRF token, another method, same-origin Origin/Referer, https, a CORS
preflight, Accept: application/json, the headers of an earlier success), at most
--probe-rate per second, to the same host only. POST/PUT/PATCH/DELETE are not resent unless
--allow-unsafe. Probing stops at the first rate-limit or challenge sign. The exit code is the
one of the request itself."""

_MARKS = {"confirmed": "✓ confirmed", "ruled_out": "✗ ruled out", "untested": "? untested"}


def add_probe_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("probes")
    group.add_argument(
        "--probe",
        action="store_true",
        help="test the likely causes with a few safe variants of the request",
    )
    group.add_argument(
        "--probe-budget",
        type=int,
        metavar="N",
        help="send at most N probe requests (default 6)",
    )
    group.add_argument(
        "--probe-rate",
        type=float,
        metavar="R",
        help="send at most R probe requests per second (default 2)",
    )
    group.add_argument(
        "--allow-unsafe",
        action="store_true",
        help="let probes resend POST/PUT/PATCH/DELETE (may repeat a write)",
    )


def check_probe_arguments(args: argparse.Namespace) -> None:
    """Raise UsageError before anything is sent when the probe options make no sense."""
    given = [
        name
        for name, value in (
            ("--probe-budget", args.probe_budget),
            ("--probe-rate", args.probe_rate),
            ("--allow-unsafe", args.allow_unsafe or None),
        )
        if value is not None
    ]
    if given and not args.probe:
        raise UsageError(f"{given[0]} needs --probe")
    if args.probe_budget is not None and args.probe_budget < 1:
        raise UsageError("--probe-budget must be 1 or more")
    if args.probe_rate is not None and args.probe_rate <= 0:
        raise UsageError("--probe-rate must be more than 0")


def probe_and_render(
    args: argparse.Namespace,
    expansion: Expansion,
    exchange: Exchange,
    diagnosis: Diagnosis,
    kb: KnowledgeBase,
) -> int:
    """Print the diagnosis, probe live, print the verdicts; the exit code of `why`."""
    from reqscope.cli.render import inert, write
    from reqscope.cli.send import exit_code
    from reqscope.cli.why import render_entries, scrub_diagnosis
    from reqscope.core.engine import Engine
    from reqscope.core.probes import ProbeOptions, run_probes
    from reqscope.core.probes.report import remember_secrets
    from reqscope.core.redact import Redactor, secrets_in_exchange

    defaults = ProbeOptions()
    options = ProbeOptions(
        budget=args.probe_budget or defaults.budget,
        rate=args.probe_rate or defaults.rate,
        allow_unsafe=args.allow_unsafe,
    )
    redactor = Redactor(set(expansion.secrets) | secrets_in_exchange(exchange))
    shown_exchange, shown_diagnosis = exchange, diagnosis
    if not args.show_secrets:
        shown_exchange = redactor.exchange(exchange)
        shown_diagnosis = scrub_diagnosis(diagnosis, redactor.scrub)
    as_json = args.format == "json"
    live = sys.stderr if as_json else sys.stdout
    if not as_json:
        write(render_entries([(shown_exchange, shown_diagnosis)], "text"))
    masker = redactor if not args.show_secrets else _shown_in_clear()

    def show(line: str) -> None:
        _emit(live, inert(line))

    def before(result: ProbeResult) -> None:
        remember_secrets(masker, result)
        show_before(result, masker, show)

    def after(result: ProbeResult) -> None:
        remember_secrets(masker, result)
        show_after(result, masker, show)

    show("")
    show(_heading(options, expansion.request.method))
    with Engine() as engine:
        report = run_probes(
            engine,
            expansion.request,
            exchange,
            diagnosis,
            options=options,
            before=before,
            after=after,
            kb=kb,
        )
    if as_json:
        write(render_json(shown_exchange, shown_diagnosis, report, masker))
    else:
        write(inert(render_conclusion(report, masker, show_secrets=args.show_secrets)) + "\n")
    return exit_code(exchange, fail=args.fail)


def _shown_in_clear() -> Redactor:
    """A Redactor that masks nothing, for --show-secrets."""
    from reqscope.core.redact import Redactor

    class InClear(Redactor):
        def scrub(self, text: str) -> str:
            return text

        def header_value(self, name: str, value: str) -> str:
            return value

        def url(self, url: str) -> str:
            return url

        def copy(self) -> Redactor:
            return self

    return InClear()


def _emit(stream: TextIO, line: str) -> None:
    try:
        stream.write(line + "\n")
    except UnicodeEncodeError:
        encoding = stream.encoding or "ascii"
        stream.write((line + "\n").encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


def _heading(options: Any, method: str) -> str:
    rate = f"{options.rate:g}"
    unsafe = method.upper() not in ("GET", "HEAD", "OPTIONS")
    guard = ""
    if unsafe and not options.allow_unsafe:
        guard = f"; {method.upper()} is not resent without --allow-unsafe"
    return f"Probes (budget {options.budget}, at most {rate} per second{guard}):"


def show_before(result: ProbeResult, redactor: Redactor, show: Callable[[str], None]) -> None:
    """`[n] label — METHOD URL` and the change, printed before the request goes out."""
    from reqscope.core.probes.report import masked_change

    request = result.request
    assert request is not None
    what = "fetch a CSRF token" if result.fetch else result.experiment.label
    show(f"  [{result.step}] {redactor.scrub(what)} — {request.method} {redactor.url(request.url)}")
    if result.actions and not result.fetch:
        show(f"      change: {masked_change(result.actions, redactor)}")


def show_after(result: ProbeResult, redactor: Redactor, show: Callable[[str], None]) -> None:
    """`→ 200 OK · 27 B · header: value · fixed (403 → 200)`, or why it was not sent."""
    from reqscope.core.probes import Outcome, notable_headers
    from reqscope.core.probes.run import NOT_NEEDED

    if result.outcome is Outcome.SKIPPED:
        if result.note != NOT_NEEDED:  # those are listed once, in the conclusion
            label = redactor.scrub(result.experiment.label)
            show(f"  [–] {label}: {redactor.scrub(result.note)}")
        return
    exchange = result.exchange
    parts: list[str] = []
    if exchange is not None and exchange.response is not None:
        response = exchange.response
        parts.append(f"{response.status} {response.reason}".rstrip())
        parts.append(_size(max(response.size, len(response.body))))
        parts.extend(
            f"{name}: {redactor.header_value(name, value)}"
            for name, value in notable_headers(exchange)
        )
    parts.append(f"{result.outcome} ({redactor.scrub(result.note)})")
    show("      → " + " · ".join(parts))


def render_conclusion(report: ProbeReport, redactor: Redactor, *, show_secrets: bool) -> str:
    """The verdicts, the new ranking, and the minimal fix as a change and a curl command."""
    from reqscope.core.probes.run import NOT_NEEDED

    lines: list[str] = []
    unneeded = [r.experiment.label for r in report.results if r.note == NOT_NEEDED]
    if unneeded:
        lines.append(f"  not tried, a fix was found: {redactor.scrub(', '.join(unneeded))}")
    if report.stopped:
        lines.append(f"  stopped: {redactor.scrub(report.stopped)}")
    if any("not resent" in r.note for r in report.results):
        lines.append("  --allow-unsafe lets probes resend it (the write may happen again)")
    lines.append(f"  sent {report.sent} of a budget of {report.budget}")
    lines.append("")
    lines.append("Verdicts (new ranking):")
    if not report.verdicts:
        lines.append("  no findings to test")
    for verdict in report.verdicts:
        lines.append(_verdict_line(verdict, redactor))
    lines.append("")
    lines.extend(_fix_lines(report.minimal_fix, redactor, show_secrets=show_secrets))
    return "\n".join(lines)


def _verdict_line(verdict: Verdict, redactor: Redactor) -> str:
    score = f"{verdict.finding.score:.0%}"
    before = "new" if verdict.score_before is None else f"was {verdict.score_before:.0%}"
    mark = _MARKS.get(str(verdict.kind), str(verdict.kind))
    return f"  {mark:<12} {verdict.cause} {score} ({before}): {redactor.scrub(verdict.reason)}"


def _fix_lines(fix: MinimalFix | None, redactor: Redactor, *, show_secrets: bool) -> list[str]:
    from reqscope.core.interop.curl_export import to_curl
    from reqscope.core.probes.report import masked_change

    if fix is None:
        return ["Minimal fix: none found by probing."]
    change = masked_change(fix.actions, redactor)
    lines = [f"Minimal fix ({fix.status}): {change}"]
    if any(a.kind == "wait" for a in fix.actions):
        return lines
    command = to_curl(fix.request, include_secrets=show_secrets, redactor=redactor)
    lines.extend(f"  {line}" for line in command.splitlines())
    return lines


def render_json(
    exchange: Exchange, diagnosis: Diagnosis, report: ProbeReport, redactor: Redactor
) -> str:
    import json

    from reqscope.core.diagnosis import entry_to_dict
    from reqscope.core.probes import report_to_dict

    document = {"entries": [entry_to_dict(exchange, diagnosis)], **report_to_dict(report, redactor)}
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"
