"""The Raw tab: the exchange as on the wire, like `curl -v` — `*` notes (connection, TLS,
redirects), `>` request lines, `<` response lines, then the head of the body. Secrets are
masked through the Redactor and control characters drawn as pictures, so a hostile body
cannot drive the terminal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from reqscope.core.model import Exchange, Response, SentRequest, TlsInfo
from reqscope.core.redact import Redactor
from reqscope.ui.formatting import error_kind_label, host_port, human_size, inert
from reqscope.ui.widgets.redirects_view import dropped_note

BODY_HEAD_CHARS = 16 * 1024  # the Body tab shows the rest, virtualised
REQUEST_BODY_HEAD_CHARS = 4 * 1024


def _note(text: str, style: str = "$text-muted") -> Content:
    return Content.styled(f"* {text}", style)


def _header_line(mark: str, name: str, value: str) -> Content:
    return Content.assemble((f"{mark} ", "$accent"), (inert(name), "bold"), ": ", inert(value))


def tls_lines(tls: TlsInfo) -> list[Content]:
    lines = [_note(f"TLS {inert(tls.version)} / {inert(tls.cipher)}".strip(" /"))]
    for label, value in (
        ("subject", tls.peer_subject),
        ("issuer", tls.peer_issuer),
        ("valid from", tls.peer_not_before),
        ("valid until", tls.peer_not_after),
        ("SAN", ", ".join(tls.peer_san)),
    ):
        if value:
            lines.append(_note(f"  {label}: {inert(value)}"))
    return lines


def body_head(data: bytes, text: str, *, is_binary: bool, limit: int) -> tuple[str, int]:
    """The first `limit` characters of a body (`text` is its decoded start, already scrubbed;
    "" to decode `data`), and how many bytes of `data` that leaves out."""
    if is_binary or b"\x00" in data[:1024]:
        return f"[{human_size(len(data))} of binary data]", 0
    if not text:
        text = data[: limit * 4].decode("utf-8", errors="replace")
    head = text[:limit]
    return head, max(len(data) - len(head.encode("utf-8", errors="replace")), 0)


def _request_lines(sent: SentRequest, redactor: Redactor) -> list[Content]:
    lines = [
        Content.assemble(
            ("> ", "$accent"),
            (inert(f"{sent.method} {redactor.url(sent.target)} {sent.http_version}"), "bold"),
        )
    ]
    lines += [
        _header_line(">", name, redactor.header_value(name, value)) for name, value in sent.headers
    ]
    lines.append(Content.styled(">", "$accent"))
    if sent.body:
        start = sent.body[: REQUEST_BODY_HEAD_CHARS * 4].decode("utf-8", errors="replace")
        head, left = body_head(
            sent.body, redactor.scrub(start), is_binary=False, limit=REQUEST_BODY_HEAD_CHARS
        )
        lines.append(Content(inert(head, keep_newlines=True)))
        if left:
            lines.append(_note(f"… {human_size(left)} more of the request body"))
    return lines


def _response_lines(response: Response, redactor: Redactor) -> list[Content]:
    lines = [
        Content.assemble(
            ("< ", "$accent"),
            (inert(f"{response.http_version} {response.status} {response.reason}"), "bold"),
        )
    ]
    lines += [
        _header_line("<", name, redactor.header_value(name, value))
        for name, value in response.headers
    ]
    lines.append(Content.styled("<", "$accent"))
    if response.body:
        # Scrub a little past the cut so a secret straddling it is still masked.
        start = redactor.scrub(response.text[: BODY_HEAD_CHARS + 256])
        head, left = body_head(
            response.body, start, is_binary=response.is_binary, limit=BODY_HEAD_CHARS
        )
        lines.append(Content(inert(head, keep_newlines=True)))
        if left:
            lines.append(_note(f"… {human_size(left)} more in the Body tab"))
    if response.truncated:
        lines.append(_note("body truncated: only the first part was kept", "$warning"))
    return lines


def raw_lines(exchange: Exchange, redactor: Redactor) -> list[Content]:
    """The whole transcript, line by line."""
    if exchange.timings.reused_connection:
        connection = "re-used existing connection to"
    else:
        connection = "connected to" if exchange.response is not None else "trying"
    lines = [_note(f"{connection} {inert(host_port(redactor.url(exchange.request.url)))}")]
    if exchange.tls is not None:
        lines += tls_lines(exchange.tls)
    lines += _request_lines(exchange.request, redactor)
    for hop in exchange.redirects:
        location = inert(redactor.url(hop.location))
        lines.append(_note(f"{hop.status} redirect to {location}", "$accent"))
        note = dropped_note(hop)
        if note:
            lines.append(_note(note, "bold $warning"))
    error = exchange.error
    if error is not None:
        message = inert(redactor.scrub(error.message))
        lines.append(_note(f"{error_kind_label(error.kind)}: {message}", "bold $error"))
    if exchange.response is not None:
        lines += _response_lines(exchange.response, redactor)
    return lines


class RawView(VerticalScroll):
    """Scrollable curl -v style transcript."""

    DEFAULT_CSS = """
    RawView {
        height: 1fr;
        padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="raw-text")

    def show(self, exchange: Exchange | None, redactor: Redactor) -> None:
        lines = raw_lines(exchange, redactor) if exchange is not None else []
        self.query_one("#raw-text", Static).update(Content("\n").join(lines))
        self.scroll_home(animate=False)

    @property
    def text(self) -> str:
        """The transcript as plain text, as shown (masked)."""
        return str(self.query_one("#raw-text", Static).content)
