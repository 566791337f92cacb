"""The request options shared by `send` and `why` (curl-like where curl has a name for it),
and how they become a model.Request. Standard library only at module level: the CLI starts
fast because nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from reqscope.cli import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from reqscope.core.model import BodyKind, Header, Request, RequestOptions
    from reqscope.core.templating import Expansion


MAX_SECONDS = 86400  # a day: longer limits overflow socket timeouts and help nobody


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    """Register URL, method, headers, body, variables and transport options."""
    parser.add_argument("url", metavar="URL", nargs="?", help="the URL; may contain {{variables}}")
    parser.add_argument(
        "--from-curl",
        metavar="CMD",
        help="take the request from a curl command ('-' reads it from stdin); options given "
        "here as well (-X, -H, -d, -u, timeouts, TLS ...) override the command's",
    )
    parser.add_argument("-X", "--request", dest="method", metavar="METHOD", help="HTTP method")
    parser.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="add a header (repeatable; order and duplicates are kept)",
    )
    body = parser.add_mutually_exclusive_group()
    body.add_argument(
        "-d",
        "--data",
        metavar="BODY",
        help="request body (@FILE reads a file, @- stdin); JSON is sent as application/json "
        "unless a Content-Type is given; implies POST",
    )
    body.add_argument("--data-file", metavar="FILE", help="read the body from FILE (- = stdin)")
    parser.add_argument("-u", "--user", metavar="USER:PASSWORD", help="HTTP basic auth credentials")
    parser.add_argument(
        "--var",
        dest="variables",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="define {{NAME}} (repeatable)",
    )
    parser.add_argument(
        "--env-file",
        metavar="FILE",
        help="a .env file whose values override the environment for {{env.NAME}}",
    )
    parser.add_argument(
        "--timeout",
        "--max-time",
        dest="timeout",
        type=_seconds,
        metavar="S",
        help="time limit for the whole exchange, in seconds (default 30)",
    )
    parser.add_argument(
        "--connect-timeout", type=_seconds, metavar="S", help="time limit to connect"
    )
    parser.add_argument(
        "-k", "--insecure", action="store_true", help="do not verify the TLS certificate"
    )
    parser.add_argument("--cacert", metavar="FILE", help="trust the CAs in this PEM bundle")
    parser.add_argument("--cert", metavar="FILE", help="client certificate (PEM)")
    parser.add_argument("--key", metavar="FILE", help="client certificate key (PEM)")
    parser.add_argument("--proxy", metavar="URL", help="send through this proxy")
    parser.add_argument("--http2", action="store_true", help="offer HTTP/2 (over TLS)")
    parser.add_argument(
        "--no-follow", action="store_true", help="do not follow redirects (show the 3xx)"
    )
    parser.add_argument(
        "--max-redirects", type=int, metavar="N", help="redirects to follow (default 10)"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument(
        "-f", "--fail", action="store_true", help="exit 1 when the status is 4xx or 5xx"
    )
    parser.add_argument(
        "--show-secrets",
        action="store_true",
        help="print credentials in clear (they are masked by default)",
    )


def build_request(args: argparse.Namespace) -> Request:
    """The request as typed (unexpanded). Raises UsageError for a malformed option."""
    from reqscope.core.model import Auth, AuthKind, Request

    if args.from_curl is not None:
        return _override(_request_from_curl(args), args)
    if args.url is None:
        raise UsageError("the URL is missing (give URL, or --from-curl CMD)")
    headers = tuple(parse_header(text) for text in args.headers)
    body = _read_body(args)
    auth = Auth()
    if args.user is not None:
        username, _, password = args.user.partition(":")
        auth = Auth(kind=AuthKind.BASIC, username=username, password=password)
    method = (args.method or ("POST" if body is not None else "GET")).strip()
    if not method:
        raise UsageError("the method (-X) is empty")
    return Request(
        name="cli",
        method=method.upper(),
        url=args.url,
        headers=headers,
        body_kind=_body_kind(body, headers),
        body=body or "",
        auth=auth,
        options=_options(args),
    )


def _body_kind(body: str | None, headers: Sequence[Header]) -> BodyKind:
    from reqscope.core.model import BodyKind

    if body is None:
        return BodyKind.NONE
    has_type = any(h.name.lower() == "content-type" for h in headers)
    return BodyKind.JSON if not has_type and _looks_like_json(body) else BodyKind.RAW


def _options(args: argparse.Namespace, base: RequestOptions | None = None) -> RequestOptions:
    """Transport options: those given on the command line over `base` (the defaults, or what
    a curl command set)."""
    from dataclasses import replace

    from reqscope.core.model import RequestOptions

    options = base if base is not None else RequestOptions()
    if args.max_redirects is not None and args.max_redirects < 0:
        raise UsageError("--max-redirects must be 0 or more")
    given = {
        "timeout": args.timeout,
        "connect_timeout": args.connect_timeout,
        "verify": False if args.insecure else None,
        "ca_bundle": args.cacert,
        "client_cert": args.cert,
        "client_key": args.key,
        "proxy": args.proxy,
        "http2": True if args.http2 else None,
        "follow_redirects": False if args.no_follow else None,
        "max_redirects": args.max_redirects,
    }
    options = replace(options, **{key: value for key, value in given.items() if value is not None})
    if options.client_key and not options.client_cert:
        raise UsageError("--key needs --cert: a key alone is not a client certificate")
    return options


def _request_from_curl(args: argparse.Namespace) -> Request:
    from reqscope.core.errors import InteropError
    from reqscope.core.interop.curl import request_from_curl

    if args.url is not None:
        raise UsageError(f"URL {args.url!r} and --from-curl: give the URL in one place")
    command: str = args.from_curl
    if command == "-":
        if args.data_file == "-" or (args.data or "") == "@-":
            raise UsageError("--from-curl - and a body from stdin: stdin can be read only once")
        command = _stdin_text("--from-curl -")
    try:
        imported = request_from_curl(command)
    except InteropError as exc:
        raise UsageError(f"--from-curl: {exc}") from None
    for warning in imported.warnings:
        print(f"reqscope: warning: --from-curl: {warning}", file=sys.stderr)
    return imported.request


def _override(request: Request, args: argparse.Namespace) -> Request:
    """The imported request with what the command line also says: -X replaces the method,
    -H replaces the headers of that name (or adds one), -d/--data-file the body, -u the auth,
    and transport options their setting."""
    from dataclasses import replace

    from reqscope.core.model import Auth, AuthKind

    headers = list(request.headers)
    for text in args.headers:
        header = parse_header(text)
        headers = [h for h in headers if h.name.strip().lower() != header.name.lower()]
        headers.append(header)
    method = request.method
    body = _read_body(args)
    if body is not None:
        request = replace(request, body=body, body_kind=_body_kind(body, headers), form=())
        if method in ("GET", "HEAD"):
            method = "POST"
    if args.method is not None:
        method = args.method.strip()
        if not method:
            raise UsageError("the method (-X) is empty")
    if args.user is not None:
        username, _, password = args.user.partition(":")
        request = replace(request, auth=Auth(AuthKind.BASIC, username=username, password=password))
    return replace(
        request,
        method=method,
        headers=tuple(headers),
        options=_options(args, request.options),
    )


def expand(args: argparse.Namespace, request: Request) -> Expansion:
    """Expand `{{variables}}` from --var, --env-file (over the environment) and os.environ;
    raises UsageError naming an undefined variable or an unreadable env file."""
    from reqscope.core.errors import ReqscopeError
    from reqscope.core.model import Variable
    from reqscope.core.templating import expand_request, load_env_file

    _require_utf8(request)
    variables = []
    for text in args.variables:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"bad --var {text!r}: expected NAME=VALUE")
        variables.append(Variable(name.strip(), value))
    try:
        env = dict(os.environ)
        if args.env_file:
            env.update(load_env_file(args.env_file))
        expansion = expand_request(request, variables, env)
    except ReqscopeError as exc:
        raise UsageError(str(exc)) from None
    _require_utf8(expansion.request)
    return expansion


def _require_utf8(request: Request) -> None:
    """A non-UTF-8 argument, file or environment value in the URL, a header or credentials
    cannot go on the wire as typed: say which, without echoing a value that may be secret."""
    auth = request.auth
    texts = {
        "the URL": request.url,
        "the --proxy URL": request.options.proxy,
        "the credentials": auth.username + auth.password,
    }
    for header in request.headers:
        if header.enabled:
            name = header.name.encode("utf-8", "replace").decode()
            texts[f"header {name!r}"] = header.name + header.value
    texts["the token or API key"] = auth.token + auth.key_name
    for what, text in texts.items():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(
                f"not UTF-8 text in {what} (from an argument, file or environment value)"
            ) from None


def parse_header(text: str) -> Header:
    """`Name: value` -> Header; `Name:` is an empty value. Raises UsageError."""
    from reqscope.core.model import Header

    name, sep, value = text.partition(":")
    if not sep or not name.strip() or any(ch.isspace() for ch in name.strip()):
        raise UsageError(f"bad header {text!r}: expected 'Name: value'")
    return Header(name.strip(), value.strip())


def _read_body(args: argparse.Namespace) -> str | None:
    if args.data_file is not None:
        return _read_file(args.data_file, "--data-file")
    data: str | None = args.data
    if data is not None and data.startswith("@"):
        return _read_file(data[1:], "-d @FILE")
    return data


def _stdin_text(option: str) -> str:
    data = sys.stdin.buffer.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{option}: stdin is not UTF-8 text (byte {exc.start})") from None


def _read_file(path: str, option: str) -> str:
    """File bytes as text that round-trips to the same bytes (surrogateescape), so binary
    files are sent unchanged."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {option} {path!r}: {exc.strerror or exc}") from None
    return data.decode("utf-8", "surrogateescape")


def _looks_like_json(text: str) -> bool:
    import json

    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return False
    try:
        json.loads(stripped)
    except ValueError:
        return False
    return True


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= MAX_SECONDS:  # also refuses nan; inf and 1e300 overflow the socket's
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_SECONDS} seconds")
    return value
