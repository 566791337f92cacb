"""`reqscope lab`: run the local lab server in the foreground, or list its routes.

The lab reproduces refusals on purpose and echoes whatever it receives, so it listens on
loopback only unless --allow-remote says otherwise (with a warning)."""

from __future__ import annotations

import argparse
import ipaddress
import sys
from typing import Any

from reqscope.cli import EXIT_OK, EXIT_USAGE, UsageError

DEFAULT_PORT = 8765


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "lab",
        help="run the local lab server (reproduces refusals), or list its routes",
        description="Run the lab in the foreground until Ctrl-C, or list its routes. The lab "
        "reproduces real refusals (one route or more per cause) next to generic routes "
        "(echo, status, delay, redirects, big and hostile bodies); see docs/lab.md.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 = any)"
    )
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow binding to a non-loopback address (the lab echoes what it receives)",
    )
    parser.add_argument(
        "--list",
        action="store_true",
        help="list the routes (each scenario with its cause, vendor and fix) and exit",
    )
    parser.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="--list as text lines (default) or as the Markdown tables of docs/lab.md",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        return list_routes(args.format)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0-65535, not {args.port}")
    if not is_loopback(args.host):
        if not args.allow_remote:
            raise UsageError(
                f"{args.host} is not a loopback address; pass --allow-remote to expose the lab"
            )
        print(
            f"reqscope: warning: the lab on {args.host} is reachable from other machines; "
            "it echoes requests, secrets included",
            file=sys.stderr,
        )
    return serve(args.host, args.port)


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str, port: int) -> int:
    from reqscope.lab.server import LabServer

    try:
        sibling = LabServer(host, 0).start()
        try:
            lab = LabServer(host, port)
        except BaseException:
            sibling.stop()
            raise
    except OSError as exc:
        print(f"reqscope: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    lab.state.other_port = sibling.port
    sibling.state.other_port = lab.port
    shown = f"[{host}]" if ":" in host else host
    print(
        f"reqscope lab on http://{shown}:{lab.port}  (sibling for cross-origin redirects: "
        f"port {sibling.port}; `reqscope lab --list` for routes; Ctrl-C stops)",
        flush=True,
    )
    try:
        lab.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        lab.server_close()
        sibling.stop()
    return EXIT_OK


def list_routes(output_format: str = "text") -> int:
    from reqscope.lab.catalog import list_lines, markdown_tables
    from reqscope.lab.server import load_routes

    routes = load_routes().routes
    if output_format == "markdown":
        sys.stdout.write(markdown_tables(routes))
    else:
        sys.stdout.write("".join(f"{line}\n" for line in list_lines(routes)))
    return EXIT_OK
