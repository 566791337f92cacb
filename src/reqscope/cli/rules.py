"""`reqscope rules check|list`: validate the knowledge base's rule files (built-in, the
config directory, --rules DIR) and show what they contain."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from reqscope.cli import EXIT_OK, EXIT_USAGE, UsageError
from reqscope.cli.why import add_rules_argument

DESCRIPTION = """Rule files are TOML (format: docs/knowledge-base.md). They are read from the
built-in knowledge base, from $XDG_CONFIG_HOME/reqscope/rules (or ~/.config/reqscope/rules)
and from each --rules DIR."""

CHECK_EPILOG = """Checks every file (TOML syntax, known keys, cause ids, regexes, fact names,
templates, fix actions) and runs every rule's examples and counterexamples. Problems are
printed to stderr as `FILE: rule ID: FIELD: what is wrong`.

exit codes:
  0    every file is valid and every example passes
  2    a problem was found (or a --rules DIR does not exist)
  141  the reader stopped reading (`| head`): the output ends quietly
"""

LIST_EPILOG = """exit codes:
  0    the list was printed
  2    unknown --cause, or a rule file is invalid (or a --rules DIR does not exist)
  141  the reader stopped reading (`| head`): the output ends quietly
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "rules",
        help="check or list the diagnosis rules",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="rules_command", metavar="check|list", required=True)
    check = commands.add_parser(
        "check",
        help="validate rule files and run their examples",
        description=DESCRIPTION,
        epilog=CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_rules_argument(check)
    check.set_defaults(run=run_check)
    listing = commands.add_parser(
        "list",
        help="list the rules",
        description=DESCRIPTION,
        epilog=LIST_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_rules_argument(listing)
    listing.add_argument("--cause", help="only the rules of this cause")
    listing.add_argument(
        "--causes", action="store_true", help="list the cause vocabulary instead of the rules"
    )
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(run=run_list)


def run_check(args: argparse.Namespace) -> int:
    from reqscope.core.diagnosis import check_rules
    from reqscope.core.errors import RulesError

    try:
        report = check_rules(args.rules_dirs)
    except RulesError as exc:
        raise UsageError(str(exc)) from None
    if not report.ok:
        lines = [*report.problems, f"reqscope: {len(report.problems)} problem(s) in the rules"]
        write_lines(lines, sys.stderr)
        return EXIT_USAGE
    summary = f"{report.rules} rules in {len(report.files)} files, {report.examples} examples"
    write_lines([f"ok: {summary} passed"])
    return EXIT_OK


def run_list(args: argparse.Namespace) -> int:
    import json

    from reqscope.cli.why import load_rules
    from reqscope.core.diagnosis import load_causes

    causes = load_causes()
    if args.causes:
        rows = [
            {"cause": c.id, "group": c.group, "description": c.description} for c in causes.values()
        ]
        if args.format == "json":
            write_lines([json.dumps(rows, indent=2)])
        else:
            write_lines(f"{r['cause']:26} {r['group']:18} {r['description']}" for r in rows)
        return EXIT_OK
    if args.cause is not None and args.cause not in causes:
        raise UsageError(f"unknown cause {args.cause!r} (see `reqscope rules list --causes`)")
    kb = load_rules(args.rules_dirs)
    rules = [r for r in kb.rules if args.cause is None or r.cause == args.cause]
    if args.format == "json":
        data = [
            {
                "id": r.id,
                "cause": r.cause,
                "effect": r.effect,
                "weight": r.weight,
                "fallback": r.fallback,
                "vendor": r.vendor,
                "title": r.title or r.reason,
                "file": r.source,
            }
            for r in rules
        ]
        write_lines([json.dumps(data, indent=2)])
        return EXIT_OK
    lines = []
    for r in rules:
        weight = (
            "rule-out"
            if r.effect == "rule_out"
            else f"{r.weight:.2f}" + ("f" if r.fallback else "")
        )
        lines.append(f"{r.id:58} {r.cause:26} {weight:>8}  {r.vendor}")
    lines.append(f"{len(rules)} rules")
    write_lines(lines)
    return EXIT_OK


def write_lines(lines: Iterable[str], stream: TextIO | None = None) -> None:
    """Print `lines` to `stream` (stdout by default) and flush, so a reader that stops early
    (`| head`) is noticed here, where `reqscope.cli.main` ends the command quietly, and not in
    the interpreter's last flush at exit, which would print a traceback-like warning."""
    out = stream if stream is not None else sys.stdout
    for line in lines:
        out.write(line + "\n")
    out.flush()
