"""`reqscope follow [ID] [--list]`: mirror a running reqscope, read-only, live."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from reqscope.cli import EXIT_OK, EXIT_USAGE


def add_parser(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "follow",
        help="mirror another reqscope of yours, read-only and live",
        description=(
            "Show what another running reqscope (same user, same machine) shows: its request, "
            "response and diagnosis, redacted, updated live; re-attaches when it restarts. "
            "Without ID, follows the most recently started one."
        ),
    )
    parser.add_argument("leader", nargs="?", default=None, metavar="ID", help="the leader's id")
    parser.add_argument("--list", action="store_true", help="list running leaders and exit")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reqscope.core.pairing.channel import ChannelError, list_leaders, socket_path

    try:
        if args.leader is not None:
            socket_path(args.leader)  # validates the id
        if args.list:
            leaders = list_leaders()
            print("\n".join(leaders) if leaders else "no reqscope is publishing right now")
            return EXIT_OK
    except ChannelError as exc:
        print(f"reqscope follow: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from reqscope.cli.app import _log_to_file
    from reqscope.ui.follow import FollowApp

    _log_to_file()
    app = FollowApp(args.leader)
    app.run()
    return EXIT_OK
