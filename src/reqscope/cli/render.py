"""How an Exchange is printed by the headless commands (`send`, and `why`/`replay` reuse it):
text for people, JSON for scripts.

Everything that came from the network is made inert before it reaches a terminal: control
characters (ESC, BEL, CR, C1 controls, bidi overrides) are shown as visible symbols, so a
body full of escape codes cannot repaint, retitle or write the clipboard of the user's
terminal — whether the output is a TTY or piped to a file that is `cat`-ed later.
Redaction is the caller's job (pass a redacted Exchange).
"""

from __future__ import annotations

import base64
import json
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from reqscope.core.model import Exchange, Response, Timings

HIGHLIGHT_MAX_CHARS = 512 * 1024  # bigger bodies are printed plain: lexing them takes seconds

_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ANSI = {
    "reset": "\x1b[0m",
    "dim": "\x1b[2m",
    "bold": "\x1b[1m",
    "green": "\x1b[32m",
    "cyan": "\x1b[36m",
    "yellow": "\x1b[33m",
    "red": "\x1b[31m",
}
_LEXERS = {
    "json": "json",
    "html": "html",
    "xml": "xml",
    "javascript": "javascript",
    "css": "css",
    "yaml": "yaml",
    "x-yaml": "yaml",
}


def inert(text: str) -> str:
    """Text safe to print: CRLF becomes LF; other control characters become visible
    symbols (ESC -> ␛, a lone CR -> ␍, C1 and bidi controls -> <U+XXXX>)."""
    text = text.replace("\r\n", "\n")
    return _UNSAFE.sub(_symbol, text)


def _symbol(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)
    if code == 0x7F:
        return "\u2421"
    return f"<U+{code:04X}>"


def exchange_to_dict(exchange: Exchange) -> dict[str, Any]:
    """The JSON shape of an exchange (stable keys; see `reqscope send --help`)."""
    sent = exchange.request
    response = exchange.response
    data: dict[str, Any] = {
        "request": {
            "method": sent.method,
            "url": sent.url,
            "http_version": sent.http_version,
            "headers": [[name, value] for name, value in sent.headers],
            **_bytes_field(sent.body),
        },
        "status": response.status if response else None,
        "reason": response.reason if response else None,
        "http_version": response.http_version if response else None,
        "error": None,
        "timings": _timings_dict(exchange.timings),
        "headers": [[name, value] for name, value in response.headers] if response else [],
        "body": None,
        "body_base64": False,
        "redirects": [
            {
                "method": hop.method,
                "url": hop.url,
                "status": hop.status,
                "location": hop.location,
                "dropped_headers": list(hop.dropped_headers),
                "next_method": hop.next_method,
                "next_url": hop.next_url,
            }
            for hop in exchange.redirects
        ],
        "tls": _tls_dict(exchange),
        "started_at": exchange.started_at.isoformat() if exchange.started_at else None,
    }
    if exchange.error is not None:
        error = exchange.error
        data["error"] = {"kind": str(error.kind), "message": error.message, "detail": error.detail}
    if response is not None:
        if response.is_binary:
            data.update(_bytes_field(response.body, force_base64=True))
        else:
            data["body"] = response.text
        data.update(
            charset=response.charset,
            is_binary=response.is_binary,
            truncated=response.truncated,
            size=response.size,
        )
    return data


def render_json(exchange: Exchange, extra: Mapping[str, Any] | None = None) -> str:
    """One JSON document; `extra` adds top-level keys (e.g. a diagnosis)."""
    data = exchange_to_dict(exchange)
    if extra:
        data.update(extra)
    # ensure_ascii=False keeps non-Latin text readable; DEL, C1 and bidi controls, which
    # JSON allows raw, are escaped so the document is inert on a terminal too.
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text) + "\n"


def render_text(
    exchange: Exchange,
    *,
    color: bool = False,
    diagnosis: Sequence[str] = (),
    body_saved_to: str = "",
) -> str:
    """Status line, [diagnosis], timings, redirects, TLS, request and response headers, body.

    `diagnosis` holds the lines the diagnosis contributes (a one-line summary), printed
    right under the status line where the eye lands first. With `body_saved_to` (a file the
    body was written to) the body is not printed, only where it went.
    """
    paint = _painter(color)
    lines: list[str] = []
    response = exchange.response
    if response is not None:
        status = f"{response.http_version} {response.status} {inert(response.reason)}".rstrip()
        lines.append(paint(status, "bold", _status_color(response.status)))
    elif exchange.error is not None:
        error = exchange.error
        lines.append(paint(f"error: {error.kind}: {inert(error.message)}", "bold", "red"))
    lines.extend(inert(line) for line in diagnosis)
    lines.append(paint("timing  ", "dim") + _timings_line(exchange.timings))
    for hop in exchange.redirects:
        dropped = f"  dropped: {', '.join(hop.dropped_headers)}" if hop.dropped_headers else ""
        target = hop.next_url or hop.location
        change = f" as {hop.next_method}" if hop.next_method not in ("", hop.method) else ""
        lines.append(
            paint("redirect", "dim")
            + inert(f"{hop.status} {hop.method} {hop.url} -> {target}{change}{dropped}")
        )
    if exchange.tls is not None:
        lines.append(paint("tls     ", "dim") + inert(_tls_line(exchange)))
    sent = exchange.request
    lines.append(paint(inert(f"> {sent.request_line}"), "dim"))
    for name, value in sent.headers:
        lines.append(paint(f"> {inert(name)}:", "dim") + f" {inert(value)}")
    if sent.body:
        lines.append(paint(f"> [body: {_size(len(sent.body))}]", "dim"))
    if response is not None:
        for name, value in response.headers:
            lines.append(paint(f"< {inert(name)}:", "cyan") + f" {inert(value)}")
    text = "\n".join(lines) + "\n"
    if response is not None and body_saved_to:
        text += f"\n[body: {_size(len(response.body))} written to {inert(body_saved_to)}]\n"
    elif response is not None:
        text += _body_text(response, color)
    return text


def write(text: str, stream: TextIO | None = None) -> None:
    """Print to `stream` (stdout), degrading characters its encoding lacks instead of failing."""
    out = sys.stdout if stream is None else stream
    try:
        out.write(text)
    except UnicodeEncodeError:
        encoding = out.encoding or "ascii"
        out.write(text.encode(encoding, "backslashreplace").decode(encoding))
    out.flush()


def _body_text(response: Response, color: bool) -> str:
    if response.is_binary:
        kind = response.header("content-type") or "unknown type"
        return (
            f"\n[binary body: {_size(len(response.body))}, {inert(kind)}; not printed — "
            "use -o FILE to save it, or --format json for base64]\n"
        )
    if not response.text:
        return ""
    body = inert(response.text)
    if color and len(body) <= HIGHLIGHT_MAX_CHARS:
        body = _highlight(body, response.header("content-type") or "")
    text = "\n" + body + ("" if body.endswith("\n") else "\n")
    if response.truncated:
        text += (
            f"[truncated: kept the first {_size(len(response.body))} of "
            f"{_size(response.size)}+ (max body size)]\n"
        )
    return text


def _highlight(text: str, content_type: str) -> str:
    subtype = content_type.partition(";")[0].strip().lower().rpartition("/")[2]
    name = _LEXERS.get(subtype.rpartition("+")[2] or subtype)
    if name is None:
        return text
    from pygments import highlight  # type: ignore[import-untyped]
    from pygments.formatters import TerminalFormatter  # type: ignore[import-untyped]
    from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]

    return str(highlight(text, get_lexer_by_name(name), TerminalFormatter()))


def _painter(color: bool) -> Callable[..., str]:
    def paint(text: str, *styles: str) -> str:
        if not color or not styles:
            return text
        return "".join(_ANSI[s] for s in styles) + text + _ANSI["reset"]

    return paint


def _status_color(status: int) -> str:
    if status < 300:
        return "green"
    if status < 400:
        return "cyan"
    if status < 500:
        return "yellow"
    return "red"


def _timings_line(timings: Timings) -> str:
    parts = []
    for label, value in (
        ("dns", timings.dns_ms),
        ("connect", timings.connect_ms),
        ("tls", timings.tls_ms),
        ("send", timings.send_ms),
        ("wait", timings.wait_ms),
        ("receive", timings.receive_ms),
    ):
        if value is not None:
            parts.append(f"{label} {value:.1f}")
    parts.append(f"total {timings.total_ms:.1f} ms")
    line = " · ".join(parts)
    if timings.reused_connection and timings.send_ms is not None:
        line += " (reused connection)"
    return line


def _timings_dict(timings: Timings) -> dict[str, Any]:
    return {
        "dns_ms": timings.dns_ms,
        "connect_ms": timings.connect_ms,
        "tls_ms": timings.tls_ms,
        "send_ms": timings.send_ms,
        "wait_ms": timings.wait_ms,
        "receive_ms": timings.receive_ms,
        "total_ms": timings.total_ms,
        "reused_connection": timings.reused_connection,
    }


def _tls_dict(exchange: Exchange) -> dict[str, Any] | None:
    tls = exchange.tls
    if tls is None:
        return None
    return {
        "version": tls.version,
        "cipher": tls.cipher,
        "peer_subject": tls.peer_subject,
        "peer_issuer": tls.peer_issuer,
        "peer_not_before": tls.peer_not_before,
        "peer_not_after": tls.peer_not_after,
        "peer_san": list(tls.peer_san),
    }


def _tls_line(exchange: Exchange) -> str:
    tls = exchange.tls
    assert tls is not None
    parts = [tls.version, tls.cipher]
    if tls.peer_subject:
        parts.append(tls.peer_subject)
    if tls.peer_not_after:
        parts.append(f"valid until {tls.peer_not_after}")
    return " · ".join(p for p in parts if p)


def _bytes_field(data: bytes, *, force_base64: bool = False) -> dict[str, Any]:
    if not force_base64:
        try:
            return {"body": data.decode("utf-8"), "body_base64": False}
        except UnicodeDecodeError:
            pass
    return {"body": base64.b64encode(data).decode("ascii"), "body_base64": True}


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"
