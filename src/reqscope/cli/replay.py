"""`reqscope replay SESSION...`: send a saved session's requests, check their expectations,
compare with the recording, and say what failed and why. Made for CI: exit codes, JSON and
JUnit XML; progress on stderr only when it is a terminal."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import TYPE_CHECKING, Any

from reqscope.cli import EXIT_FAILED, EXIT_OK, EXIT_TRANSPORT, UsageError

if TYPE_CHECKING:
    from reqscope.core.model import Session
    from reqscope.core.replay import Replay, RequestResult
    from reqscope.core.replay.report import SessionReport

DESCRIPTION = """Replay saved sessions: send each session's requests in order (captured
values flow into later requests), check every expectation, and compare each response with the
recorded one (status, headers, body; the session's ignore list hides volatile fields). A
failure prints expected vs actual, what changed and the diagnosis of the response. Secrets
are masked in all output. See docs/replay.md."""

EPILOG = """exit codes:
  0  every request passed
  1  an expectation failed, a capture found nothing, or the outcome changed (regression)
  2  usage error, or a session or env file is missing or invalid (nothing is sent)
  3  transport error: a request got no response (refused, DNS, timeout, TLS ...)
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "replay",
        help="replay saved sessions headless: expectations, regressions, JUnit",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("sessions", nargs="+", metavar="SESSION", help="session files (.toml)")
    parser.add_argument(
        "--env-file",
        metavar="FILE",
        help="a .env file whose values override the environment ({{env.NAME}}, secrets)",
    )
    parser.add_argument(
        "--var",
        dest="variables",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set a session variable for this run (repeatable)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this request, and those it captures variables from (repeatable)",
    )
    parser.add_argument("--fail-fast", action="store_true", help="stop at the first failed request")
    parser.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="output format (default text)"
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=1,
        metavar="N",
        help="run up to N independent requests at once (default 1: in order)",
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="write the new outcomes into the session files as their recordings (redacted, "
        "atomically) after showing what changed; changes then do not fail the run",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reqscope.core.errors import ReqscopeError
    from reqscope.core.replay import ERROR, FAILED, Replay, ReplayOptions
    from reqscope.core.store import load_session

    overrides = _overrides(args.variables)
    env = _environment(args.env_file)
    options = ReplayOptions(
        only=tuple(args.only),
        fail_fast=args.fail_fast,
        concurrency=args.concurrency,
        accept_changes=args.record,
    )
    # Every file is read and checked before anything is sent: a typo fails fast, exit 2.
    planned: list[tuple[str, Session, Replay]] = []
    for path in args.sessions:
        try:
            session = load_session(path)
            planned.append(
                (path, session, Replay(session, overrides=overrides, env=env, options=options))
            )
        except ReqscopeError as exc:
            message = str(exc)
            raise UsageError(
                message if message.startswith(path) else f"{path}: {message}"
            ) from None
    out = _Output(args.format)
    reports: list[SessionReport] = []
    for path, session, replay in planned:
        report = _run_one(path, session, replay, out)
        reports.append(report)
        if args.record:
            _record(path, session, replay, report, out)
        if args.fail_fast and not report.passed:
            break
    out.finish(reports)
    if args.junit:
        _write_junit(args.junit, reports)
    outcomes = {r.outcome for report in reports for r in report.results}
    if ERROR in outcomes:
        return EXIT_TRANSPORT
    return EXIT_FAILED if FAILED in outcomes or "skipped" in outcomes else EXIT_OK


def _run_one(path: str, session: Session, replay: Replay, out: _Output) -> SessionReport:
    from datetime import UTC, datetime

    from reqscope.core.replay.report import SessionReport

    started_at = datetime.now(UTC)
    start = time.perf_counter()
    out.session_started(path, session.name)
    results: list[RequestResult] = []
    total = len(replay.selected)
    out.progress(f"{path}: 0/{total}")
    for result in replay.results():
        results.append(result)
        out.result(result)
        out.progress(f"{path}: {len(results)}/{total}")
    out.progress("")
    wall_ms = (time.perf_counter() - start) * 1000
    return SessionReport(path, session.name, tuple(results), started_at, wall_ms)


def _record(
    path: str, session: Session, replay: Replay, report: SessionReport, out: _Output
) -> None:
    from reqscope.core.replay import needs_recording, with_recordings
    from reqscope.core.store import save_session

    changed = [r for r in report.results if needs_recording(r)]
    if not changed:
        out.note(f"{path}: nothing changed; the file is left as it was")
        return
    try:
        save_session(with_recordings(session, report.results), path, redactor=replay.redactor)
    except OSError as exc:
        raise UsageError(f"{path}: cannot record ({exc.strerror or exc})") from None
    names = ", ".join(r.name for r in changed)
    out.note(f"{path}: recorded {len(changed)} new outcome(s): {names}")


def _write_junit(target: str, reports: list[SessionReport]) -> None:
    from pathlib import Path

    from reqscope.core.replay.junit import junit_xml
    from reqscope.core.store import write_atomically

    try:
        write_atomically(Path(target), junit_xml(reports).encode("utf-8"))
    except OSError as exc:
        raise UsageError(
            f"cannot write the JUnit report {target!r}: {exc.strerror or exc}"
        ) from None


class _Output:
    """Streams the text report to stdout as results arrive (JSON: one document at the end);
    progress goes to stderr only when it is a terminal, erased before each line."""

    def __init__(self, output_format: str) -> None:
        self.json = output_format == "json"
        self.tty = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
        self.color = (
            not self.json
            and sys.stdout.isatty()
            and not os.environ.get("NO_COLOR")
            and os.environ.get("TERM") != "dumb"
        )
        self._shown_progress = False

    def progress(self, text: str) -> None:
        if not self.tty:
            return
        sys.stderr.write("\r\x1b[K" + (f"replaying {text}" if text else ""))
        sys.stderr.flush()
        self._shown_progress = bool(text)

    def _print(self, line: str, outcome: str = "") -> None:
        from reqscope.cli.render import inert

        if self._shown_progress:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        safe = inert(line)
        if outcome and self.color:
            # Colour only the label; the rest came from the network and stays inert.
            safe = _COLORS[outcome] + safe[:8] + "\x1b[0m" + safe[8:]
        sys.stdout.write(safe + "\n")
        sys.stdout.flush()

    def session_started(self, path: str, name: str) -> None:
        if not self.json:
            self._print(f"{path}: {name}")

    def result(self, result: RequestResult) -> None:
        from reqscope.core.replay.report import result_details, result_line

        if self.json:
            return
        self._print("  " + result_line(result), result.outcome)
        for detail in result_details(result):
            self._print("  " + detail)

    def note(self, text: str) -> None:
        if self.json:
            from reqscope.cli.render import inert

            print(inert(text), file=sys.stderr)
        else:
            self._print(text)

    def finish(self, reports: list[SessionReport]) -> None:
        import json

        from reqscope.core.replay.report import summary, to_json

        if self.json:
            sys.stdout.write(json.dumps(to_json(reports), indent=2, ensure_ascii=True) + "\n")
        else:
            self._print(summary(reports))


_COLORS = {"passed": "\x1b[32m", "failed": "\x1b[31m", "error": "\x1b[31m", "skipped": "\x1b[33m"}


def _overrides(texts: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"bad --var {text!r}: expected NAME=VALUE")
        values[name.strip()] = value
    return values


def _environment(env_file: str | None) -> dict[str, str]:
    from reqscope.core.errors import ReqscopeError
    from reqscope.core.templating import load_env_file

    env = dict(os.environ)
    if env_file:
        try:
            env.update(load_env_file(env_file))
        except ReqscopeError as exc:
            raise UsageError(str(exc)) from None
    return env


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value
