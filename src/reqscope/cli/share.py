"""`reqscope share --allow KEYFILE [--allow ...] [--bind ADDR] [--port N] [SESSION.toml | URL]`:
open the app as a host that guests join over SSH, each in their own app instance.

Everything that can be wrong is checked before Textual starts (one line, exit 2): asyncssh
missing, no allow list, an unreadable key line, an unsafe host key, a port that cannot be bound.
The join instructions are printed before the app takes the screen (so they stay in the
scrollback) and shown inside it (F9).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reqscope.cli import EXIT_OK, EXIT_USAGE, UsageError

if TYPE_CHECKING:
    from reqscope.core.model import Request, Session

INSTALL_HINT = "share needs asyncssh: pip install 'reqscope[share]'"
LOOPBACK = ("127.0.0.1", "::1", "localhost")


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "share",
        help="open the app and let allowed SSH keys join it, each in their own view",
        description=(
            "Open the app as a host: an SSH server inside it lets the keys in --allow join, "
            "each with their own app instance showing your request, response and diagnosis "
            "with secrets redacted. You are asked before anyone gets in; guests watch, and a "
            "key marked role=driver may be handed the keyboard. Joins and leaves are logged "
            "with key fingerprints."
        ),
        epilog=(
            "allow list: OpenSSH public key lines (an authorized_keys or .pub file); prefix a "
            "line with role=driver to let that key drive when you hand it over.\n"
            "exit codes: 0 ok; 2 usage error, no allow list, bad key file, asyncssh missing"
        ),
    )
    parser.add_argument(
        "target", nargs="?", default="", help="a session file (.toml) to open, or a URL"
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="KEYFILE",
        help="public keys allowed to join (repeatable; required)",
    )
    parser.add_argument(
        "--bind",
        default="127.0.0.1",
        metavar="ADDR",
        help="address to listen on (default 127.0.0.1; anything else is reachable by others)",
    )
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument(
        "--max-guests", type=int, default=4, metavar="N", help="guests at once (default 4)"
    )
    parser.add_argument("--env-file", default="", help="a .env file of variable values")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        import asyncssh  # noqa: F401
    except ImportError:
        print(f"reqscope: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_USAGE
    from reqscope.cli.app import is_session_path, load_session_or_fail, read_env_file
    from reqscope.share.keys import ShareError, load_allow_lists, load_or_create_host_key
    from reqscope.share.server import bind_socket

    if not args.allow:
        print(
            "reqscope: share needs --allow KEYFILE (the public keys of who may join); "
            "refusing to start without one",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not 0 <= args.port <= 65535 or args.max_guests < 1:
        print("reqscope: --port must be 0..65535 and --max-guests at least 1", file=sys.stderr)
        return EXIT_USAGE
    try:
        allowed = load_allow_lists(args.allow)
        host_key = load_or_create_host_key()
        env_file = read_env_file(args.env_file)
        session: Session | None = None
        path: Path | None = None
        request: Request | None = None
        if args.target and is_session_path(args.target):
            path = Path(args.target)
            session = load_session_or_fail(path)
        elif args.target:
            from reqscope.cli.app import request_from_args

            request = request_from_args(args.target, "", [], None)
    except (ShareError, UsageError) as exc:
        print(f"reqscope: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        sock = bind_socket(args.bind, args.port)
    except OSError as exc:
        print(f"reqscope: cannot listen on {args.bind} port {args.port}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.bind not in LOOPBACK:
        print(
            f"reqscope: warning: listening on {args.bind}, not only this machine; anyone who "
            "can reach it may try to log in (only the allowed keys will get in)",
            file=sys.stderr,
        )
    return _run_host(args, allowed, host_key, sock, (session, path, request), env_file=env_file)


def _run_host(
    args: argparse.Namespace,
    allowed: Any,
    host_key: Any,
    sock: Any,
    opened: tuple[Session | None, Path | None, Request | None],
    *,
    env_file: dict[str, str],
) -> int:
    from reqscope.cli.app import _log_to_file
    from reqscope.core.workspace import Workspace
    from reqscope.share.host import HostApp, JoinInfo
    from reqscope.share.hub import GuestHub
    from reqscope.share.server import ShareServer
    from reqscope.ui.sending import VariableContext

    session, path, request = opened
    _log_to_file()
    info = JoinInfo(args.bind, int(sock.getsockname()[1]), host_key.get_fingerprint())
    print(info.text(), flush=True)
    hub = GuestHub(max_guests=args.max_guests)
    server = ShareServer(hub, allowed, host_key)
    workspace = Workspace(session, path)
    if request is not None:
        workspace.update(request)
        workspace.mark_saved()
    app = HostApp(
        workspace,
        variables=VariableContext(env_file=env_file),
        loaded=session,
        hub=hub,
        server=server,
        sock=sock,
        info=info,
    )
    result = app.run()
    sock.close()
    print(info.text().splitlines()[0].replace("Sharing", "Stopped sharing"))
    return app.return_code if app.return_code else int(result or EXIT_OK)
