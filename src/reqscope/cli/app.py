"""`reqscope [SESSION.toml | URL [-X METHOD] [-H 'Name: value']... [-d BODY]] [--env-file F]
[--send]`: open the app.

Only the standard library at module level: argument errors and a broken session file are
reported (one line, exit 2) before Textual is even imported.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from reqscope.cli import EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from reqscope.core.model import Request, Session
    from reqscope.core.pairing.leader import Leader


STANDARD_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reqscope",
        description="Open the reqscope app: a scratch session, a session file, or a URL.",
        epilog="Other commands: reqscope --help",
    )
    parser.add_argument(
        "target",
        nargs="?",
        default="",
        help="a session file (.toml) to open, or a URL to put in the editor",
    )
    parser.add_argument("-X", "--request", dest="method", default="", help="HTTP method")
    parser.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a request header (repeatable)",
    )
    parser.add_argument("-d", "--data", dest="body", default=None, help="the request body")
    parser.add_argument("--env-file", default="", help="a .env file of variable values")
    parser.add_argument("--send", action="store_true", help="send the request at once")
    parser.add_argument(
        "--private",
        action="store_true",
        help="do not publish to `reqscope follow` (by default same-user followers may mirror)",
    )
    return parser


def is_session_path(target: str) -> bool:
    return target.endswith(".toml") or Path(target).is_file()


def request_from_args(url: str, method: str, headers: Sequence[str], body: str | None) -> Request:
    """The editor's request for `reqscope URL -X .. -H .. -d ..` (curl's conventions: -d makes
    it a POST unless -X says otherwise)."""
    from reqscope.core.model import BodyKind, Header, Request

    parsed: list[Header] = []
    for line in headers:
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"header {line!r} is not 'Name: value'")
        parsed.append(Header(name.strip(), value.strip()))
    body_kind = BodyKind.NONE
    if body is not None:
        body_kind = BodyKind.JSON if _is_json(body) else BodyKind.RAW
    if not method:
        method = "POST" if body is not None else "GET"
    return Request(
        name="request",
        method=method.upper() if method.upper() in STANDARD_METHODS else method,
        url=url,
        headers=tuple(parsed),
        body_kind=body_kind,
        body=body or "",
    )


def _is_json(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict | list)
    except ValueError:
        return False


def read_env_file(path: str) -> dict[str, str]:
    if not path:
        return {}
    from reqscope.core.errors import ReqscopeError
    from reqscope.core.templating import load_env_file

    try:
        return load_env_file(path)
    except (OSError, ReqscopeError) as exc:
        message = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise UsageError(f"--env-file {path}: {message}") from None


def load_session_or_fail(path: Path) -> Session:
    from reqscope.core.errors import SessionFileError
    from reqscope.core.store import load_session

    try:
        return load_session(path)
    except SessionFileError as exc:
        raise UsageError(str(exc)) from None


def run_app(
    *,
    session: Session | None,
    path: Path | None,
    request: Request | None = None,
    env_file: Mapping[str, str] | None = None,
    overrides: Mapping[str, str] | None = None,
    send: bool = False,
    publish: bool = True,
    greeting: str = "",
) -> int:
    """Start the Textual app (imported only now) and return its exit code."""
    from reqscope.core.workspace import Workspace
    from reqscope.ui.app import ReqscopeApp
    from reqscope.ui.sending import VariableContext

    _log_to_file()
    workspace = Workspace(session, path)
    if request is not None:
        workspace.update(request)
        workspace.mark_saved()  # a request from the command line is not an unsaved edit
    context = VariableContext(overrides=dict(overrides or {}), env_file=dict(env_file or {}))
    leader = _start_leader() if publish else None
    app = ReqscopeApp(
        workspace,
        variables=context,
        send_at_start=send,
        loaded=session,
        leader=leader,
        greeting=greeting,
    )
    result = app.run()
    return app.return_code if app.return_code else int(result or EXIT_OK)


def _start_leader() -> Leader | None:
    """Publish what the app shows for `reqscope follow` (same user only); without a safe
    runtime directory the app still runs, it just cannot be followed."""
    from reqscope.core.errors import ReqscopeError
    from reqscope.core.pairing.leader import Leader

    leader = Leader()
    try:
        leader.start()
    except (OSError, ReqscopeError) as exc:
        print(f"reqscope: not publishing for `reqscope follow`: {exc}", file=sys.stderr)
        return None
    return leader


def _log_to_file() -> None:
    """Nothing may print inside the app: warnings and worker failures go to a log file."""
    import logging

    from reqscope.core.workspace import drafts_dir

    directory = drafts_dir().parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(directory / "reqscope.log")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger("reqscope").addHandler(handler)
    logging.getLogger("reqscope").setLevel(logging.INFO)


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        env_file = read_env_file(args.env_file)
        target: str = args.target
        session: Session | None = None
        path: Path | None = None
        request: Request | None = None
        if target and is_session_path(target):
            if args.method or args.headers or args.body is not None:
                raise UsageError("-X, -H and -d go with a URL, not a session file")
            path = Path(target)
            session = load_session_or_fail(path)
        elif target or args.method or args.headers or args.body is not None:
            request = request_from_args(target, args.method, args.headers, args.body)
    except UsageError as exc:
        print(f"reqscope: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return run_app(
        session=session,
        path=path,
        request=request,
        env_file=env_file,
        send=args.send,
        publish=not args.private,
    )
