"""`reqscope import curl|har`: turn a curl command or a browser's HAR export into a session.

Without -o the session TOML goes to stdout; with -o it is written atomically, and nothing is
written when the input is bad. Secrets never reach the file in clear: the session store turns
literal credentials into secret variables and redacts recorded exchanges. A HAR is streamed and
filtered as it is read, so a big export is never held whole.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from reqscope.cli import EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from reqscope.core.model import Session


EPILOG = """Without -o the session TOML is printed on stdout. Credentials never reach it in
clear: they become secret variables, and recorded exchanges are stored redacted.
Options curl knows but reqscope cannot honour are named in warnings on stderr.
docs/interop.md lists the supported curl options and the HAR mapping.

exit codes:
  0  the session was printed or written
  2  bad input (malformed command, unknown option, truncated, non-HAR or binary file,
     nothing selected) or FILE cannot be written; nothing is written
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "import",
        help="make a session from a curl command or a HAR file",
        description="Make a session from a curl command or a HAR file (Chrome, Firefox).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = parser.add_subparsers(dest="source_kind", metavar="SOURCE", required=True)
    curl = kinds.add_parser(
        "curl",
        help="a curl command ('-' reads it from stdin)",
        description="Make a session with the request a curl command sends.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    curl.add_argument("command", help="the curl command, quoted as one argument, or -")
    har = kinds.add_parser(
        "har",
        help="a HAR file exported by browser devtools ('-': stdin)",
        description="Make a session from a HAR file: one request per distinct recorded "
        "request, and every selected entry kept as a recorded exchange.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    har.add_argument("file", help="the .har file, or - for stdin")
    har.add_argument("--host", help="only entries whose URL host is HOST (any port)")
    har.add_argument("--status", type=int, help="only entries answered with STATUS (e.g. 403)")
    for each in (curl, har):
        each.add_argument("-o", "--output", metavar="FILE", help="write the session to FILE")
        each.add_argument(
            "--force", action="store_true", help="replace FILE if it exists (with -o)"
        )
        each.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reqscope.core.errors import ReqscopeError
    from reqscope.core.store import dumps_session, write_atomically

    output = Path(args.output) if args.output else None
    if output is not None and output.exists() and not args.force:
        raise UsageError(f"{output} exists; use --force to replace it")
    try:
        if args.source_kind == "curl":
            session, warnings = _session_from_curl(args)
        else:
            session, warnings = _session_from_har(args)
        for warning in warnings:
            print(f"reqscope: warning: {warning}", file=sys.stderr)
        text = dumps_session(session)
    except ReqscopeError as exc:
        print(f"reqscope: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        write_atomically(output, text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from None
    print(f"wrote {output} ({_summary(session)})", file=sys.stderr)
    return EXIT_OK


def _summary(session: Session) -> str:
    requests, recorded = len(session.requests), len(session.history)
    text = f"{requests} request{'s' if requests != 1 else ''}"
    if recorded:
        text += f", {recorded} recorded exchange{'s' if recorded != 1 else ''}"
    return text


def _session_name(args: argparse.Namespace) -> str:
    return Path(args.output).stem if args.output else "imported"


def _session_from_curl(args: argparse.Namespace) -> tuple[Session, list[str]]:
    from reqscope.core.interop.curl import request_from_curl
    from reqscope.core.model import Session

    command = read_stdin_text("the curl command") if args.command == "-" else args.command
    imported = request_from_curl(command)
    return Session(name=_session_name(args), requests=(imported.request,)), imported.warnings


def _session_from_har(args: argparse.Namespace) -> tuple[Session, list[str]]:
    from reqscope.core.interop.har import iter_har_exchanges
    from reqscope.core.interop.har_session import Selection, session_from_exchanges

    warnings: list[str] = []
    source: str | BinaryIO = sys.stdin.buffer if args.file == "-" else args.file
    selected = Selection(host=args.host, status=args.status)
    # Filtered while streaming: entries that are not selected are never all held at once.
    exchanges = (ex for ex in iter_har_exchanges(source, warnings=warnings) if selected(ex))
    session = session_from_exchanges(exchanges, _session_name(args))
    if not session.requests:
        label = "stdin" if args.file == "-" else args.file
        raise UsageError(
            f"{label}: no HAR entry matches --host/--status"
            if args.host is not None or args.status is not None
            else f"{label}: the HAR file has no entries"
        )
    return session, warnings


def read_stdin_text(what: str) -> str:
    """All of stdin as UTF-8 text; binary input is a usage error naming what was expected."""
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"stdin: {what} is not UTF-8 text (byte {exc.start})") from None
