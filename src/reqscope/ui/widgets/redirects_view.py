"""The Redirects tab: the chain hop by hop, with what the client changed on the way. "My token
works with curl but not here" is often an Authorization header dropped on a cross-origin
redirect, so dropped headers are called out in the warning colour."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from reqscope.core.model import Exchange, RedirectHop
from reqscope.core.redact import Redactor
from reqscope.ui.formatting import inert, status_colour


def _origin(url: str) -> tuple[str, str, int | None]:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ("", url, None)
    return (parts.scheme, parts.hostname or "", port)


def next_url(hop: RedirectHop) -> str:
    return hop.next_url or urljoin(hop.url, hop.location)


def dropped_note(hop: RedirectHop) -> str:
    """`Authorization dropped on cross-origin redirect`, or "" when nothing was dropped."""
    if not hop.dropped_headers:
        return ""
    names = ", ".join(inert(name) for name in hop.dropped_headers)
    cross = _origin(hop.url) != _origin(next_url(hop))
    return f"{names} dropped on {'cross-origin ' if cross else ''}redirect"


def redirects_content(exchange: Exchange, redactor: Redactor) -> Content:
    if not exchange.redirects:
        return Content.styled("No redirects: the first response was the final one.", "$text-muted")
    lines: list[Content] = []
    for number, hop in enumerate(exchange.redirects, start=1):
        lines.append(
            Content.assemble(
                (f"{number:>2}  ", "$text-muted"),
                (str(hop.status), f"bold {status_colour(hop.status)}"),
                f"  {inert(hop.method)}  ",
                inert(redactor.url(hop.url)),
            )
        )
        lines.append(
            Content.assemble(
                ("      → Location: ", "$text-muted"), inert(redactor.url(hop.location))
            )
        )
        if hop.next_method and hop.next_method != hop.method:
            lines.append(
                Content.styled(
                    f"      method changed {inert(hop.method)} → {inert(hop.next_method)}",
                    "$warning",
                )
            )
        note = dropped_note(hop)
        if note:
            lines.append(Content.styled(f"      ⚠ {note}", "bold $warning"))
    final_url = next_url(exchange.redirects[-1])
    if exchange.response is not None:
        status = exchange.response.status
        final: Content = Content.assemble(
            ("  ⇒ ", "$text-muted"),
            (str(status), f"bold {status_colour(status)}"),
            f"  {inert(exchange.response.reason)}  ",
            inert(redactor.url(final_url)),
        )
    else:
        final = Content.styled(
            f"  ⇒ no final response from {inert(redactor.url(final_url))}", "$error"
        )
    lines.append(final)
    return Content("\n").join(lines)


class RedirectsView(VerticalScroll):
    """Scrollable list of redirect hops."""

    DEFAULT_CSS = """
    RedirectsView {
        height: 1fr;
        padding: 0 1;
    }
    RedirectsView > Static {
        width: auto;
        min-width: 100%;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="redirects-text")

    def show(self, exchange: Exchange | None, redactor: Redactor) -> None:
        content = redirects_content(exchange, redactor) if exchange is not None else Content()
        self.query_one("#redirects-text", Static).update(content)
