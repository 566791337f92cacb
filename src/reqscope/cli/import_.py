"""`reqscope import curl|har`: turn a curl command or a browser's HAR export into a session.

Without -o the session TOML goes to stdout; with -o it is written atomically, and nothing is
written when the input is bad. Secrets never reach the file in clear: the session store turns
literal credentials into secret variables and redacts recorded exchanges.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reqscope.cli import EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from reqscope.core.model import Exchange, Request, Session


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "import",
        help="make a session from a curl command or a HAR file",
        description="Make a session from a curl command or a HAR file (Chrome, Firefox).",
    )
    kinds = parser.add_subparsers(dest="source_kind", metavar="SOURCE", required=True)
    curl = kinds.add_parser("curl", help="a curl command ('-' reads it from stdin)")
    curl.add_argument("command", help="the curl command, quoted as one argument, or -")
    har = kinds.add_parser("har", help="a HAR file exported by browser devtools ('-': stdin)")
    har.add_argument("file", help="the .har file, or - for stdin")
    har.add_argument("--host", help="only entries whose URL host is HOST")
    har.add_argument("--status", type=int, help="only entries answered with STATUS (e.g. 403)")
    for each in (curl, har):
        each.add_argument("-o", "--output", metavar="FILE", help="write the session to FILE")
        each.add_argument(
            "--force", action="store_true", help="replace FILE if it exists (with -o)"
        )
        each.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reqscope.core.errors import ReqscopeError

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
        from reqscope.core.store import dumps_session, save_session

        if output is None:
            sys.stdout.write(dumps_session(session))
        else:
            save_session(session, output)
            count = len(session.requests)
            print(f"wrote {output} ({count} request{'s' if count != 1 else ''})", file=sys.stderr)
    except ReqscopeError as exc:
        print(f"reqscope: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def _session_from_curl(args: argparse.Namespace) -> tuple[Session, list[str]]:
    from reqscope.core.interop.curl import request_from_curl
    from reqscope.core.model import Session

    command = sys.stdin.read() if args.command == "-" else args.command
    imported = request_from_curl(command)
    name = Path(args.output).stem if args.output else "imported"
    return Session(name=name, requests=(imported.request,)), imported.warnings


def _session_from_har(args: argparse.Namespace) -> tuple[Session, list[str]]:
    from reqscope.core.interop.har import read_har_exchanges
    from reqscope.core.model import Session

    source: str | bytes = sys.stdin.buffer.read() if args.file == "-" else args.file
    exchanges = [ex for ex in read_har_exchanges(source) if _selected(ex, args.host, args.status)]
    if not exchanges:
        raise UsageError(
            "no HAR entry matches --host/--status"
            if args.host or args.status
            else "the HAR file has no entries"
        )
    requests, history = requests_from_exchanges(exchanges)
    name = Path(args.output).stem if args.output else "imported"
    return Session(name=name, requests=requests, history=history), []


def _selected(exchange: Exchange, host: str | None, status: int | None) -> bool:
    from urllib.parse import urlsplit

    if status is not None and exchange.status != status:
        return False
    if host is not None:
        try:
            hostname = urlsplit(exchange.request.url).hostname or ""
        except ValueError:
            return False
        return hostname.lower() == host.lower()
    return True


def requests_from_exchanges(
    exchanges: list[Exchange],
) -> tuple[tuple[Request, ...], tuple[Exchange, ...]]:
    """One session request per recorded exchange, named "METHOD /path" (deduplicated), and
    the exchanges as the session's recorded history, linked by `request_name`."""
    from dataclasses import replace

    from reqscope.core.interop.har import request_from_exchange

    requests: list[Request] = []
    history: list[Exchange] = []
    used: set[str] = set()
    for exchange in exchanges:
        request = request_from_exchange(exchange)
        name, count = request.name, 1
        while name in used:
            count += 1
            name = f"{request.name} ({count})"
        used.add(name)
        requests.append(replace(request, name=name))
        history.append(replace(exchange, request_name=name))
    return tuple(requests), tuple(history)
