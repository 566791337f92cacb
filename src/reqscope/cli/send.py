"""`reqscope send URL ...`: send one request and print the response, its timing phases,
the redirect chain and the headers as they went out. Secrets are masked unless asked."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from reqscope.cli import EXIT_FAILED, EXIT_OK, EXIT_TRANSPORT, EXIT_USAGE, UsageError
from reqscope.cli.request_args import add_request_arguments

if TYPE_CHECKING:
    from reqscope.core.model import Diagnosis, Exchange, Response

DESCRIPTION = """Send one request and print the status line, timing phases, redirects,
the request headers as sent (>) and the response headers (<) and body. A refusal (4xx/5xx
or a recognised block page) gets a one-line diagnosis under the status line; `reqscope
why` explains it in full. Credentials are masked in the output unless --show-secrets.
Control characters in the response are shown as visible symbols, so a hostile body cannot
take over the terminal."""

EPILOG = """JSON output (--format json) has the keys: request {method, url, headers, body},
status, reason, http_version, error {kind, message, detail} or null, timings {dns_ms,
connect_ms, tls_ms, send_ms, wait_ms, receive_ms, total_ms, reused_connection}, headers
[[name, value], ...], body (text, or base64 with body_base64=true), redirects, tls, and for
a refusal diagnosis {summary, findings [{cause, score, title, evidence, fixes, rule,
references}]}.

exit codes:
  0  a response arrived (any status)
  1  --fail and the status was 4xx/5xx
  2  usage error (invalid URL or header, unreadable --data-file or --env-file,
     unreadable or invalid --cacert/--cert/--key, undefined {{variable}})
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
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the response body, exactly as received, to FILE (atomically; - = stdout, "
        "the report then goes to stderr); the report says where the body went",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from reqscope.cli.render import render_json, render_text, write
    from reqscope.cli.request_args import build_request, expand
    from reqscope.core.engine import Engine
    from reqscope.core.redact import Redactor, secrets_in_exchange

    output = getattr(args, "output", None)
    if output not in (None, "-") and Path(output).is_dir():
        raise UsageError(f"-o {output}: is a directory")
    expansion = expand(args, build_request(args))
    with Engine() as engine:
        exchange = engine.send(expansion.request)
    if exchange.error is not None and is_usage_failure(exchange):
        raise UsageError(Redactor(expansion.secrets).scrub(exchange.error.message))
    diagnosis = diagnose_refusal(exchange)
    shown = exchange
    if not args.show_secrets:
        redactor = Redactor(set(expansion.secrets) | secrets_in_exchange(exchange))
        shown = redactor.exchange(exchange)
        if diagnosis is not None:
            from reqscope.cli.why import scrub_diagnosis

            diagnosis = scrub_diagnosis(diagnosis, redactor.scrub)
    saved_to = ""
    if output is not None and exchange.response is not None:
        saved_to = save_body(exchange.response.body, output)
    report = sys.stderr if output == "-" else sys.stdout
    if args.format == "json":
        extra = {"diagnosis": diagnosis_dict(diagnosis)} if diagnosis is not None else None
        write(render_json(shown, extra), report)
    else:
        summary = [diagnosis_dict(diagnosis)["summary"]] if diagnosis is not None else []
        color = use_color() and report is sys.stdout
        write(render_text(shown, color=color, diagnosis=summary, body_saved_to=saved_to), report)
    return exit_code(exchange, fail=args.fail)


def save_body(body: bytes, output: str) -> str:
    """Write the body's bytes to `output` (atomically; "-" is stdout, raw like curl's `-o -`)
    and return how the report names where it went."""
    from reqscope.core.store import write_atomically

    if output == "-":
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
        return "stdout"
    try:
        write_atomically(Path(output).expanduser(), body)
    except OSError as exc:
        raise UsageError(f"cannot write -o {output}: {exc.strerror or exc}") from None
    return output


def diagnose_refusal(exchange: Exchange) -> Diagnosis | None:
    """The diagnosis of a refusal: a 4xx/5xx, or a lower status the knowledge base
    recognises as one (a block page served with 200 or 202); None for a normal response
    or when no response arrived."""
    response = exchange.response
    if response is None:
        return None
    if response.status < 400 and not may_be_block_page(response):
        return None
    # Imported here: loading the knowledge base costs tens of ms, paid only when needed.
    from reqscope.core.diagnosis import diagnose_full

    diagnosis = diagnose_full(exchange)
    if response.status >= 400 or diagnosis.findings:
        return diagnosis
    return None


def may_be_block_page(response: Response) -> bool:
    """A 2xx/3xx worth diagnosing: block and challenge pages are HTML for browsers (or an
    empty body with a marker header), so a JSON, text or binary 2xx skips the knowledge
    base and `send` stays quick."""
    if not response.body:
        return True
    media = (response.header("content-type") or "").partition(";")[0].strip().lower()
    return media in ("", "text/html", "application/xhtml+xml")


def diagnosis_dict(diagnosis: Diagnosis) -> dict[str, Any]:
    """The `diagnosis` key of `send --format json`: the summary line and the findings in
    the shape `reqscope why` uses."""
    from reqscope.core.diagnosis import finding_to_dict, summary_line

    return {
        "summary": summary_line(diagnosis),
        "findings": [finding_to_dict(finding) for finding in diagnosis.findings],
    }


def exit_code(exchange: Exchange, *, fail: bool) -> int:
    """0 for any response; 1 with `fail` and a 4xx/5xx; 2 when what the user typed cannot
    be sent (see `is_usage_failure`); 3 when no response arrived."""
    if exchange.response is None:
        return EXIT_USAGE if is_usage_failure(exchange) else EXIT_TRANSPORT
    if fail and exchange.response.status >= 400:
        return EXIT_FAILED
    return EXIT_OK


def is_usage_failure(exchange: Exchange) -> bool:
    """The request as typed could not be sent (an invalid URL or method, an unreadable
    upload, a --cacert/--cert/--key that cannot be read or loaded): a usage error, unlike an
    invalid URL a server redirected to."""
    from reqscope.core.engine import TLS_LOCAL_FILE
    from reqscope.core.model import ErrorKind

    error = exchange.error
    if error is None or exchange.redirects:
        return False
    usage_kinds = (ErrorKind.INVALID_URL, ErrorKind.INVALID_REQUEST, ErrorKind.REQUEST_BODY)
    return error.kind in usage_kinds or (
        error.kind is ErrorKind.TLS and error.detail == TLS_LOCAL_FILE
    )


def use_color() -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return (
        sys.stdout.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
    )
