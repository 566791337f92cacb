"""A Textual driver that runs one guest's app over an SSH channel instead of the host's tty.

Why a driver of our own: Textual's Linux driver owns the process's terminal (stdin, SIGWINCH,
termios), which belongs to the host. A guest's app must read keys from its channel, know its
size from the guest's PTY request and window-change messages, and write frames back to that
channel only. Everything runs on the host's event loop (no thread per guest): input is parsed
as it arrives and posted straight to the guest's app.

Nothing a guest does may reach the host's machine, so opening a URL (a browser on the host) and
delivering a file (a screenshot written on the host) are refused here, where they would happen.
"""

from __future__ import annotations

import asyncio
import logging
from codecs import getincrementaldecoder
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, Literal, TextIO

from textual import events
from textual._xterm_parser import XTermParser
from textual.driver import Driver
from textual.geometry import Size
from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger("reqscope.share")

ESCAPE_TICK = 0.12  # seconds: a lone ESC becomes the Escape key after the parser's timeout


def color_system_for(environ: Mapping[str, str]) -> str | None:
    """The guest's colour depth from the guest's TERM and COLORTERM (never the host's env),
    by the rules Rich uses for a local terminal. OpenSSH forwards TERM with the PTY request but
    not COLORTERM (unless configured), so most guests get 256 colours."""
    term = environ.get("TERM", "").strip().lower()
    colorterm = environ.get("COLORTERM", "").strip().lower()
    if term in ("", "dumb", "unknown"):
        return None
    if colorterm in ("truecolor", "24bit") or term.endswith("-direct"):
        return "truecolor"
    if term.endswith(("-256color", "256color")):
        return "256"
    if term.endswith("-16color") or term in ("linux", "vt100", "vt220", "ansi"):
        return "standard"
    return "256" if term.startswith(("xterm", "screen", "tmux", "rxvt")) else "standard"


class TerminalLink:
    """One guest's terminal as the SSH session sees it: where output goes, the current size,
    the environment the guest sent, and the driver (once the app runs) that input goes to."""

    def __init__(
        self,
        write: Callable[[bytes], None],
        size: tuple[int, int],
        environ: Mapping[str, str],
    ) -> None:
        self._write = write
        self.size = size
        self.environ = dict(environ)
        self.driver: ChannelDriver | None = None

    def write(self, data: bytes) -> None:
        self._write(data)

    def feed(self, data: bytes) -> None:
        """Input from the guest; dropped until the app runs (keys typed while waiting for the
        host to accept must not act later)."""
        if self.driver is not None:
            self.driver.feed(data)

    def resize(self, width: int, height: int) -> None:
        self.size = (max(width, 1), max(height, 1))
        if self.driver is not None:
            self.driver.resize(*self.size)


def driver_for(link: TerminalLink) -> type[Driver]:
    """A driver class bound to one guest's terminal (Textual instantiates the class itself)."""
    return type("GuestChannelDriver", (ChannelDriver,), {"link": link})


class ChannelDriver(Driver):
    link: ClassVar[TerminalLink]

    def __init__(
        self,
        app: App[Any],
        *,
        debug: bool = False,
        mouse: bool = True,
        size: tuple[int, int] | None = None,
    ) -> None:
        super().__init__(app, debug=debug, mouse=mouse, size=size or self.link.size)
        self._parser = XTermParser(debug)
        self._decode = getincrementaldecoder("utf-8")(errors="replace").decode
        self._tick: asyncio.TimerHandle | None = None
        self._started = False

    def write(self, data: str) -> None:
        self.link.write(data.encode("utf-8"))

    def send_message(self, message: Message) -> None:
        # Input arrives on the event loop already (asyncssh callbacks): post directly.
        self._app.post_message(message)

    def start_application_mode(self) -> None:
        self._started = True
        self.link.driver = self
        write = self.write
        write("\x1b[?1049h")  # alternate screen
        if self._mouse:
            write("\x1b[?1000h\x1b[?1003h\x1b[?1015h\x1b[?1006h")
        write("\x1b[?25l")  # hide the cursor
        write("\x1b[?2004h")  # bracketed paste
        size = Size(*self.link.size)
        self._app.post_message(events.Resize(size, size))

    def disable_input(self) -> None:
        if self.link.driver is self:
            self.link.driver = None

    def stop_application_mode(self) -> None:
        self.disable_input()
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        if not self._started:
            return
        self._started = False
        write = self.write
        write("\x1b[?2004l")
        if self._mouse:
            write("\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l")
        write("\x1b[?1049l\x1b[?25h")

    def feed(self, data: bytes) -> None:
        for event in self._parser.feed(self._decode(data)):
            self.process_message(event)
        if self._tick is None:
            self._tick = self._loop.call_later(ESCAPE_TICK, self._on_tick)

    def _on_tick(self) -> None:
        self._tick = None
        for event in self._parser.tick():
            self.process_message(event)

    def resize(self, width: int, height: int) -> None:
        self._size = (width, height)
        size = Size(width, height)
        self._app.post_message(events.Resize(size, size))

    def open_url(self, url: str, new_tab: bool = True) -> None:
        log.info("a guest asked to open %s; refused (no browser on the host)", url)
        self._app.notify("Opening a browser is not available to guests", severity="warning")

    def deliver_binary(
        self,
        binary: BinaryIO | TextIO,
        *,
        delivery_key: str,
        save_path: Path,
        open_method: Literal["browser", "download"] = "download",
        encoding: str | None = None,
        mime_type: str | None = None,
        name: str | None = None,
    ) -> None:
        binary.close()
        log.info("a guest asked to save %s on the host; refused", save_path.name)
        self._app.notify("Saving files is not available to guests", severity="warning")
