"""The host's app when sharing: the normal app, plus the SSH server, the guests and their roles.

The host stays in charge: it is asked before anyone joins (a modal naming the key's comment and
fingerprint), hands the driver role over and takes it back (command palette, or F9 for the
share panel), and a driving guest's edits and sends are applied here, to the host's own
workspace, through `apply_guest_edit` so that secrets stay the host's.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual import on
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Static, TabbedContent

from reqscope.core.pairing.snapshot import Snapshot
from reqscope.share.driver import TerminalLink
from reqscope.share.edits import apply_guest_edit
from reqscope.share.guest import GuestApp
from reqscope.share.hub import Guest, GuestHub
from reqscope.share.keys import Role
from reqscope.share.server import JoinRequest, ShareServer
from reqscope.share.view import current_view
from reqscope.ui import app as ui_app
from reqscope.ui.app import ReqscopeApp
from reqscope.ui.screens.confirm import ConfirmScreen
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane

log = logging.getLogger("reqscope.share")

APP_CSS = str(Path(ui_app.__file__).parent / "app.tcss")


@dataclass(frozen=True, slots=True)
class JoinInfo:
    """How to join, shown to the host (and printed before the app starts)."""

    address: str
    port: int
    fingerprint: str

    def commands(self, key: str = "KEY") -> list[str]:
        host = "localhost" if self.address in ("127.0.0.1", "::1", "localhost") else self.address
        return [
            f"ssh -p {self.port} -i {key} {host}",
            f"ssh -J DEVBOX -p {self.port} -i {key} {host}    (from another machine)",
        ]

    def text(self) -> str:
        lines = [
            f"Sharing on {self.address} port {self.port}",
            f"Host key fingerprint: {self.fingerprint}",
            "Guests join with:",
        ]
        return "\n".join(lines + [f"  {c}" for c in self.commands()])


class ShareScreen(ModalScreen[None]):
    """How to join, and who is in with which role."""

    DEFAULT_CSS = """
    ShareScreen { align: center middle; }
    ShareScreen > Vertical {
        width: 90; max-width: 100%; height: auto; border: thick $primary; background: $surface;
        padding: 1 2;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f9", "dismiss_screen", "Close"),
    ]

    def __init__(self, info: JoinInfo, hub: GuestHub) -> None:
        super().__init__()
        self._info = info
        self._hub = hub

    def compose(self) -> ComposeResult:
        guests = [
            f"  {g.guest_id}  {g.name or '(no name)'}  {g.role.value}"
            + ("" if g.allowed is Role.DRIVER else "  (viewer only)")
            for g in self._hub.guests.values()
        ]
        roster = "\n".join(guests) if guests else "  nobody yet"
        with Vertical():
            yield Static(Text(self._info.text()), id="share-how")
            yield Static(Text(f"\nGuests:\n{roster}"), id="share-guests")
            yield Static(Text("\nHand over or take back the keyboard from the palette (^p)."))

    def action_dismiss_screen(self) -> None:
        self.dismiss(None)


class HostApp(ReqscopeApp):
    CSS_PATH = APP_CSS  # relative paths resolve next to the subclass's module
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f9", "share_info", "Share", tooltip="How to join, who is in", priority=True),
    ]

    def __init__(
        self,
        *args: Any,
        hub: GuestHub,
        server: ShareServer,
        sock: socket.socket,
        info: JoinInfo,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.share_server = server
        self.share_info = info
        self._sock = sock
        # The hub calls from guests' and connections' tasks: the host acts in its own.
        hub.on_edit = lambda: self.call_later(self._guest_edited)
        hub.on_send = lambda guest: self.call_later(self._guest_sent, guest)
        hub.on_change = lambda: self.call_later(self._guests_changed)
        self._stopping = False
        server.approve = self.approve
        server.make_app = self.make_guest

    def on_mount(self) -> None:  # Textual runs ReqscopeApp.on_mount after this one
        self.run_worker(self._start_sharing(), group="share", exit_on_error=False)
        self.watch(self.screen, "maximized", lambda _pane: self._publish_view(), init=False)

    @on(TabbedContent.TabActivated)
    @on(DiagnosisPane.SelectionMoved)
    def _navigated(self) -> None:
        self._publish_view()

    def _publish_view(self) -> None:
        """Guests following the host's view go where the host goes (tabs, finding, zoom)."""
        self.hub.show_view(current_view(self))

    async def _start_sharing(self) -> None:
        try:
            await self.share_server.start(self._sock)
        except (OSError, ValueError) as exc:
            log.exception("could not start sharing")
            self.notify(str(exc), title="Not sharing", severity="error", timeout=10)
            return
        self._guests_changed()
        self.notify(self.share_info.text(), title="Sharing (F9 shows this again)", timeout=12)

    def exit(
        self,
        result: int | None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        """Guests' apps end before the host's: they run inside its process and event loop."""
        if self._stopping:
            return
        self._stopping = True
        self.run_worker(self._stop_then_exit(result, return_code, message), group="share-stop")

    async def _stop_then_exit(
        self, result: int | None, return_code: int, message: RenderableType | None
    ) -> None:
        try:
            await self.share_server.close()
        finally:
            super().exit(result, return_code, message)

    # --- what guests see -----------------------------------------------------------------

    def _publish(self) -> None:
        super()._publish()
        shown = self._shown
        self.hub.show(
            Snapshot(
                self.workspace.session.name,
                self.workspace.current,
                shown.exchange if shown else None,
                shown.diagnosis if shown else None,
            ),
            self._redactor(),
        )

    def _guests_changed(self) -> None:
        count = len(self.hub.guests)
        drivers = [g.name for g in self.hub.guests.values() if g.role is Role.DRIVER]
        who = f"{count} guest{'s' if count != 1 else ''}"
        if drivers:
            who += f", {', '.join(drivers)} driving"
        self.title = f"reqscope · sharing on port {self.share_info.port} · {who}"

    # --- joining ---------------------------------------------------------------------------

    async def approve(self, request: JoinRequest) -> Role | None:
        """Ask the host; the guest waits (bounded by the server's join timeout)."""
        answer: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

        def answered(choice: str | None) -> None:
            if not answer.done():
                answer.set_result(choice)

        choices = [("viewer", "Let in to watch", "primary")]
        if request.allowed is Role.DRIVER:
            choices.append(("driver", "Let in to drive", "warning"))
        choices.append(("refuse", "Refuse", "error"))
        question = ConfirmScreen(
            f"{request.name or 'A guest'} wants to join",
            f"key {request.fingerprint}\nfrom {request.peer}",
            choices,
        )
        # Called from the guest's connection task: the screen is pushed from the host's own.
        self.call_later(self.push_screen, question, answered)
        try:
            choice = await answer
        except asyncio.CancelledError:  # the guest left, or the host took too long
            self.call_later(self._withdraw, question)
            raise
        return {"viewer": Role.VIEWER, "driver": Role.DRIVER}.get(choice or "")

    def _withdraw(self, question: ConfirmScreen) -> None:
        if question.is_attached and question in self.screen_stack:
            question.dismiss(None)

    def make_guest(self, link: TerminalLink, hub: GuestHub, guest: Guest) -> GuestApp:
        return GuestApp(link, hub, guest, title=f"reqscope · {self.workspace.session.name}")

    # --- driving guests --------------------------------------------------------------------

    def _guest_edited(self) -> None:
        edit = self.hub.take_edit()
        if edit is None:
            return
        _guest, request = edit
        updated = apply_guest_edit(request, self.workspace.current, self._redactor())
        if updated != self.workspace.current:
            self.workspace.update(updated)
            self._edited()

    def _guest_sent(self, guest: Guest) -> None:
        self.notify(f"{guest.name or guest.guest_id} sent the request", timeout=2)
        self.action_send()

    def action_share_info(self) -> None:
        if not isinstance(self.screen, ShareScreen):
            self.push_screen(ShareScreen(self.share_info, self.hub))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Share", "How guests join, and who is in", self.action_share_info)
        for guest in list(self.hub.guests.values()):
            name = guest.name or guest.guest_id
            if guest.role is Role.DRIVER:
                yield SystemCommand(
                    f"Take the keyboard back from {name}",
                    f"{name} goes back to watching",
                    self._role_changer(guest.guest_id, Role.VIEWER),
                )
            elif guest.allowed is Role.DRIVER:
                yield SystemCommand(
                    f"Hand the keyboard to {name}",
                    f"{name} may edit and send this request",
                    self._role_changer(guest.guest_id, Role.DRIVER),
                )

    def _role_changer(self, guest_id: str, role: Role) -> Callable[[], None]:
        return lambda: self.hand_over(guest_id, role)

    def hand_over(self, guest_id: str, role: Role) -> None:
        self.hub.hand_over(guest_id, role)
