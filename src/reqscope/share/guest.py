"""What a guest sees: the normal app, its own instance, fed by the host's redacted snapshots.

Each guest has its own app (own size, colour depth, focus, scrolling, help) over the host's
session state, like `reqscope follow` but in the host's process. A viewer can look, search and
copy (to their own clipboard, OSC 52 over the channel). A driver can also edit and send the
host's request: the edit goes to the host (`GuestHub.edit`), which applies it to its workspace
with secrets kept, and the result comes back as the next snapshot.

Nothing a guest does touches the host's machine: no session or draft files are read or written,
no browser or editor is started, no screenshot is saved (the driver refuses those too).
"""

from __future__ import annotations

import io
import logging
import sys
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, cast

from rich.console import Console
from textual import events, on, work
from textual.actions import ActionParseResult
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import TabbedContent
from textual.worker import get_current_worker

from reqscope.core.model import Diagnosis, Exchange, Request, Session
from reqscope.core.pairing.snapshot import Snapshot
from reqscope.core.workspace import Workspace
from reqscope.share.driver import TerminalLink, color_system_for, driver_for
from reqscope.share.hub import INLINE_BYTES, Guest, GuestHub, ViewState, snapshot_size
from reqscope.share.keys import Role
from reqscope.share.view import apply_view, zoomed_id
from reqscope.ui import app as ui_app
from reqscope.ui.app import ACTIONS, ReqscopeApp
from reqscope.ui.follow import ALLOWED_ACTIONS as VIEWER_ACTIONS
from reqscope.ui.sending import SendResult
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane
from reqscope.ui.widgets.request_editor import RequestEditor
from reqscope.ui.widgets.response_view import ResponseView, tab_id
from reqscope.ui.widgets.session_sidebar import SessionSidebar

log = logging.getLogger("reqscope.share")

APP_CSS = str(Path(ui_app.__file__).parent / "app.tcss")

DRIVER_ACTIONS = VIEWER_ACTIONS | {"send", "try_fix", "focus_url", "next_pane", "copy_header"}
ALL_ACTIONS = frozenset(a.action for a in ACTIONS) | {"try_fix"}
RECENT_EDITS = 64  # a driver's own edits echoed back by the host are not re-applied to its editor
# Widget actions that would act on the host's machine: a file written there, $EDITOR run there.
HOST_ACTIONS = frozenset({"save_body", "edit_externally", "screenshot"})
GUEST_SYSTEM_COMMANDS = frozenset({"Theme", "Quit", "Keys", "Maximize", "Minimize"})


class _NullFile(io.StringIO):
    """Textual renders through the console's options only; nothing is written to its file."""

    def write(self, text: str) -> int:
        return len(text)


class GuestApp(ReqscopeApp):
    CSS_PATH = APP_CSS  # relative paths resolve next to the subclass's module
    VARIABLES_HELD_BY = "the host's"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f3",
            "follow_host",
            "Follow host",
            tooltip="Go where the host goes (tabs, finding, zoom); navigating yourself stops it",
        ),
    ]

    def __init__(self, link: TerminalLink, hub: GuestHub, guest: Guest, *, title: str = "") -> None:
        # The host's latest request is in the first frame (the response follows once indexed).
        latest = hub.latest
        super().__init__(
            Workspace(
                Session(name=latest.session_name, requests=(latest.request,))
                if latest is not None
                else Session(name="shared")
            )
        )
        self.driver_class = driver_for(link)
        self.console = _guest_console(link)
        # A guest's crash report goes to the host's log, never to the host's terminal.
        self.error_console = Console(file=io.StringIO(), width=100, color_system=None)
        # Textual swaps sys.stdout/stderr for its print capture while an app runs, restoring
        # the previous value when it ends; guests start and end in any order inside the host's
        # run, so they "capture" into what is current (the host's capture): nothing changes.
        self._capture_stdout = cast(Any, sys.stdout)
        self._capture_stderr = cast(Any, sys.stderr)
        self._hub = hub
        self._guest = guest
        self.guest_id = guest.guest_id
        self.role = guest.role
        self._share_title = title
        self._sent: deque[Request] = deque(maxlen=RECENT_EDITS)
        self._last_exchange: Exchange | None = None
        self._last_result: SendResult | None = None
        self._offered: Snapshot | None = None
        self.snapshots_shown = 0
        # Following the host's view (on by default): where the host is, and where we went.
        self.following = True
        self._host_view = ViewState()
        self._applied = ViewState()
        self._inputs = 0  # keys and clicks so far: what tells our own navigation apart
        self._inputs_at_apply = 0

    def _set_size_classes(self) -> None:
        """The sidebar starts hidden (ctrl+b shows it): a guest's session is a stand-in, the
        host's current request and its latest exchange, which the panes already show; and
        its lists were a third of what each guest repainted on every response."""
        super()._set_size_classes()
        self.screen.update_classes({"-hide-sidebar": True}, update=False)

    # --- what a guest may do ---------------------------------------------------------------

    def on_mount(self) -> None:  # Textual runs ReqscopeApp.on_mount after this one
        self.title = self._share_title or "reqscope · shared"
        self._apply_role()
        self.watch(self.screen, "maximized", self._zoom_changed, init=False)

    def change_role(self, role: Role) -> None:
        """Called from the host's task; the guest's widgets are changed from the guest's own."""
        self.call_later(self._role_changed, role)

    def _role_changed(self, role: Role) -> None:
        self.role = role
        self._apply_role()
        what = "You may now edit and send" if role is Role.DRIVER else "You are watching"
        self.notify(what, title=f"The host made you {role.value}", timeout=4)

    def _apply_role(self) -> None:
        driving = self.role is Role.DRIVER
        self.query_one(RequestEditor).disabled = not driving
        self.query_one(SessionSidebar).disabled = True
        self.sub_title = self._subtitle()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ALL_ACTIONS:
            return True  # widgets' own actions: scrolling, searching, focus
        allowed = DRIVER_ACTIONS if self.role is Role.DRIVER else VIEWER_ACTIONS
        return action in allowed

    def _check_action_state(self, action: str, default_namespace: DOMNode) -> bool | None:
        """Widgets' own bindings are checked by the widget, which knows nothing of guests:
        the keys of actions that would act on the host are hidden from a guest's footer."""
        _target, name, _parameters = self._parse_action(action, default_namespace)
        if name in HOST_ACTIONS:
            return False
        return super()._check_action_state(action, default_namespace)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key binding, of the app or of a widget, passes here: the one place to refuse
        widget actions that would touch the host."""
        name = action if isinstance(action, str) else action[1]
        if name.rpartition(".")[2].partition("(")[0] in HOST_ACTIONS:
            self.notify("Not available to guests: it would act on the host's machine")
            return False
        return await super().run_action(action, default_namespace, namespaces)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Follow the host's view" if not self.following else "Stop following the host",
            "Go where the host goes: request and response tabs, selected finding, zoom",
            self.action_follow_host,
        )
        for command in super().get_system_commands(screen):
            if command.title in GUEST_SYSTEM_COMMANDS:
                yield command
            elif any(command.title == a.title for a in ACTIONS):
                action = next(a.action for a in ACTIONS if a.title == command.title)
                if self.check_action(action, ()):
                    yield command

    def action_request_quit(self) -> None:
        self.exit(0)  # nothing of the guest's to save

    def _quit(self) -> None:
        self.exit(0)

    def _become_ready(self) -> None:
        self._is_ready = True  # no draft to offer: drafts are the host's files
        self._hub.attach(self._guest, self)  # the host's latest state, then every change

    def _write_draft(self) -> None:
        """Never: a guest's edits live on the host's workspace, not in files."""

    def _edited(self) -> None:
        """The editor already shows the edit; the host applies it and every guest (this one
        included) hears back through the next snapshot."""
        if self.role is Role.DRIVER:
            request = self.workspace.current
            self._sent.append(request)
            self._hub.edit(self.guest_id, request)

    def action_send(self) -> None:
        if self.role is Role.DRIVER:
            self._hub.send(self.guest_id)
        else:
            self.notify("Only a driver can send; the host hands that role over", timeout=3)

    # --- following the host's view ----------------------------------------------------------

    def follow_view(self, view: ViewState) -> None:
        """The host navigated (called from the host's task)."""
        self.call_later(self._host_navigated, view)

    def _host_navigated(self, view: ViewState) -> None:
        self._host_view = view
        if self.following:
            self._go_to(view)

    def _go_to(self, view: ViewState) -> None:
        self._applied = view
        self._inputs_at_apply = self._inputs
        apply_view(self, view)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self._inputs += 1
        await super().on_event(event)

    def action_follow_host(self) -> None:
        self.following = not self.following
        if self.following:
            self._go_to(self._host_view)
            self.notify("Following the host's view", timeout=3)
        else:
            self.notify("Your own view: F3 follows the host again", timeout=3)

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.tabbed_content.id == "request-tabs":
            wanted = self._applied.request_tab
        else:
            wanted = tab_id(self._applied.response_tab) if self._applied.response_tab else ""
        if wanted and event.pane.id != wanted:
            self._moved_away()

    @on(DiagnosisPane.SelectionMoved)
    def _finding_moved(self) -> None:
        self._moved_away()

    def _zoom_changed(self, maximized: Widget | None) -> None:
        if zoomed_id(maximized) != self._applied.zoomed:
            self._moved_away()

    def _moved_away(self) -> None:
        """Somewhere else than the host's view. After a key or click of ours, we went there
        ourselves: following ends, as in an editor's "follow participant". Otherwise a part
        was built after we went to the host's view (the response tabs): go there again."""
        if not self.following:
            return
        if self._inputs != self._inputs_at_apply:
            self.following = False
            self.notify("You left the host's view: F3 follows it again", timeout=3)
        else:
            self._go_to(self._host_view)

    # --- snapshots from the host -----------------------------------------------------------

    def offer(self, snapshot: Snapshot) -> None:
        """The host's latest state, from outside this app's task. Only the latest one waits:
        a guest that is slow to render skips states, its queue never grows."""
        if not self.is_running:
            return
        pending, self._offered = self._offered, snapshot
        if pending is None:
            self.call_later(self._take_offered)

    def _take_offered(self) -> None:
        """A new response with a big body is indexed in a worker; anything else is shown at
        once (indexing 16 KB of JSON takes ~1.5 ms; 64 KB took ~4 ms, too long on a shared
        loop)."""
        snapshot, self._offered = self._offered, None
        if snapshot is None:
            return
        if snapshot.exchange == self._last_exchange:
            self._show(snapshot, self._last_result)
        elif snapshot_size(snapshot) <= INLINE_BYTES:
            self.workers.cancel_group(self, "snapshot")  # an older big one must not land after
            self._show(snapshot, _result(snapshot))
        else:
            self._prepare(snapshot)

    @work(thread=True, group="snapshot", exclusive=True, exit_on_error=False)
    def _prepare(self, snapshot: Snapshot) -> None:
        worker = get_current_worker()
        result = _result(snapshot)
        if not worker.is_cancelled:
            self.call_from_thread(self._show, snapshot, result)

    def _show(self, snapshot: Snapshot, result: SendResult | None) -> None:
        editor = self.query_one(RequestEditor)
        request = snapshot.request
        exchange = snapshot.exchange
        if self.role is Role.DRIVER and request in self._sent:
            same_name = snapshot.session_name == self.workspace.session.name
            if exchange == self._last_exchange and same_name:
                self.snapshots_shown += 1
                return  # our own keystroke echoed by the host: nothing new to show
            request = editor.request  # keep what is being typed
        session = Session(
            name=snapshot.session_name,
            requests=(request,),
            history=(exchange,) if exchange is not None else (),
        )
        self.workspace = Workspace(session)
        self._render_workspace()
        if exchange is not self._last_exchange and exchange != self._last_exchange:
            if result is None:
                self.query_one(ResponseView).show_exchange(None)
                self.query_one(DiagnosisPane).show_diagnosis(None, None)
            else:
                self._show_result(result)
        self._last_exchange, self._last_result = exchange, result
        self.snapshots_shown += 1

    def _subtitle(self) -> str:
        return "driving" if self.role is Role.DRIVER else "watching (read-only)"


def _result(snapshot: Snapshot) -> SendResult | None:
    """What the response and diagnosis panes show for the snapshot's exchange."""
    from reqscope.core.body import BodyDocument

    exchange = snapshot.exchange
    if exchange is None:
        return None
    response = exchange.response
    document = (
        BodyDocument.from_response(response) if response is not None and response.body else None
    )
    return SendResult(exchange, snapshot.diagnosis or Diagnosis(), document)


def _guest_console(link: TerminalLink) -> Console:
    """Textual's console settings, with the colour depth of the guest's terminal."""
    environ: dict[str, Any] = dict(link.environ)
    return Console(
        color_system=color_system_for(environ),  # type: ignore[arg-type]
        file=_NullFile(),
        markup=True,
        highlight=False,
        emoji=False,
        legacy_windows=False,
        _environ=environ,
        force_terminal=True,
        safe_box=False,
        soft_wrap=False,
    )
