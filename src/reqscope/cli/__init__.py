"""The command line. Each subcommand lives in its own module exposing `add_parser(sub)` (which
registers its arguments and `set_defaults(run=run)`) and `run(args) -> int`. Command modules
import only the standard library at module level, so `reqscope --help` and start-up stay fast;
the heavy parts (httpx, textual) are imported inside `run`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from reqscope import __version__

# Exit codes, documented in the README and `--help`.
EXIT_OK = 0
EXIT_FAILED = 1  # --fail with a 4xx/5xx, a failed expectation or regression
EXIT_USAGE = 2  # usage error, unreadable or invalid input file
EXIT_TRANSPORT = 3  # no response: refused, DNS, timeout, TLS ...

# Subcommand modules, in the order `--help` lists them. A module that is not written yet is
# skipped so the CLI works while the project grows.
COMMANDS = {
    "send": "send",
    "why": "why",
    "explain": "explain",
    "replay": "replay",
    "import": "import_",
    "export": "export",
    "rules": "rules",
    "lab": "lab",
    "demo": "demo",
    "follow": "follow",
    "share": "share",
}

EPILOG = """exit codes:
  0  a response arrived (any status) / all checks passed
  1  --fail and the status was 4xx/5xx; a replay expectation or regression failed
  2  usage error, or an input file (session, HAR, rules) is invalid
  3  transport error: no response (refused, DNS, timeout, TLS ...)
"""


class UsageError(Exception):
    """A mistake in what the user typed; printed as one line, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reqscope",
        description="Debug HTTP requests live, and learn why a server refused them.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"reqscope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module_name in COMMANDS.values():
        try:
            module = importlib.import_module(f"reqscope.cli.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"reqscope.cli.{module_name}":
                continue
            raise
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = args_list[0] if args_list else ""
    if first not in COMMANDS and first not in ("-h", "--help", "--version"):
        # `reqscope`, `reqscope sessions/x.toml`, `reqscope URL [-X ..] [--send]`: the app.
        try:
            app_module = importlib.import_module("reqscope.cli.app")
        except ModuleNotFoundError as exc:
            if exc.name != "reqscope.cli.app":
                raise
        else:
            return int(app_module.main(args_list))
    parser = build_parser()
    args = parser.parse_args(args_list)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(run(args))
    except UsageError as exc:
        print(f"reqscope: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
