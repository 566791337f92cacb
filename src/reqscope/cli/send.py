"""`reqscope send URL ...`: send one request and print the response, its timing phases,
the redirect chain and the headers as they went out. Secrets are masked unless asked."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from reqscope.cli import EXIT_FAILED, EXIT_OK, EXIT_TRANSPORT
from reqscope.cli.request_args import add_request_arguments

if TYPE_CHECKING:
    from reqscope.core.model import Exchange

DESCRIPTION = """Send one request and print the status line, timing phases, redirects,
the request headers as sent (>) and the response headers (<) and body. Credentials are
masked in the output unless --show-secrets. Control characters in the response are shown
as visible symbols, so a hostile body cannot take over the terminal."""

EPILOG = """JSON output (--format json) has the keys: request {method, url, headers, body},
status, reason, http_version, error {kind, message, detail} or null, timings {dns_ms,
connect_ms, tls_ms, send_ms, wait_ms, receive_ms, total_ms, reused_connection}, headers
[[name, value], ...], body (text, or base64 with body_base64=true), redirects, tls.

exit codes:
  0  a response arrived (any status)
  1  --fail and the status was 4xx/5xx
  2  usage error (bad header, unreadable --data-file, undefined {{variable}})
  3  transport error: no response (refused, DNS, timeout, TLS ...)
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "send",
        help="send one request and print the response",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_request_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reqscope.cli.render import render_json, render_text, write
    from reqscope.cli.request_args import build_request, expand
    from reqscope.core.engine import Engine
    from reqscope.core.redact import Redactor

    expansion = expand(args, build_request(args))
    with Engine() as engine:
        exchange = engine.send(expansion.request)
    shown = exchange if args.show_secrets else Redactor(expansion.secrets).exchange(exchange)
    if args.format == "json":
        write(render_json(shown))
    else:
        write(render_text(shown, color=use_color()))
    return exit_code(exchange, fail=args.fail)


def exit_code(exchange: Exchange, *, fail: bool) -> int:
    """0 for any response; 1 with `fail` and a 4xx/5xx; 3 when no response arrived."""
    if exchange.response is None:
        return EXIT_TRANSPORT
    if fail and exchange.response.status >= 400:
        return EXIT_FAILED
    return EXIT_OK


def use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )
