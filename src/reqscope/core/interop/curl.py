"""curl commands to requests and back.

Import reads the command the way the shell and then curl would (shell.py splits it,
curl_options.py matches options like curl 7.88 does) and builds the Request that sends the same
method, URL, headers and body. What reqscope cannot honour is named in `warnings`, never
silently dropped; an option curl does not know is an error, as it would be for curl.

Choices (docs/interop.md has the full list):
- `-u` becomes basic Auth and `--oauth2-bearer` bearer Auth; an `Authorization` header given
  with `-H` stays a header, so its scheme and its position are kept exactly.
- `-d` and friends give a RAW body with curl's implied
  `Content-Type: application/x-www-form-urlencoded` written out as a header (the engine sends
  what the headers say); with a JSON Content-Type, or `--json`, the body kind is JSON.
- Without `-L` the request does not follow redirects, as curl does not.
- Files named with `@file` and `<file` are read now (relative to `base_dir`, default the
  current directory); `-F name=@file` keeps the path, as the engine uploads it at send time.
"""

from __future__ import annotations

import math
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import quote, urlsplit

from reqscope.core.errors import InteropError
from reqscope.core.interop import curl_form
from reqscope.core.interop.curl_export import to_curl
from reqscope.core.interop.curl_options import CurlOption, find_long, find_short
from reqscope.core.interop.shell import split_command
from reqscope.core.interop.templates import escape_literal, literal_text, segments
from reqscope.core.model import (
    Auth,
    AuthKind,
    BodyKind,
    FormField,
    Header,
    Request,
    RequestOptions,
)
from reqscope.core.wire import MAX_TIMEOUT

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"
CURL_DEFAULT_MAX_REDIRECTS = 50  # curl 7.x; -L without --max-redirs
MAX_DATA_FILE = 256 * 1024 * 1024  # a body read with -d @FILE is held in memory

# Options that change how curl reports or stores the response, never what is sent.
_NO_OP_NAMES = """
    silent show-error verbose include output remote-name remote-name-all remote-header-name
    dump-header write-out trace trace-ascii trace-time trace-config stderr progress-bar
    no-progress-meter styled-output create-dirs output-dir remote-time xattr libcurl
    remove-on-error no-clobber create-file-mode fail fail-with-body fail-early parallel
    parallel-immediate parallel-max no-buffer no-keepalive keepalive-time keepalive-cnt
    tcp-nodelay tcp-fastopen no-sessionid false-start happy-eyeballs-timeout-ms globoff
    compressed cookie-jar junk-session-cookies disable basic manual help version metalink
    rate limit-rate suppress-connect-headers compressed-ssh out-null skip-existing
    http0.9"""
NO_OP_OPTIONS = frozenset(_NO_OP_NAMES.split())

# Blank and `# comment` lines, an optional `$ ` prompt, `curl` (or a path to it), a blank and
# an argument. Blanks are spelled out (no `\s*` next to `\n`) so a failed match is linear.
_CURL_START = re.compile(
    r"(?:[ \t\r]*(?:#[^\n]*)?\n)*[ \t\r]*(?:\$[ \t]+)?"
    r"(?:[./~][^\s:]*/)?curl(?:\.exe)?[ \t\r\n\\]+\S"
)


def looks_like_curl(text: str) -> bool:
    """Whether pasted text is meant as a curl command rather than a URL: `curl ARGS`,
    `$ curl ...`, `/usr/bin/curl ...`, after blank or `# comment` lines. Cheap and never
    raises; it does not say the command parses (request_from_curl does)."""
    return _CURL_START.match(text) is not None


@dataclass
class CurlImport:
    """The imported request, and what reqscope could not reproduce exactly."""

    request: Request
    warnings: list[str] = field(default_factory=list)


def request_from_curl(command: str, *, base_dir: str | Path | None = None) -> CurlImport:
    """Parse a curl command line (as pasted into a POSIX shell) into a Request.

    Raises InteropError naming the problem for text that is not a curl command, a shell syntax
    error, an option curl does not know or that lacks its argument, or a file it cannot read.
    """
    try:
        command.encode("utf-8")
    except UnicodeEncodeError as exc:
        # Non-UTF-8 bytes in argv or a file arrive as lone surrogates: they cannot be sent.
        raise InteropError(
            f"the command is not UTF-8 text (at character {exc.start + 1})"
        ) from None
    shell = split_command(command)
    words = list(shell.words)
    if words[:1] == ["$"]:  # a copied prompt: `$ curl ...`
        words = words[1:]
    if not words:
        raise InteropError("empty command: paste a curl command")
    program = literal_text(words[0]) or words[0]
    if program.rsplit("/", 1)[-1].removesuffix(".exe") != "curl":
        raise InteropError(f"not a curl command: it starts with {program[:40]!r}")
    parser = _CurlParser(Path(base_dir) if base_dir is not None else Path())
    parser.warnings.extend(shell.notes)
    parser.parse(words[1:])
    return CurlImport(parser.build(), parser.warnings)


@dataclass
class _DataPiece:
    text: str  # template text
    joined_with_ampersand: bool = True  # --json pieces are concatenated as they are


class _CurlParser:
    """curl's option state after reading the arguments; `build` turns it into a Request."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir
        self.warnings: list[str] = []
        self.urls: list[str] = []
        self.method = ""
        self.headers: list[Header] = []
        self.removed: list[str] = []  # lower-case names given as `-H 'Name:'`
        self.user_agent: str | None = None
        self.referer: str | None = None
        self.cookies: list[str] = []
        self.range = ""
        self.data: list[_DataPiece] = []
        self.json = False
        self.form: list[FormField] = []
        self.upload = ""
        self.upload_name = ""  # -T FILE to a URL ending in / uploads to URL/FILE
        self.get = False
        self.head = False
        self.globoff = False
        self.url_query: list[str] = []
        self.proto_default = "http"
        self.auth = Auth()
        self.user_given = False
        self.options = RequestOptions(follow_redirects=False)
        self.max_redirects: int | None = None

    # --- walking the arguments ------------------------------------------------------------

    def parse(self, args: list[str]) -> None:
        index = 0
        options_done = False
        while index < len(args):
            word = args[index]
            index += 1
            if options_done or not word.startswith("-") or word == "-":
                self.urls.append(word)
            elif word == "--":
                options_done = True
            elif word.startswith("--"):
                option, negated = find_long(word)
                value = ""
                if option.takes_argument:
                    value = self._argument(args, index, option.label)
                    index += 1
                if not self._apply(option, value, negated):
                    return
            else:
                index = self._short_cluster(word, args, index)
                if index < 0:
                    return

    def _short_cluster(self, word: str, args: list[str], index: int) -> int:
        """`-sSL`, `-XPOST`, `-H 'A: b'`: returns the next index, or -1 to stop (`-:`)."""
        position = 1
        while position < len(word):
            option = find_short(word[position])
            position += 1
            if not option.takes_argument:
                if not self._apply(option, "", False):
                    return -1
                continue
            if position < len(word):
                value = word[position:]
            else:
                value = self._argument(args, index, f"-{option.short}")
                index += 1
            return index if self._apply(option, value, False) else -1
        return index

    @staticmethod
    def _argument(args: list[str], index: int, label: str) -> str:
        if index >= len(args):
            raise InteropError(f"option {label}: requires parameter")
        return args[index]

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # --- one option -------------------------------------------------------------------------

    def _apply(self, option: CurlOption, value: str, negated: bool) -> bool:
        """Record one option; False when parsing must stop (`--next`)."""
        name = option.long
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, value, negated, option)
        elif name == "next":
            self.warn("--next: only the first request of the command is imported")
            return False
        elif name not in NO_OP_OPTIONS:
            self.warn(f"{option.label}: not supported by reqscope, ignored")
        return True

    def _literal(self, value: str, label: str) -> str:
        """An argument that must be known now (a file name, a number), not `$VAR`."""
        text = literal_text(value)
        if text is None:
            raise InteropError(f"{label} {value!r}: an environment variable is not allowed here")
        return text

    def _read_file(self, name: str, label: str) -> bytes:
        literal = self._literal(name, label)
        if literal == "-":
            raise InteropError(f"{label} @-: reading stdin is not supported; use @FILE")
        path = self.base_dir / literal
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
                raise InteropError(f"{label} @{literal}: not a regular file (a pipe or device)")
            if info.st_size > MAX_DATA_FILE:
                raise InteropError(
                    f"{label} @{literal}: {info.st_size} bytes is over the "
                    f"{MAX_DATA_FILE // (1024 * 1024)} MiB a request body may have"
                )
            return path.read_bytes()
        except FileNotFoundError:
            raise InteropError(f"{label} @{literal}: no such file") from None
        except IsADirectoryError:
            raise InteropError(f"{label} @{literal}: is a directory") from None
        except OSError as exc:
            raise InteropError(f"{label} @{literal}: cannot read ({exc.strerror})") from None

    def read_text_file(self, name: str, label: str) -> str:
        """A file's content as template text. Bytes that are not UTF-8 are kept with
        `surrogateescape`, which the engine encodes back to the same bytes."""
        data = self._read_file(name, label)
        return escape_literal(data.decode("utf-8", "surrogateescape"))

    def number(self, value: str, label: str) -> float:
        text = self._literal(value, label)
        try:
            number = float(text)
        except ValueError:
            raise InteropError(f"option {label}: expected a number, got {text!r}") from None
        if not math.isfinite(number) or number < 0:
            raise InteropError(f"option {label}: expected a positive number, got {text!r}")
        return number

    def seconds(self, value: str, label: str) -> float:
        """A timeout: a number of seconds up to a day (more overflows a socket's timeout)."""
        number = self.number(value, label)
        if number > MAX_TIMEOUT:
            raise InteropError(
                f"option {label}: at most {MAX_TIMEOUT:g} seconds (a day), got {value!r}"
            )
        return number

    # --- building the request ---------------------------------------------------------------

    def build(self) -> Request:
        url = self._url()
        method, body_kind, body = self._method_and_body()
        if self.get and self.data:
            query = "&".join(piece.text for piece in self.data)
            url = _append_query(url, query)
        headers = self._headers(body_kind)
        body_kind, headers = self._body_kind(body_kind, headers)
        auth = self._auth(headers)
        options = self.options
        if options.follow_redirects:
            redirects = self.max_redirects
            options = replace(
                options,
                max_redirects=CURL_DEFAULT_MAX_REDIRECTS if redirects is None else redirects,
            )
        return Request(
            name=f"{method} {_path(url)}",
            method=method,
            url=url,
            headers=tuple(headers),
            body_kind=body_kind,
            body=body,
            form=tuple(self.form),
            auth=auth,
            options=options,
        )

    def _url(self) -> str:
        if not self.urls:
            raise InteropError("no URL in the curl command")
        if len(self.urls) > 1:
            others = ", ".join(repr(url) for url in self.urls[1:3])
            self.warn(f"several URLs: only the first is imported (ignored {others})")
        url = self.urls[0]
        if "://" not in url.split("?", 1)[0]:
            url = f"{self.proto_default}://{url}"
        if self.upload_name and url.endswith("/"):
            url += quote(self.upload_name)
        literal = "".join(part.text for part in segments(url))
        if not self.globoff and any(char in literal for char in "[]{}"):
            self.warn(
                "the URL has [ ] or { }: curl would expand them (globbing) unless -g is "
                "given; reqscope sends the URL as written"
            )
        for item in self.url_query:
            url = _append_query(url, item)
        return url

    def _method_and_body(self) -> tuple[str, BodyKind, str]:
        sending = "GET"
        kind, body = BodyKind.NONE, ""
        if self.form and self.data:
            raise InteropError("curl refuses -F together with -d: choose one body")
        if self.form:
            sending, kind = "POST", BodyKind.MULTIPART
        elif self.data and not self.get:
            sending, kind = "POST", BodyKind.RAW
            body = _join_data(self.data)
        elif self.upload:
            sending, kind = "PUT", BodyKind.RAW
            body = self.upload
        if self.head:
            if sending not in ("GET", "PUT") or self.upload:
                raise InteropError("curl refuses -I (HEAD) together with a request body")
            sending = "HEAD"
        method = self.method or sending
        return method, kind, body

    def _headers(self, body_kind: BodyKind) -> list[Header]:
        """The -H headers in order, then the ones curl derives from options, each only when
        no -H header of that name replaces it and it was not removed with `-H 'Name:'`."""
        headers = list(self.headers)
        derived: list[tuple[str, str | None]] = [
            ("User-Agent", self.user_agent),
            ("Referer", self.referer),
            ("Cookie", ";".join(self.cookies) if self.cookies else None),  # curl's joint
            ("Range", f"bytes={self.range}" if self.range else None),
            ("Accept", JSON_CONTENT_TYPE if self.json else None),
        ]
        if body_kind is BodyKind.RAW and not self.json and not self.upload:
            derived.append(("Content-Type", FORM_CONTENT_TYPE))
        given = {header.name.strip().lower() for header in headers}
        for name, value in derived:
            lname = name.lower()
            if value is None or lname in given or lname in self.removed:
                continue
            headers.append(Header(name, value))
        for lname in self.removed:
            if lname not in given and lname != "content-type":
                self.warn(
                    f"-H '{lname}:' removes curl's own {lname} header; reqscope sends its own "
                    "default headers and cannot remove them"
                )
        return headers

    def _body_kind(self, kind: BodyKind, headers: list[Header]) -> tuple[BodyKind, list[Header]]:
        if kind is not BodyKind.RAW or self.upload:
            return kind, headers
        content_type = next(
            (h.value for h in headers if h.name.strip().lower() == "content-type"), None
        )
        if content_type is None:
            if self.json and "content-type" not in self.removed:
                return BodyKind.JSON, headers
            return kind, headers
        if _is_json_type(content_type):
            return BodyKind.JSON, headers
        return kind, headers

    def _auth(self, headers: list[Header]) -> Auth:
        auth = self.auth
        if auth.kind is AuthKind.NONE:
            return auth
        if any(h.name.strip().lower() == "authorization" for h in headers):
            self.warn(
                "both an Authorization header and -u/--oauth2-bearer: curl sends the header, "
                "so the -u/--oauth2-bearer credentials were dropped"
            )
            return Auth()
        return auth


# --- option handlers ---------------------------------------------------------------------------


def _on_request(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.method = value


def _on_header(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    if value.startswith("@"):
        lines = p.read_text_file(value[1:], "-H").splitlines()
        for line in lines:
            if line.strip():
                _add_header(p, line)
        return
    _add_header(p, value)


def _add_header(p: _CurlParser, line: str) -> None:
    name, colon, value = line.partition(":")
    if colon:
        value = value.lstrip(" \t")
        if value.strip(" \t\r\n"):
            p.headers.append(Header(name, value))
        else:
            p.removed.append(name.strip().lower())
        return
    bare, semicolon, rest = line.partition(";")
    if semicolon and not rest.strip():
        p.headers.append(Header(bare, ""))  # `Name;` sends an empty header
        return
    p.warn(f"-H {line!r} is not a header (no colon); curl does not send it")


def _on_data(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    name = option.long
    if name == "data-raw" or not value.startswith("@"):
        p.data.append(_DataPiece(value))
        return
    label = option.label
    content = p.read_text_file(value[1:], label)
    if name in ("data", "data-ascii"):
        content = content.replace("\r", "").replace("\n", "")  # as curl does for -d @file
    p.data.append(_DataPiece(content))


def _on_json(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    content = p.read_text_file(value[1:], "--json") if value.startswith("@") else value
    p.json = True
    p.data.append(_DataPiece(content, joined_with_ampersand=False))


def _name_and_content(value: str) -> tuple[str, str, str]:
    """curl's `content`, `=content`, `name=content`, `@file`, `name@file`: '=' is looked for
    first. Returns (name, "=" or "@" or "", content)."""
    cut = value.find("=")
    if cut < 0:
        cut = value.find("@")
    if cut < 0:
        return "", "", value
    return value[:cut], value[cut], value[cut + 1 :]


def _on_data_urlencode(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    """curl's rules: `content`, `=content`, `name=content`, `@file`, `name@file`; '=' is
    looked for first, and only the content is encoded."""
    name, separator, content = _name_and_content(value)
    if separator == "@":
        content = p.read_text_file(content, "--data-urlencode")
    encoded = _urlencode_template(content, p, "--data-urlencode")
    p.data.append(_DataPiece(f"{name}={encoded}" if name else encoded))


def _on_url_query(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    if value.startswith("+"):
        p.url_query.append(value[1:])
        return
    name, separator, content = _name_and_content(value)
    if separator == "@":
        content = p.read_text_file(content, "--url-query")
    # curl 7.88 writes --url-query escapes in lower case (%c3), unlike --data-urlencode.
    encoded = _urlencode_template(content, p, "--url-query", lower_hex=True)
    p.url_query.append(f"{name}={encoded}" if name else encoded)


def _on_form(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    literal = option.long == "form-string"
    parsed = curl_form.parse_form_argument(value, literal=literal, label=option.label)
    p.warnings.extend(w for w in parsed.warnings if w not in p.warnings)
    form_field = parsed.form_field
    if parsed.value_file:
        form_field = replace(form_field, value=p.read_text_file(parsed.value_file, "-F <"))
    if form_field.file:
        path = p._literal(form_field.file, option.label)
        form_field = replace(form_field, file=path)
    p.form.append(form_field)


def _on_user(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    username, colon, password = value.partition(":")
    if not colon:
        p.warn(f"-u {username!r} has no password: curl would prompt for it; none was imported")
    if p.auth.kind is not AuthKind.BEARER:  # --oauth2-bearer wins in curl, in any order
        p.auth = Auth(AuthKind.BASIC, username=username, password=password)
    p.user_given = True


def _on_bearer(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.auth = Auth(AuthKind.BEARER, token=value)


def _on_cookie(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    if "=" in value:
        p.cookies.append(value)
    elif value:
        p.warn(f"-b {value!r} names a cookie file: its cookies were not imported")


def _on_user_agent(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    if value:
        p.user_agent = value
    else:
        p.user_agent = None
        p.removed.append("user-agent")


def _on_referer(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    if value.endswith(";auto"):
        value = value[: -len(";auto")]
        p.warn("-e ';auto': setting Referer on redirects is not supported")
    p.referer = value or None


def _on_range(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.range = value


def _on_insecure(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.options = replace(p.options, verify=negated)


def _on_location(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.options = replace(p.options, follow_redirects=not negated)
    if option.long == "location-trusted" and not negated:
        p.warn("--location-trusted: credentials are not resent to other hosts on redirects")


def _on_max_redirs(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    text = p._literal(value, option.label)
    try:
        count = int(text)
    except ValueError:
        raise InteropError(f"option --max-redirs: expected a whole number, got {text!r}") from None
    if count < 0:
        p.warn("--max-redirs -1 (unlimited) is not supported: using 50")
        count = CURL_DEFAULT_MAX_REDIRECTS
    p.max_redirects = count


def _on_http_version(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    name = option.long
    p.options = replace(p.options, http2=name.startswith("http2"))
    if name in ("http1.0", "http3", "http3-only", "http2-prior-knowledge"):
        fallback = "HTTP/2 negotiated with ALPN" if name.startswith("http2") else "HTTP/1.1"
        p.warn(f"{option.label}: not supported by reqscope, using {fallback}")


def _on_proxy(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    if value and "://" not in value:
        value = f"http://{value}"
    p.options = replace(p.options, proxy=value)


def _on_cert(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    # FILE[:PASSWORD]; `\:` is a colon in the file name, as in curl.
    path, password = value, ""
    match = re.search(r"(?<!\\):", value)
    if match is not None:
        path, password = value[: match.start()], value[match.end() :]
    path = path.replace("\\:", ":")
    if password:
        p.warn("--cert FILE:PASSWORD: encrypted client keys are not supported; password dropped")
    p.options = replace(p.options, client_cert=p._literal(path, "--cert"))


def _on_key(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.options = replace(p.options, client_key=p._literal(value, "--key"))


def _on_cacert(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.options = replace(p.options, ca_bundle=p._literal(value, "--cacert"))


def _on_max_time(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.options = replace(p.options, timeout=p.seconds(value, option.label))


def _on_connect_timeout(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.options = replace(p.options, connect_timeout=p.seconds(value, option.label))


def _on_get(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.get = not negated


def _on_head(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.head = not negated


def _on_globoff(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.globoff = not negated


def _on_url(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.urls.append(value)


def _on_upload(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.upload = p.read_text_file(value, "-T")
    p.upload_name = Path(p._literal(value, "-T")).name


def _on_proto_default(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.proto_default = p._literal(value, option.label)


def _on_config(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.warn(f"-K {value!r}: options in a curl config file are not imported")


def _on_auth_method(p: _CurlParser, value: str, negated: bool, option: CurlOption) -> None:
    p.warn(f"{option.label}: only Basic authentication is supported; -u is sent as Basic")


_Handler = Callable[[_CurlParser, str, bool, CurlOption], None]
_HANDLERS: dict[str, _Handler] = {
    "request": _on_request,
    "header": _on_header,
    "data": _on_data,
    "data-ascii": _on_data,
    "data-binary": _on_data,
    "data-raw": _on_data,
    "data-urlencode": _on_data_urlencode,
    "json": _on_json,
    "url-query": _on_url_query,
    "form": _on_form,
    "form-string": _on_form,
    "user": _on_user,
    "oauth2-bearer": _on_bearer,
    "cookie": _on_cookie,
    "user-agent": _on_user_agent,
    "referer": _on_referer,
    "range": _on_range,
    "insecure": _on_insecure,
    "location": _on_location,
    "location-trusted": _on_location,
    "max-redirs": _on_max_redirs,
    "http1.0": _on_http_version,
    "http1.1": _on_http_version,
    "http2": _on_http_version,
    "http2-prior-knowledge": _on_http_version,
    "http3": _on_http_version,
    "http3-only": _on_http_version,
    "proxy": _on_proxy,
    "cert": _on_cert,
    "key": _on_key,
    "cacert": _on_cacert,
    "max-time": _on_max_time,
    "connect-timeout": _on_connect_timeout,
    "get": _on_get,
    "head": _on_head,
    "globoff": _on_globoff,
    "url": _on_url,
    "upload-file": _on_upload,
    "proto-default": _on_proto_default,
    "config": _on_config,
    "digest": _on_auth_method,
    "ntlm": _on_auth_method,
    "negotiate": _on_auth_method,
    "anyauth": _on_auth_method,
}


# --- helpers -----------------------------------------------------------------------------------


def _join_data(pieces: list[_DataPiece]) -> str:
    out = ""
    for index, piece in enumerate(pieces):
        if index and piece.joined_with_ampersand:
            out += "&"
        out += piece.text
    return out


def _urlencode_template(
    content: str, p: _CurlParser, label: str, *, lower_hex: bool = False
) -> str:
    """Encode like curl 7.88 (`curl_easy_escape`, then %20 as `+`), leaving references as
    they are: their values are not known until sending."""
    out: list[str] = []
    for part in segments(content):
        if part.reference:
            out.append("{{" + part.reference + "}}")
            p.warn(f"{label}: the value of {{{{{part.reference}}}}} will be sent unencoded")
        else:
            raw = part.text.encode("utf-8", "surrogateescape")
            encoded = quote(raw, safe="").replace("%20", "+")
            if lower_hex:
                encoded = re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded)
            out.append(escape_literal(encoded))
    return "".join(out)


def _append_query(url: str, query: str) -> str:
    base, hash_mark, fragment = url.partition("#")
    joined = f"{base}&{query}" if "?" in base else f"{base}?{query}"
    return joined + hash_mark + fragment


def _path(url: str) -> str:
    try:
        return urlsplit(url).path or "/"
    except ValueError:
        return url


def _is_json_type(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == JSON_CONTENT_TYPE or media.endswith("+json")


__all__ = ["CurlImport", "looks_like_curl", "request_from_curl", "to_curl"]
