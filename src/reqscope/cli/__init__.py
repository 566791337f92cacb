"""The command line. Each subcommand lives in its own module exposing `add_parser(sub)` (which
registers its arguments and `set_defaults(run=run)`) and `run(args) -> int`. Command modules
import only the standard library at module level, so `reqscope --help` and start-up stay fast;
the heavy parts (httpx, textual) are imported inside `run`.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import io
import os
import sys
from collections.abc import Sequence

from reqscope import __version__

# Exit codes, documented in the README and `--help`.
EXIT_OK = 0
EXIT_FAILED = 1  # --fail with a 4xx/5xx, a failed expectation or regression
EXIT_USAGE = 2  # usage error, unreadable or invalid input file
EXIT_TRANSPORT = 3  # no response: refused, DNS, timeout, TLS ...
EXIT_INTERNAL = 70  # a bug in reqscope (sysexits' EX_SOFTWARE); REQSCOPE_DEBUG=1 re-raises it
EXIT_INTERRUPTED = 130  # Ctrl-C: 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (`| head`): 128 + SIGPIPE, as shells do

# Errors writing the output (a full disk, a closed descriptor) are reported as such, not as
# bugs; they carry no file name, unlike an input file that cannot be read.
_OUTPUT_ERRNOS = frozenset({errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT, errno.EFBIG})

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
  0    a response arrived (any status) / all checks passed
  1    --fail and the status was 4xx/5xx; a replay expectation or regression failed
  2    usage error, an invalid input file (session, HAR, rules), or output that cannot be
       written (stdout closed, disk full)
  3    transport error: no response (refused, DNS, timeout, TLS ...)
  70   internal error: a bug in reqscope (REQSCOPE_DEBUG=1 shows the traceback)
  130  interrupted (Ctrl-C)
  141  stdout was closed by its reader (`| head`): the output stops quietly
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
    """Run one command. Whatever goes wrong reaches the user as one line on stderr and an
    exit code, never a traceback: Ctrl-C, a closed or broken stdout, a full disk, a bug."""
    try:
        if sys.stdout is None:  # started with stdout closed (`>&-`)
            sys.stdout = _ClosedOutput()
        try:
            return _dispatch(list(sys.argv[1:] if argv is None else argv))
        finally:
            # What is still buffered (all of a short output) fails here, where it is caught,
            # rather than in the interpreter's flush at exit ("Exception ignored ...").
            sys.stdout.flush()
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS or exc.filename is not None:
            return _internal_error(exc)
        _say(f"cannot write the output: {exc.strerror or exc}")
        return EXIT_USAGE
    except Exception as exc:
        return _internal_error(exc)


def _dispatch(args_list: list[str]) -> int:
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
        _say(str(exc))
        return EXIT_USAGE


def _say(message: str) -> None:
    """One line on stderr; a closed or broken stderr is ignored (there is nowhere to tell)."""
    if sys.stderr is None:  # print(file=None) would write to stdout instead
        return
    with contextlib.suppress(OSError, ValueError):
        print(f"reqscope: {message}", file=sys.stderr, flush=True)


def _internal_error(exc: Exception) -> int:
    """A bug: name the exception and where in reqscope it happened, not its message, which
    may quote a URL or header with a secret in it."""
    if os.environ.get("REQSCOPE_DEBUG"):
        raise exc
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}reqscope{os.sep}" in f.filename] or frames
    where = ""
    if ours:
        path = ours[-1].filename
        where = f" at {path[path.rfind(f'{os.sep}reqscope{os.sep}') + 1 :]}:{ours[-1].lineno}"
    _say(
        f"internal error ({type(exc).__name__}{where}), a bug in reqscope; "
        "REQSCOPE_DEBUG=1 shows the traceback"
    )
    return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Point the stdout descriptor at /dev/null, so the interpreter's final flush of what is
    still buffered does not fail again (and print "Exception ignored ...") at exit."""
    try:
        target = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real descriptor (a test's capture): nothing is flushed at exit
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, target)
    finally:
        os.close(devnull)


class _ClosedOutput(io.TextIOBase):
    """Stands for a stdout the process was started without: writing to it fails like writing
    to a closed descriptor, which `main` reports in one line."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False
