"""The one-line summary at the top of the response viewer. It is never blank: it says there
is no response yet, that a request is on its way (with a spinner), what came back, or why
nothing did — in the pane, not in a toast that vanishes."""

from __future__ import annotations

from textual.content import Content
from textual.timer import Timer
from textual.widget import Widget

from reqscope.core.model import Exchange
from reqscope.ui.formatting import (
    error_kind_label,
    human_duration,
    human_size,
    inert,
    status_colour,
)

SPINNER_FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
IDLE_TEXT = "No response yet — send a request to see it here."


def exchange_summary(exchange: Exchange) -> Content:
    """`403 Forbidden  HTTP/1.1 · 1.2 KiB · 12 ms`, or the transport error in the error
    colour. Reason phrases and error messages come from the network: drawn inert."""
    error = exchange.error
    response = exchange.response
    if response is None:
        if error is None:
            return Content.styled("No response", "$text-muted")
        return Content.assemble(
            (f"✖ {error_kind_label(error.kind)}", "bold $error"),
            "  ",
            (inert(error.message), "$error"),
            (f"  · {human_duration(exchange.timings.total_ms)}", "$text-muted"),
        )
    colour = status_colour(response.status)
    size = max(response.size, len(response.body))
    details = [response.http_version, human_size(size), human_duration(exchange.timings.total_ms)]
    if exchange.redirects:
        count = len(exchange.redirects)
        details.append(f"{count} redirect{'s' if count > 1 else ''}")
    if exchange.tls is not None and exchange.tls.version:
        details.append(inert(exchange.tls.version))
    parts: list[str | tuple[str, str]] = [
        (str(response.status), f"bold {colour}"),
        " ",
        (inert(response.reason), colour),
        "  ",
        (" · ".join(details), "$text-muted"),
    ]
    if response.truncated:
        parts.append(("  · truncated: only the first part was kept", "$warning"))
    return Content.assemble(*parts)


class StatusLine(Widget):
    """Status, reason, version, size and time of the shown exchange, or the current state."""

    DEFAULT_CSS = """
    StatusLine {
        height: auto;
        max-height: 3;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._content: Content = Content.styled(IDLE_TEXT, "$text-muted")
        self._sending_label = ""
        self._frame = 0
        self._spinner: Timer | None = None

    def render(self) -> Content:
        if self._sending_label:
            frame = SPINNER_FRAMES[self._frame % len(SPINNER_FRAMES)]
            return Content.assemble(
                (f"{frame} ", "$accent"), ("Sending ", "bold"), inert(self._sending_label), " …"
            )
        return self._content

    def show_idle(self) -> None:
        self._set(Content.styled(IDLE_TEXT, "$text-muted"))

    def show_sending(self, label: str) -> None:
        self._sending_label = label or "request"
        self._frame = 0
        if self._spinner is None:
            self._spinner = self.set_interval(0.1, self._advance)
        else:
            self._spinner.resume()
        self.refresh(layout=True)

    def show_exchange(self, exchange: Exchange) -> None:
        self._set(exchange_summary(exchange))

    def show_template_error(self) -> None:
        """Nothing was sent; the pane shows the message itself below this line."""
        self._set(Content.styled("✖ Not sent: template error", "bold $error"))

    def _set(self, content: Content) -> None:
        self._sending_label = ""
        if self._spinner is not None:
            self._spinner.pause()
        self._content = content
        self.refresh(layout=True)

    def _advance(self) -> None:
        self._frame += 1
        self.refresh()
