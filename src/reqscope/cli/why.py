"""`reqscope why URL ...`: send one request and say why the server refused it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from reqscope.cli import UsageError
from reqscope.cli.probe_render import PROBE_EPILOG, add_probe_arguments
from reqscope.cli.request_args import add_request_arguments

if TYPE_CHECKING:
    from reqscope.core.model import Diagnosis, Exchange

DESCRIPTION = """Send one request (same options as `send`) and print the likely causes of a
refusal, best first, each with the evidence quoted from the exchange and the fix to try, plus
the causes the request rules out. Credentials are masked unless --show-secrets."""

EPILOG = """JSON output (--format json) is the shape of `reqscope explain`:
{"entries": [{"request": {"method", "url"}, "status", "findings": [{"cause", "score", "title",
"evidence", "fixes": [{"text", "action"}], "rule", "references"}], "ruled_out": [{"cause",
"reason"}]}]}. `cause` is an id from the cause vocabulary (`reqscope rules list --causes`).

%(probes)s

exit codes:
  0  a response arrived (any status)
  1  --fail and the status was 4xx/5xx
  2  usage error, or an invalid rule file (--rules)
  3  transport error: no response (refused, DNS, timeout, TLS ...)
"""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "why",
        help="send one request and explain a refusal",
        description=DESCRIPTION,
        epilog=EPILOG % {"probes": PROBE_EPILOG},
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_request_arguments(parser)
    add_rules_argument(parser)
    add_probe_arguments(parser)
    parser.set_defaults(run=run)


def add_rules_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        dest="rules_dirs",
        action="append",
        default=[],
        metavar="DIR",
        help="also load the rule files (*.toml) in DIR (repeatable); see docs/knowledge-base.md",
    )


def run(args: argparse.Namespace) -> int:
    from reqscope.cli.probe_render import check_probe_arguments, probe_and_render
    from reqscope.cli.render import write
    from reqscope.cli.request_args import build_request, expand
    from reqscope.cli.send import exit_code, is_usage_failure
    from reqscope.core.diagnosis import diagnose_full
    from reqscope.core.engine import Engine
    from reqscope.core.redact import Redactor, secrets_in_exchange

    check_probe_arguments(args)
    kb = load_rules(args.rules_dirs)
    expansion = expand(args, build_request(args))
    with Engine() as engine:
        exchange = engine.send(expansion.request)
    if exchange.error is not None and is_usage_failure(exchange):
        # Nothing was sent (an invalid URL or method): a usage error, not a thing to diagnose.
        raise UsageError(Redactor(expansion.secrets).scrub(exchange.error.message))
    diagnosis = diagnose_full(exchange, kb=kb)
    if args.probe:
        return probe_and_render(args, expansion, exchange, diagnosis, kb)
    if not args.show_secrets:
        redactor = Redactor(set(expansion.secrets) | secrets_in_exchange(exchange))
        exchange = redactor.exchange(exchange)
        diagnosis = scrub_diagnosis(diagnosis, redactor.scrub)
    write(render_entries([(exchange, diagnosis)], args.format))
    return exit_code(exchange, fail=args.fail)


def load_rules(dirs: list[str]) -> Any:
    """The knowledge base with the user's rule directories; a bad file is a usage error."""
    from reqscope.core.diagnosis import load_knowledge_base
    from reqscope.core.errors import RulesError

    try:
        return load_knowledge_base(dirs)
    except RulesError as exc:
        raise UsageError(str(exc)) from None


def scrub_diagnosis(diagnosis: Diagnosis, scrub: Any) -> Diagnosis:
    """The diagnosis with every quoted text passed through `scrub` (secret masking)."""
    from dataclasses import replace

    findings = tuple(
        replace(
            f,
            title=scrub(f.title),
            evidence=tuple(scrub(line) for line in f.evidence),
            fixes=tuple(
                replace(
                    fix,
                    text=scrub(fix.text),
                    action=replace(fix.action, value=scrub(fix.action.value))
                    if fix.action
                    else None,
                )
                for fix in f.fixes
            ),
        )
        for f in diagnosis.findings
    )
    ruled_out = tuple(replace(r, reason=scrub(r.reason)) for r in diagnosis.ruled_out)
    return replace(diagnosis, findings=findings, ruled_out=ruled_out)


def render_entries(entries: list[tuple[Exchange, Diagnosis]], output_format: str) -> str:
    """`{"entries": [...]}` as JSON, or the text report, made inert for the terminal."""
    import json

    from reqscope.cli.render import inert
    from reqscope.core.diagnosis import entry_to_dict, format_entry

    if output_format == "json":
        document = {"entries": [entry_to_dict(ex, dg) for ex, dg in entries]}
        # ASCII-only JSON: every control or bidi character from the network is escaped.
        return json.dumps(document, indent=2, ensure_ascii=True) + "\n"
    blocks = [format_entry(ex, dg) for ex, dg in entries]
    return inert("\n\n".join(blocks)) + "\n"
