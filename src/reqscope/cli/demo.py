"""`reqscope demo`: the app on sessions/demo.toml against a private lab, no network needed.

The lab (the same refusal scenarios the tests use) runs on an ephemeral 127.0.0.1 port in a
background thread for as long as the app is open; its URL reaches the session through the
app's variable overrides (`{{lab}}`), so the shipped file never names a port. The first request
is sent at once, so a newcomer's first screen already holds a 403 and its diagnosis.
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from typing import Any

from reqscope.cli import UsageError

DEMO_SESSION = Path("sessions") / "demo.toml"
GREETING = (
    "Each request in the sidebar (ctrl+b) meets a different refusal in a local lab: "
    "ctrl+j sends it, ctrl+t tries the diagnosis' fix, F1 lists every key."
)


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "demo",
        help="open the app on sessions/demo.toml against the local lab (no network needed)",
        description=(
            "Start the lab on a free 127.0.0.1 port and open the app on the demo session, "
            "its first request already sent. The lab stops when the app exits."
        ),
    )
    parser.add_argument(
        "--session",
        default="",
        metavar="FILE",
        help=f"a session using {{{{lab}}}} to open instead of {DEMO_SESSION}",
    )
    parser.add_argument(
        "--no-send", action="store_true", help="do not send the first request at start"
    )
    parser.set_defaults(run=run)


def demo_session_path(given: str = "") -> Path:
    """The session to open: `given`, else sessions/demo.toml here or in the source tree."""
    if given:
        return Path(given)
    here = DEMO_SESSION
    if here.is_file():
        return here
    checkout = Path(__file__).resolve().parents[3] / DEMO_SESSION
    if checkout.is_file():
        return checkout
    raise UsageError(f"{DEMO_SESSION} not found (run from the reqscope checkout, or --session)")


def closed_port_url() -> str:
    """A 127.0.0.1 URL that refuses connections: a port the kernel just handed out and that
    was closed again, so nothing listens there."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run(args: argparse.Namespace) -> int:
    from reqscope.cli.app import load_session_or_fail, run_app
    from reqscope.lab.server import running_lab

    path = demo_session_path(args.session)
    session = load_session_or_fail(path)
    with running_lab() as lab:
        overrides = {"lab": lab.url, "closed": closed_port_url()}
        return run_app(
            session=session,
            path=path,
            overrides=overrides,
            send=not args.no_send,
            greeting=GREETING,
        )
