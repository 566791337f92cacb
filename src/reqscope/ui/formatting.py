"""Pure text helpers shared by the response and diagnosis widgets: sizes, durations, status
colours, inert display of untrusted text. Kept free of Textual so they are trivially testable
and the widgets stay about layout."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from reqscope.core.model import ErrorKind, FixAction, TransportError

_SIZE_UNITS = ("KiB", "MiB", "GiB", "TiB")


def human_size(size: int) -> str:
    """`512 B`, `1.5 KiB`, `20.0 MiB`: binary units, one decimal above bytes."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in _SIZE_UNITS:
        value /= 1024
        if value < 1024 or unit == _SIZE_UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def human_duration(ms: float | None) -> str:
    """`0.42 ms`, `12 ms`, `1.25 s`, `2 m 05 s`; `–` when a phase was not measured."""
    if ms is None:
        return "–"
    if ms < 10:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} m {rest:02d} s"


def status_class(status: int) -> str:
    """The class of a status code as a word, used for CSS classes and colours."""
    if 200 <= status < 300:
        return "success"
    if 300 <= status < 400:
        return "redirect"
    if 400 <= status < 500:
        return "client-error"
    if status >= 500:
        return "server-error"
    return "informational"


_STATUS_COLOURS = {
    "success": "$success",
    "redirect": "$primary",
    "client-error": "$warning",
    "server-error": "$error",
    "informational": "$text-muted",
}


def status_colour(status: int) -> str:
    """The theme variable a status is drawn in: 2xx success, 3xx primary, 4xx warning, 5xx
    error (not $accent for 3xx: several themes, textual-dark among them, make it the same
    colour as $warning). Theme variables keep every theme, 256 colours and NO_COLOR working."""
    return _STATUS_COLOURS[status_class(status)]


def _control_picture(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟, e.g. ESC shows as ␛
    if code == 0x7F:
        return "␡"
    return f"\\x{code:02x}"  # C1 controls have no picture: show the escape


def inert(text: str, *, keep_newlines: bool = False, tab_size: int = 4) -> str:
    """Untrusted text made safe to draw: control characters (ESC, CR, BEL, C1 ...) become
    visible pictures so a response cannot move the cursor or recolour the terminal; tabs
    become spaces. Markup needs no escaping as long as callers build Content from plain
    strings, which they must."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if char == "\t":
            out.append(" " * tab_size)
        elif char == "\n" and keep_newlines:
            out.append(char)
        elif code < 0x20 or 0x7F <= code < 0xA0:
            out.append(_control_picture(char))
        else:
            out.append(char)
    return "".join(out)


def score_bar(score: float, width: int = 10) -> str:
    """A small bar for a 0..1 score: `███████░░░`."""
    clamped = min(max(score, 0.0), 1.0)
    filled = round(clamped * width)
    return "█" * filled + "░" * (width - filled)


def percent(score: float) -> str:
    return f"{round(min(max(score, 0.0), 1.0) * 100)}%"


def proportional_widths(values: Sequence[float], width: int) -> list[int]:
    """Split `width` cells between `values` in proportion (largest remainder). A non-zero
    value too small for a cell still gets one when there is room, so a 0.2 ms DNS phase
    stays visible next to a 2 s wait; the others share what is left."""
    positive = [i for i, v in enumerate(values) if v > 0]
    total = sum(values[i] for i in positive)
    widths = [0] * len(values)
    if width <= 0 or total <= 0:
        return widths
    tiny = set()
    if len(positive) <= width:
        tiny = {i for i in positive if values[i] / total * width < 1}
    for i in tiny:
        widths[i] = 1
    rest = [i for i in positive if i not in tiny]
    rest_width = width - len(tiny)
    rest_total = sum(values[i] for i in rest)
    shares = {i: values[i] / rest_total * rest_width for i in rest}
    for i in rest:
        widths[i] = int(shares[i])
    by_remainder = sorted(rest, key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in by_remainder[: width - sum(widths)]:
        widths[i] += 1
    return widths


def host_port(url: str) -> str:
    """`host:port` of a URL with the scheme's default port filled in, for messages."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    host = parts.hostname or url
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return f"{host}:{port}"


_ERROR_KIND_LABELS = {
    ErrorKind.INVALID_URL: "invalid URL",
    ErrorKind.DNS: "DNS lookup failed",
    ErrorKind.CONNECT_REFUSED: "connection refused",
    ErrorKind.CONNECT_ERROR: "connection failed",
    ErrorKind.CONNECT_TIMEOUT: "connect timeout",
    ErrorKind.READ_TIMEOUT: "read timeout",
    ErrorKind.WRITE_TIMEOUT: "write timeout",
    ErrorKind.POOL_TIMEOUT: "pool timeout",
    ErrorKind.TOTAL_TIMEOUT: "timeout",
    ErrorKind.TLS: "TLS error",
    ErrorKind.PROTOCOL: "protocol error",
    ErrorKind.PROXY: "proxy error",
    ErrorKind.TOO_MANY_REDIRECTS: "too many redirects",
    ErrorKind.REQUEST_BODY: "request body error",
    ErrorKind.INVALID_REQUEST: "invalid request",
    ErrorKind.OTHER: "transport error",
}


def error_kind_label(kind: ErrorKind) -> str:
    return _ERROR_KIND_LABELS.get(kind, str(kind))


def transport_error_hint(error: TransportError, url: str) -> str:
    """One helpful line for a send that got no response, built from the error kind: what
    happened and the next thing to check."""
    where = host_port(url)
    host = where.rpartition(":")[0] or where
    message = inert(error.message)
    kind = error.kind
    if kind is ErrorKind.CONNECT_REFUSED:
        return f"No response: the connection was refused — is the server running on {where}?"
    if kind is ErrorKind.DNS:
        return (
            f"No response: the host name {host} did not resolve — check its spelling, "
            "your DNS or VPN."
        )
    if kind is ErrorKind.CONNECT_ERROR:
        return (
            f"No response: could not connect to {where} — check the host, the port, "
            "the network and any firewall."
        )
    if kind is ErrorKind.CONNECT_TIMEOUT:
        return (
            f"No response: connecting to {where} timed out — the host may be down or a "
            "firewall may be dropping packets."
        )
    if kind is ErrorKind.READ_TIMEOUT:
        return (
            f"No response: {where} accepted the request but did not answer in time — the "
            "server may be slow or stuck; raise the timeout or check its logs."
        )
    if kind is ErrorKind.WRITE_TIMEOUT:
        return f"No response: sending the request to {where} timed out."
    if kind is ErrorKind.POOL_TIMEOUT:
        return "No response: no connection became free in time — too many requests at once?"
    if kind is ErrorKind.TOTAL_TIMEOUT:
        return f"No response: the exchange with {where} exceeded the request's timeout."
    if kind is ErrorKind.TLS:  # the engine's message already names the TLS reason
        return f"No response from {where}: {message}"
    if kind is ErrorKind.PROTOCOL:
        return (
            f"No response: {where} answered with something that is not valid HTTP — an "
            "https port spoken to over http, or the reverse?"
        )
    if kind is ErrorKind.PROXY:
        return f"No response: the proxy failed — check the proxy setting ({message})."
    if kind is ErrorKind.TOO_MANY_REDIRECTS:
        return "No final response: too many redirects — the server may redirect in a loop."
    if kind is ErrorKind.INVALID_URL:
        return f"Not sent: the URL is not valid — {message}"
    if kind is ErrorKind.REQUEST_BODY:
        return f"Not sent: the request body could not be built — {message}"
    if kind is ErrorKind.INVALID_REQUEST:
        return f"Not sent: {message} — check the method and header names and values."
    return f"No response: {message}"


def describe_action(kind: str, name: str = "", value: str = "") -> str:
    """A FixAction as a short imperative, for the "try fix" hint (values drawn inert)."""
    # Imported here: the diagnosis package loads its engine, which start-up does not need.
    from reqscope.core.diagnosis.actions import describe_action as in_words

    return in_words(FixAction(inert(kind), inert(name), inert(value)))
