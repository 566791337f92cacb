"""The lab's generic routes: echo, status codes, delays, redirect chains, encodings, big and
binary bodies, streaming, cookies and charsets. They exercise the engine and the body view;
the refusal scenarios live in their own module.

Every size and delay is bounded so a typo in a URL cannot exhaust the machine.
"""

from __future__ import annotations

import base64
import gzip
import json
import random
import time
from collections.abc import Iterator
from functools import lru_cache
from http.cookies import SimpleCookie
from urllib.parse import quote

from reqscope.lab.routing import LabRequest, LabResponse, LabState, router

MAX_DELAY_MS = 30_000
MAX_REDIRECTS = 100
MAX_JSON_MB = 100
MAX_BYTES = 100 * 1024 * 1024
MAX_STREAM_CHUNKS = 10_000
MAX_STREAM_DELAY_MS = 5_000
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})

# One sample per charset: text each encoding can represent, in its own language.
CHARSET_SAMPLES = {
    "utf-8": "Grüße, 日本語, Ελληνικά — naïve café ✓\n",
    "iso-8859-1": "Café crème, naïve façade, señor Müller à Genève.\n",
    "windows-1252": "“Smart quotes” and a euro sign: 5 € — café déjà vu.\n",
    "shift_jis": "日本語のテキストです。ひらがなとカタカナ、漢字を含みます。\n",
    "euc-jp": "これは日本語の文章です。東京と大阪の天気を確認してください。\n",
    "gb18030": "这是一个简体中文的例子，用于测试字符集检测功能是否正常。\n",
    "big5": "這是一個繁體中文的例子，用來測試字元集偵測功能。\n",
    "euc-kr": "이것은 한국어 문장입니다. 문자 집합 감지를 시험합니다.\n",
    "utf-16": "UTF-16 with a byte-order mark: Grüße ✓\n",
}
CHARSET_ALIASES = {"latin-1": "iso-8859-1", "latin1": "iso-8859-1", "cp1252": "windows-1252",
                   "sjis": "shift_jis", "utf8": "utf-8"}  # fmt: skip

ANSI_BODY = (
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b[1;31mRED BOLD\x1b[0m normal \x1b[42mgreen background\x1b[0m\n"
    "\x1b]0;reqscope lab: window title changed\x07"  # OSC 0: set the window title
    "\x1b]8;;https://example.invalid/phish\x1b\\a hyperlink\x1b]8;;\x1b\\\n"  # OSC 8
    "\x1b]52;c;ZWNobyBwd25lZA==\x07"  # OSC 52: write to the clipboard
    "Rich markup that must stay text: [bold red]not bold[/bold red] "
    "[link=https://example.invalid]not a link[/link] [reverse]x[/]\n"
    "\x1b[5A\x1b[Kcursor moved up five lines and erased\n"
    "a bell \x07 and a backspace \x08 and a carriage return\rover\n"
)


def _number(request: LabRequest, name: str) -> int | None:
    try:
        return int(request.params[name])
    except (KeyError, ValueError):
        return None


def _bad(message: str) -> LabResponse:
    return LabResponse.json({"error": message}, status=400)


def _body_field(body: bytes) -> dict[str, object]:
    try:
        return {"body": body.decode("utf-8"), "body_base64": False}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode("ascii"), "body_base64": True}


def _echo(request: LabRequest) -> dict[str, object]:
    return {
        "method": request.method,
        "path": request.path,
        "query": [[key, value] for key, values in request.query.items() for value in values],
        "headers": [[name, value] for name, value in request.headers],
        **_body_field(request.body),
        "client_ip": request.client_ip,
    }


@router.route("/echo", summary="Echo method, path, query, headers (ordered), body, client IP")
def echo(request: LabRequest, state: LabState) -> LabResponse:
    return LabResponse.json(_echo(request))


@router.route("/status/{code}", summary="Respond with the given status code (100-599)")
def status(request: LabRequest, state: LabState) -> LabResponse:
    code = _number(request, "code")
    if code is None or not 200 <= code <= 599:
        return _bad("status must be a number from 200 to 599")
    if code in (204, 304):
        return LabResponse(code, [], b"")
    return LabResponse.json({"status": code}, status=code)


@router.route("/delay/{ms}", summary="Wait ms milliseconds (max 30000), then echo")
def delay(request: LabRequest, state: LabState) -> LabResponse:
    ms = _number(request, "ms")
    if ms is None or not 0 <= ms <= MAX_DELAY_MS:
        return _bad(f"delay must be 0-{MAX_DELAY_MS} ms")
    time.sleep(ms / 1000)
    return LabResponse.json({"delayed_ms": ms, **_echo(request)})


def _redirect(location: str, request: LabRequest) -> LabResponse:
    code = int(request.arg("status", "302") or 302)
    if code not in REDIRECT_CODES:
        code = 302
    return LabResponse(
        code, [("Location", location), ("Content-Type", "text/plain")], location.encode()
    )


def _status_query(request: LabRequest) -> str:
    code = request.arg("status")
    return f"?status={quote(code)}" if code else ""


@router.route("/redirect/{n}", summary="n same-origin redirects ending at /echo (?status=307)")
def redirect(request: LabRequest, state: LabState) -> LabResponse:
    n = _number(request, "n")
    if n is None or not 1 <= n <= MAX_REDIRECTS:
        return _bad(f"n must be 1-{MAX_REDIRECTS}")
    target = "/echo" if n == 1 else f"/redirect/{n - 1}{_status_query(request)}"
    return _redirect(target, request)


@router.route(
    "/redirect-cross/{n}", summary="Redirect to the sibling lab port (cross-origin), n hops"
)
def redirect_cross(request: LabRequest, state: LabState) -> LabResponse:
    n = _number(request, "n")
    if n is None or not 1 <= n <= MAX_REDIRECTS:
        return _bad(f"n must be 1-{MAX_REDIRECTS}")
    if state.other_port is None:
        return LabResponse.json({"error": "this lab has no sibling port"}, status=500)
    path = "/echo" if n == 1 else f"/redirect/{n - 1}{_status_query(request)}"
    return _redirect(f"{request.scheme}://127.0.0.1:{state.other_port}{path}", request)


@router.route("/redirect-to", summary="Redirect to ?url= (?status=301|302|303|307|308)")
def redirect_to(request: LabRequest, state: LabState) -> LabResponse:
    url = request.arg("url")
    if not url:
        return _bad("pass the target as ?url=")
    return _redirect(url, request)


@router.route("/gzip", summary="A JSON body with Content-Encoding: gzip")
def gzipped(request: LabRequest, state: LabState) -> LabResponse:
    data = json.dumps({"encoding": "gzip", **_echo(request)}, indent=2).encode()
    return LabResponse(
        200,
        [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
        gzip.compress(data, mtime=0),
    )


@router.route("/brotli", summary="A JSON body with Content-Encoding: br")
def brotli_body(request: LabRequest, state: LabState) -> LabResponse:
    import brotli  # type: ignore[import-untyped]

    data = json.dumps({"encoding": "br", **_echo(request)}, indent=2).encode()
    return LabResponse(
        200,
        [("Content-Type", "application/json"), ("Content-Encoding", "br")],
        brotli.compress(data),
    )


@lru_cache(maxsize=2)
def big_json(megabytes: int) -> bytes:
    """About `megabytes` MB of pretty-printed JSON, the same bytes every time."""
    target = megabytes * 1024 * 1024
    rng = random.Random(megabytes)
    lines = ['{\n  "items": [\n']
    size = len(lines[0])
    index = 0
    while size < target:
        record = {
            "id": index,
            "name": f"item-{index:08d}",
            "score": round(rng.random() * 1000, 3),
            "tags": [rng.choice(("alpha", "beta", "gamma", "delta")) for _ in range(3)],
            "active": rng.random() < 0.5,
        }
        line = ("    " if index == 0 else ",\n    ") + json.dumps(record)
        lines.append(line)
        size += len(line)
        index += 1
    lines.append(f'\n  ],\n  "count": {index}\n}}\n')
    return "".join(lines).encode()


@router.route("/json/{mb}", summary="A big JSON document of about mb MB (1-100), deterministic")
def json_mb(request: LabRequest, state: LabState) -> LabResponse:
    mb = _number(request, "mb")
    if mb is None or not 1 <= mb <= MAX_JSON_MB:
        return _bad(f"size must be 1-{MAX_JSON_MB} MB")
    return LabResponse(200, [("Content-Type", "application/json")], big_json(mb))


@router.route("/bytes/{n}", summary="n pseudo-random bytes (max 100 MiB), application/octet-stream")
def random_bytes(request: LabRequest, state: LabState) -> LabResponse:
    n = _number(request, "n")
    if n is None or not 0 <= n <= MAX_BYTES:
        return _bad(f"n must be 0-{MAX_BYTES}")
    data = random.Random(n).randbytes(n)
    content_type = request.arg("type", "application/octet-stream")
    return LabResponse(200, [("Content-Type", content_type)], data)


@router.route("/ansi", summary="Text full of ANSI/OSC escape codes and Rich markup")
def ansi(request: LabRequest, state: LabState) -> LabResponse:
    return LabResponse.text(ANSI_BODY)


@router.route("/stream/{n}", summary="n JSON lines sent chunked (?delay_ms= between chunks)")
def stream(request: LabRequest, state: LabState) -> LabResponse:
    n = _number(request, "n")
    try:
        delay_ms = int(request.arg("delay_ms", "0") or 0)
    except ValueError:
        delay_ms = -1
    if n is None or not 1 <= n <= MAX_STREAM_CHUNKS:
        return _bad(f"n must be 1-{MAX_STREAM_CHUNKS}")
    if not 0 <= delay_ms <= MAX_STREAM_DELAY_MS or n * delay_ms > MAX_DELAY_MS:
        return _bad(f"delay_ms must be 0-{MAX_STREAM_DELAY_MS} and n*delay_ms <= {MAX_DELAY_MS}")

    def chunks() -> Iterator[bytes]:
        for index in range(n):
            if index and delay_ms:
                time.sleep(delay_ms / 1000)
            yield json.dumps({"id": index, "of": n}).encode() + b"\n"

    return LabResponse(200, [("Content-Type", "application/x-ndjson")], chunks())


@router.route("/cookies/set", summary="Set-Cookie for each ?name=value, then redirect to /cookies")
def cookies_set(request: LabRequest, state: LabState) -> LabResponse:
    headers = [("Location", "/cookies")]
    for name, values in request.query.items():
        cookie = SimpleCookie()
        cookie[name] = values[0]
        cookie[name]["path"] = "/"
        headers.append(("Set-Cookie", cookie[name].OutputString()))
    return LabResponse(302, headers, b"")


@router.route("/cookies", summary="Show the cookies the request carried")
def cookies(request: LabRequest, state: LabState) -> LabResponse:
    return LabResponse.json({"cookies": request.cookies()})


@router.route(
    "/charset/{name}",
    summary="Text in a charset (latin-1, shift_jis, gb18030 ...); ?declare=0 omits it",
)
def charset(request: LabRequest, state: LabState) -> LabResponse:
    name = request.params.get("name", "").lower()
    name = CHARSET_ALIASES.get(name, name)
    sample = CHARSET_SAMPLES.get(name)
    if sample is None:
        return LabResponse.json(
            {"error": "unknown charset", "known": sorted(CHARSET_SAMPLES)}, status=404
        )
    declare = request.arg("declare", "1") != "0"
    content_type = f"text/plain; charset={name}" if declare else "text/plain"
    return LabResponse(200, [("Content-Type", content_type)], sample.encode(name))
