"""`reqscope export SESSION --to curl|har`: a session's requests as curl commands, or its
recorded exchanges as a HAR file. Secrets stay out unless --include-secrets: curl commands
read them from environment variables, HAR files have them masked.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reqscope.cli import EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from reqscope.core.model import Request, Session


EPILOG = """exit codes:
  0  written
  2  the session cannot be read, --request names no request, or FILE cannot be written
"""


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "export",
        help="write a session's requests as curl commands or its recording as HAR",
        description=(
            "Write a session's requests as curl commands (secrets read from environment "
            "variables) or its recorded exchanges as a HAR 1.2 file (secrets masked)."
        ),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("session", help="the session file (.toml)")
    parser.add_argument(
        "--to",
        choices=("curl", "har"),
        required=True,
        dest="format",
        help="curl: one command per request; har: the recorded exchanges",
    )
    parser.add_argument("--request", metavar="NAME", help="only the request named NAME")
    parser.add_argument("--include-secrets", action="store_true", help="write credentials in clear")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically)")
    parser.add_argument(
        "--one-line", action="store_true", help="curl: one line per command, no ` \\` breaks"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reqscope.core.errors import ReqscopeError
    from reqscope.core.store import load_session, write_atomically

    try:
        session = load_session(args.session)
        text = _curl(session, args) if args.format == "curl" else _har(session, args)
    except ReqscopeError as exc:
        print(f"reqscope: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.output:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        write_atomically(Path(args.output), text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    return EXIT_OK


def _selected_requests(session: Session, name: str | None) -> list[Request]:
    if name is None:
        return list(session.requests)
    chosen = [req for req in session.requests if req.name == name]
    if not chosen:
        names = ", ".join(repr(req.name) for req in session.requests[:5])
        raise UsageError(f"no request named {name!r} in the session (it has {names})")
    return chosen


def _curl(session: Session, args: argparse.Namespace) -> str:
    from reqscope.core.interop.curl import to_curl
    from reqscope.core.interop.templates import inline_request_values

    values = {var.name: var.value for var in session.variables if not var.secret}
    if args.include_secrets:
        values.update(_secret_values(session))
    commands = []
    for request in _selected_requests(session, args.request):
        inlined = inline_request_values(request, values)
        command = to_curl(
            inlined, include_secrets=args.include_secrets, multiline=not args.one_line
        )
        title = " ".join(request.name.split())
        commands.append(f"# {title}\n{command}\n")
    return "\n".join(commands)


def _secret_values(session: Session) -> dict[str, str]:
    """Secret variables' values where they are known: the session's own, else the
    environment's under the same name or its upper-case form (as templating looks them up)."""
    import os

    found = {}
    for var in session.variables:
        if not var.secret:
            continue
        value = var.value or os.environ.get(var.name) or os.environ.get(var.name.upper())
        if value:
            found[var.name] = value
    return found


def _har(session: Session, args: argparse.Namespace) -> str:
    import json

    from reqscope.core.interop.har_export import to_har
    from reqscope.core.redact import Redactor, secrets_in_request

    exchanges = list(session.history)
    if args.request is not None:
        _selected_requests(session, args.request)  # a name that does not exist is an error
        exchanges = [ex for ex in exchanges if ex.request_name == args.request]
    redactor = Redactor()
    for request in session.requests:
        for secret in secrets_in_request(request):
            redactor.add(secret)
    for var in session.variables:
        if var.secret and var.value:
            redactor.add(var.value)
    document = to_har(exchanges, include_secrets=args.include_secrets, redactor=redactor)
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
