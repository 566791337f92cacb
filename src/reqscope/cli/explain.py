"""`reqscope explain FILE.har`: diagnose every entry of a HAR file (as browsers' devtools
export it), each in the light of the entries before it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from reqscope.cli import EXIT_OK, UsageError
from reqscope.cli.why import add_rules_argument

DESCRIPTION = """Diagnose every entry of a HAR 1.2 file (devtools "Save all as HAR"), in order:
the likely causes of each refusal with evidence and fixes, and the causes ruled out. Earlier
entries count as the session's history (a burst of requests, a token that worked before).
Credentials are masked unless --show-secrets."""

EPILOG = """JSON output (--format json):
{"entries": [{"request": {"method", "url"}, "status", "findings": [{"cause", "score", "title",
"evidence", "fixes": [{"text", "action"}], "rule", "references"}], "ruled_out": [{"cause",
"reason"}]}]}, one entry per HAR entry in file order, findings best first.

exit codes:
  0  the file was diagnosed
  2  usage error: unreadable, malformed or non-HAR input, or an invalid rule file (--rules)
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "explain",
        help="diagnose every entry of a HAR file",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("har", metavar="FILE.har", help="the HAR file, or - for stdin")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="print credentials in clear (they are masked by default)",
    )
    add_rules_argument(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reqscope.cli.render import write
    from reqscope.cli.why import load_rules, render_entries, scrub_diagnosis
    from reqscope.core.diagnosis import diagnose_full
    from reqscope.core.errors import InteropError
    from reqscope.core.interop.har import read_har_exchanges
    from reqscope.core.redact import Redactor, secrets_in_exchange

    kb = load_rules(args.rules_dirs)
    source: bytes | str = args.har
    if args.har == "-":
        source = sys.stdin.buffer.read()
    try:
        exchanges = read_har_exchanges(source)
    except InteropError as exc:
        raise UsageError(str(exc)) from None
    entries = []
    for index, exchange in enumerate(exchanges):
        diagnosis = diagnose_full(exchange, exchanges[:index], kb=kb)
        if args.show_secrets:
            entries.append((exchange, diagnosis))
            continue
        redactor = Redactor(secrets_in_exchange(exchange))
        entries.append((redactor.exchange(exchange), scrub_diagnosis(diagnosis, redactor.scrub)))
    write(render_entries(entries, args.format))
    return EXIT_OK
