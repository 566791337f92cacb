"""ReqscopeApp: the shell that ties the panes to the workspace.

The app owns the `Workspace` (the model) and one `Engine`. Widgets render the workspace and
post edits; the app applies them, re-renders, schedules the crash-recovery draft, and runs
sends in thread workers (expansion here, then engine + diagnosis + body indexing off the event
loop). Heavy modules are imported on first use so the first paint is not held up by them, and a
send asked for before the app is ready (`--send`, an early key) is queued, never dropped.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Header
from textual.worker import get_current_worker

from reqscope.core.errors import ReqscopeError, TemplateError
from reqscope.core.model import Exchange, Request, Session
from reqscope.core.workspace import Workspace
from reqscope.ui.messages import (
    CurlPasted,
    ExchangeChosen,
    RequestChosen,
    RequestEdited,
    SendPressed,
)
from reqscope.ui.sending import (
    EngineHolder,
    SendResult,
    VariableContext,
    diagnose_and_format,
    send_and_diagnose,
)
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane
from reqscope.ui.widgets.key_footer import KeyFooter
from reqscope.ui.widgets.request_editor import RequestEditor
from reqscope.ui.widgets.response_view import ResponseView
from reqscope.ui.widgets.session_sidebar import SessionSidebar
from reqscope.ui.widgets.url_bar import VariableValue

if TYPE_CHECKING:
    from textual.notifications import SeverityLevel

    from reqscope.core.pairing.leader import Leader
    from reqscope.core.redact import Redactor
    from reqscope.core.templating import Expansion
    from reqscope.ui.screens.replay import ReplayOutcome

log = logging.getLogger("reqscope.ui")

DRAFT_DELAY = 2.0  # seconds after the last edit before the draft is written
WARM_UP_AFTER = 0.5  # seconds after the first frame: load what a first send needs
CLIPBOARD_LIMIT = 700_000  # tmux drops OSC 52 sequences over ~786 KB (base64 grows 4/3)


@dataclass(frozen=True, slots=True)
class AppAction:
    """One user action: its key (or none), its name, and what it does — the single source for
    the footer, the command palette and F1 help."""

    key: str
    action: str
    title: str
    description: str
    show: bool = True
    priority: bool = True  # False: a plain letter key, which text fields keep for typing


ACTIONS = (
    AppAction("ctrl+j,ctrl+enter", "send", "Send", "Send the current request"),
    AppAction("ctrl+s", "save", "Save", "Save the session to its TOML file"),
    AppAction("", "save_as", "Save as…", "Save the session to a new TOML file", show=False),
    AppAction("ctrl+o", "open", "Open", "Open a session file"),
    AppAction("ctrl+n", "new_request", "New", "Add a blank request to the session"),
    AppAction("ctrl+b", "toggle_sidebar", "Sidebar", "Show or hide the session sidebar"),
    AppAction("f1", "help", "Help", "Keys for what is focused, and everywhere"),
    AppAction("ctrl+l", "focus_url", "URL", "Jump to the URL field", show=False),
    AppAction("ctrl+t", "try_fix", "Try fix", "Apply the diagnosis' fix to the request and resend"),
    AppAction(
        "f6", "next_pane", "Next pane", "Focus the URL, response, diagnosis, sidebar in turn"
    ),
    AppAction(
        "f3", "copy_curl", "Copy curl", "Copy the request as curl, secrets as ${…}", show=False
    ),
    AppAction(
        "", "copy_curl_secrets", "Copy curl with secrets", "Copy as curl, secrets in clear", False
    ),
    AppAction("f4", "copy_body", "Copy body", "Copy the response body (OSC 52)", show=False),
    AppAction("", "copy_header", "Copy header", "Copy a response header's value", show=False),
    AppAction("", "duplicate_request", "Duplicate", "Duplicate the current request", show=False),
    AppAction("", "rename_request", "Rename", "Rename the current request", show=False),
    AppAction("", "delete_request", "Delete", "Delete the current request", show=False),
    AppAction("f5", "replay", "Replay", "Replay the session: expectations, changes since last run"),
    AppAction("", "replay_from", "Replay from here", "Replay from the current request on", False),
    AppAction("f7", "diff", "Diff", "Compare two exchanges of the current request", show=False),
    AppAction("f8", "expect_this", "Expect this", "Make the response the request's checks", False),
    AppAction("p", "probe", "Probe", "Probe: test the likely causes", priority=False),
    AppAction("ctrl+q", "request_quit", "Quit", "Quit (asks if there are unsaved changes)"),
)


def freeze_heap() -> None:
    """Collect once, then leave every surviving object out of later collections."""
    gc.collect()
    gc.freeze()


class ReqscopeApp(App[int]):
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))  # absolute: subclasses live elsewhere
    TITLE = "reqscope"
    # Whose values the URL's {{variables}} take, when they expand on someone else's side (a
    # share host's, a followed leader's): shown as such, never looked up in this process.
    VARIABLES_HELD_BY = ""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]  # noqa: RUF012 - Textual's
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012 - Textual's
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(a.key, a.action, a.title, show=a.show, tooltip=a.description, priority=a.priority)
        for a in ACTIONS
        if a.key
    ]

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        variables: VariableContext | None = None,
        send_at_start: bool = False,
        drafts_dir: Path | None = None,
        loaded: Session | None = None,
        leader: Leader | None = None,
        greeting: str = "",
    ) -> None:
        """`loaded` is the session as read from the file, to compare a draft against;
        `leader`, when given (and started), publishes what is shown to `reqscope follow`;
        `greeting` is shown once the first frame is up (the demo explains itself with it)."""
        super().__init__()
        self.workspace = workspace or Workspace()
        self.variable_context = variables or VariableContext()
        self.engine = EngineHolder()
        self._drafts_dir = drafts_dir
        self._loaded = loaded if loaded is not None else self.workspace.session
        self._is_ready = False
        self._gc_paused = False  # by `run`, until the first frame is up
        self._send_queued = send_at_start
        self._secrets: set[str] = set()
        self._draft_timer: Timer | None = None
        self._greeting = greeting
        self._leader = leader
        self._shown: SendResult | None = None

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Never markup, whatever the caller (widgets pass markup=True): messages quote file
        names, pasted commands and server text (a fix naming an `Allow` header), where `[/x]`
        would crash the toast and `[@click=...]` would run an action."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def run(self, **kwargs: Any) -> int | None:
        """Run in this terminal. The garbage collector is paused until the first frame is up:
        building it allocates enough to trigger a full collection over every imported
        module's objects (17 ms of a 0.3 s start on the benchmark machine); it runs after.
        Once the first send's modules are loaded (`_warm_up`), what is alive then (modules,
        the knowledge base, the app's widgets) is moved out of the collector's sight
        (`gc.freeze`), so a later full collection, which a big response or a guest joining
        triggers, scans only newer objects (a full collection of the first frame's heap took
        21 ms)."""
        paused = gc.isenabled()
        gc.disable()
        self._gc_paused = paused
        try:
            return super().run(**kwargs)
        finally:
            self._resume_gc()
            gc.unfreeze()

    def _resume_gc(self) -> bool:
        """True if this call turned the collector back on (paused by `run`)."""
        if not self._gc_paused:
            return False
        self._gc_paused = False
        gc.enable()
        return True

    # --- layout --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self._set_size_classes()
        yield Header()
        with Horizontal(id="workspace"):
            yield SessionSidebar(id="sidebar")
            with Vertical(id="main"):
                yield RequestEditor(self.workspace.current, id="editor")
                with Horizontal(id="results"):
                    yield ResponseView(id="response")
                    yield DiagnosisPane(id="diagnosis")
        yield KeyFooter()

    def _set_size_classes(self) -> None:
        """Give the screen its breakpoint classes (-wide, -tall ...) before its widgets mount:
        left to the first resize, adding them restyles every widget once more before the first
        frame. Textual's resize handler then finds them already right."""
        width, height = self.size
        for breakpoints, size in (
            (self.HORIZONTAL_BREAKPOINTS or [], width),
            (self.VERTICAL_BREAKPOINTS or [], height),
        ):
            fitting = [(threshold, name) for threshold, name in breakpoints if size >= threshold]
            chosen = max(fitting)[1] if fitting else ""
            self.screen.update_classes(
                {name: name == chosen for _threshold, name in breakpoints}, update=False
            )

    def on_mount(self) -> None:
        if self._leader is not None:
            self.title = f"reqscope · pair: reqscope follow {self._leader.leader_id}"
        self._render_workspace()
        url = self.query_one("#url")
        if url.focusable:
            url.focus()
        else:  # read-only (a follower, a watching guest): the response is what there is to read
            self.query_one(ResponseView).focus_tabs()
        self.call_after_refresh(self._become_ready)

    def _become_ready(self) -> None:
        """The first frame is up: queued sends go now, drafts are looked at."""
        self._is_ready = True
        freeze = self._resume_gc()
        self.set_timer(WARM_UP_AFTER, lambda: self._warm_up(freeze=freeze))
        self._publish()
        if self._greeting:
            self.notify(self._greeting, title="reqscope demo", timeout=12)
        if self._send_queued:
            self._send_queued = False
            self.action_send()
        self._check_draft()

    @work(thread=True, group="warm-up", exit_on_error=False)
    def _warm_up(self, *, freeze: bool) -> None:
        """Off the loop, while the user edits: the first send is then as quick as the next.
        A failure (a broken user rule file) is left for that send to report."""
        from reqscope.ui.sending import warm_up

        warm_up()
        if freeze:  # only for `run`: one app per process
            self.call_from_thread(freeze_heap)

    def _render_workspace(self) -> None:
        workspace = self.workspace
        self.sub_title = self._subtitle()
        self.query_one(SessionSidebar).show(workspace)
        editor = self.query_one(RequestEditor)
        if editor.request != workspace.current:
            editor.show(workspace.current)
        held_by = self.VARIABLES_HELD_BY
        editor.show_variables({} if held_by else self._variable_values(), held_by)
        self._publish()

    def _subtitle(self) -> str:
        """Set once per render: a change of the app's subtitle repaints the whole screen, so
        a subclass says its own instead of overwriting this one."""
        return self.workspace.title

    def _publish(self) -> None:
        """Followers see the request as edited (templates, not values) and the last result.
        Not before the first frame: the leader's thread would encode it (and load the encoder)
        while the frame is being built, and they would share one interpreter lock."""
        if self._leader is None or not self._is_ready:
            return
        from reqscope.core.pairing.snapshot import Snapshot

        shown = self._shown
        self._leader.show(
            Snapshot(
                self.workspace.session.name,
                self.workspace.current,
                shown.exchange if shown else None,
                shown.diagnosis if shown else None,
            ),
            self._redactor(),
        )

    def _variable_values(self) -> dict[str, VariableValue]:
        context = self.variable_context
        values = {
            v.name: VariableValue(v.value, v.secret)
            for v in context.variables(self.workspace.variables)
        }
        for name, value in context.env().items():
            values[f"env.{name}"] = VariableValue(value, secret=True)
        return values

    # --- editing -------------------------------------------------------------------------

    @on(RequestEdited)
    def _request_edited(self, event: RequestEdited) -> None:
        self.workspace.update(event.request)
        self._edited()

    def _edited(self) -> None:
        """After any change to the model: re-render, and write a draft a little later."""
        self._render_workspace()
        if self._draft_timer is None:
            self._draft_timer = self.set_timer(DRAFT_DELAY, self._write_draft)
        else:
            self._draft_timer.reset()

    def _write_draft(self) -> None:
        self._draft_timer = None
        if self.workspace.dirty:
            self._draft_worker(self.workspace.session, self.workspace.path)

    @work(thread=True, group="draft", exclusive=True, exit_on_error=False)
    def _draft_worker(self, session: Session, path: Path | None) -> None:
        from reqscope.core.workspace import write_draft

        try:
            write_draft(session, path, self._drafts_dir)
        except (OSError, ReqscopeError):
            log.exception("could not write the draft")

    @on(RequestChosen)
    def _request_chosen(self, event: RequestChosen) -> None:
        self.workspace.select(event.index)
        self._render_workspace()
        self._show_latest()
        self.query_one("#url").focus()

    @on(ExchangeChosen)
    def _exchange_chosen(self, event: ExchangeChosen) -> None:
        self._present(event.exchange)

    def action_new_request(self) -> None:
        self.workspace.add()
        self._edited()
        self._show_latest()
        self.query_one("#url").focus()

    def action_duplicate_request(self) -> None:
        self.workspace.duplicate()
        self._edited()
        self._show_latest()

    def action_delete_request(self) -> None:
        self.workspace.delete(self.workspace.current_index)
        self._edited()
        self._show_latest()

    def action_move_request(self, offset: int) -> None:
        self.workspace.move(self.workspace.current_index, offset)
        self._edited()

    def action_rename_request(self) -> None:
        from reqscope.ui.screens.prompt import PromptScreen

        index = self.workspace.current_index

        def renamed(name: str | None) -> None:
            if name:
                self.workspace.rename(index, name)
                self._edited()

        self.push_screen(PromptScreen("Rename request", self.workspace.current.name), renamed)

    @on(CurlPasted)
    def _curl_pasted(self, event: CurlPasted) -> None:
        from reqscope.core.interop.curl import request_from_curl

        try:
            imported = request_from_curl(event.command)
        except ReqscopeError as exc:
            self.notify(str(exc), title="Not a curl command reqscope can read", severity="error")
            return
        self.workspace.update(_keep_name(imported.request, self.workspace.current))
        self._edited()
        if imported.warnings:
            self.notify(
                "\n".join(imported.warnings),
                title="Imported the curl command, except",
                severity="warning",
                timeout=8,
            )
        else:
            self.notify("The curl command is now the request", timeout=3)

    @on(DiagnosisPane.FixRequested)
    def _fix_requested(self, event: DiagnosisPane.FixRequested) -> None:
        action = event.fix.action
        if action is None:
            self.notify(event.fix.text, title="Try this by hand")
            return
        from reqscope.core.diagnosis.actions import apply_fix_action

        fixed = apply_fix_action(self.workspace.current, action)
        if fixed == self.workspace.current:
            self.notify(event.fix.text, title="Nothing to change in the request")
            return
        self.workspace.update(fixed)
        self._edited()
        self.notify(event.fix.text, title="Fix applied, resending", timeout=3)
        self.action_send()

    # --- sending -------------------------------------------------------------------------

    @on(SendPressed)
    def _send_pressed(self) -> None:
        self.action_send()

    def action_send(self) -> None:
        if not self._is_ready:
            self._send_queued = True  # never dropped: sent as soon as the first frame is up
            return
        workspace = self.workspace
        request = workspace.current
        response_view = self.query_one(ResponseView)
        diagnosis_pane = self.query_one(DiagnosisPane)
        try:
            expansion = self.variable_context.expand(request, workspace.variables)
        except TemplateError as exc:
            response_view.show_template_error(str(exc))
            diagnosis_pane.show_diagnosis(None, None)
            return
        self._secrets.update(expansion.secrets)
        response_view.show_sending(f"{request.method} {request.url}")
        diagnosis_pane.show_pending()
        self._send_worker(
            workspace.key(), expansion, request.name, workspace.all_history(), self._redactor()
        )

    @work(thread=True, group="send", exclusive=True, exit_on_error=False)
    def _send_worker(
        self,
        key: int,
        expansion: Expansion,
        name: str,
        history: tuple[Exchange, ...],
        redactor: Redactor,
    ) -> None:
        """Engine + diagnosis off the event loop; a newer send cancels this one's display."""
        worker = get_current_worker()
        try:
            result = send_and_diagnose(self.engine.get(), expansion, name, history, redactor)
        except Exception as exc:  # a bug must show up in the pane, not kill the app
            log.exception("send failed")
            if not worker.is_cancelled:
                self.call_from_thread(self._send_crashed, exc)
            return
        if not worker.is_cancelled:
            self.call_from_thread(self._send_finished, key, result)

    def _send_finished(self, key: int, result: SendResult) -> None:
        index = self.workspace.index_of_key(key)
        if index is None:
            return  # the request was deleted while it was being sent
        self.workspace.record(result.exchange, index)
        if index == self.workspace.current_index:
            self._show_result(result)
        self.query_one(SessionSidebar).show(self.workspace)

    def _send_crashed(self, exc: Exception) -> None:
        self.query_one(ResponseView).show_template_error(f"reqscope failed: {exc!r}")
        self.query_one(DiagnosisPane).show_diagnosis(None, None)

    def _show_result(self, result: SendResult) -> None:
        self.query_one(ResponseView).show_exchange(
            result.exchange, redactor=self._redactor(), document=result.document
        )
        self.query_one(DiagnosisPane).show_diagnosis(result.diagnosis, result.exchange)
        self._shown = result
        self._publish()

    def _redactor(self) -> Redactor:
        from reqscope.core.redact import Redactor

        secret_values = (v.value for v in self.workspace.variables if v.secret and v.value)
        return Redactor(self._secrets.union(secret_values))

    def _show_latest(self) -> None:
        """Show the current request's latest exchange again, or an empty pane."""
        latest = self.workspace.history()
        if latest:
            self._present(latest[0])
        else:
            self.query_one(ResponseView).show_exchange(None)
            self.query_one(DiagnosisPane).show_diagnosis(None, None)

    def _present(self, exchange: Exchange) -> None:
        """Show a past exchange: diagnosis and body indexing run in a worker, no resend."""
        self.query_one(DiagnosisPane).show_pending()
        self._present_worker(exchange, self.workspace.all_history(), self._redactor())

    @work(thread=True, group="present", exclusive=True, exit_on_error=False)
    def _present_worker(
        self, exchange: Exchange, history: tuple[Exchange, ...], redactor: Redactor
    ) -> None:
        worker = get_current_worker()
        earlier = tuple(e for e in history if e is not exchange)
        result = diagnose_and_format(exchange, earlier, redactor)
        if not worker.is_cancelled:
            self.call_from_thread(self._show_result, result)

    # --- replay, diff, expectations (issue 6) ----------------------------------------------

    def action_replay(self) -> None:
        self._open_replay(start="")

    def action_replay_from(self) -> None:
        self._open_replay(start=self.workspace.current.name)

    def _open_replay(self, start: str) -> None:
        """Replay against the latest exchange of each request (this run's or the file's)."""
        from reqscope.ui.screens.replay import ReplayScreen

        session, context = self.workspace.session_for_save(), self.variable_context
        variables = context.variables(session.variables)
        screen = ReplayScreen(session, variables, context.env(), self.engine.get(), start=start)
        self.push_screen(screen, self._replayed)

    def _replayed(self, outcome: ReplayOutcome | None) -> None:
        if outcome is None:
            return
        self._secrets.update(outcome.secrets)
        for name, exchange in outcome.exchanges:
            index = self.workspace.index_of(name)
            if index is not None:
                self.workspace.record(exchange, index)
        self.query_one(SessionSidebar).show(self.workspace)
        self._show_latest()

    def action_diff(self) -> None:
        from reqscope.ui.screens.diff import DiffScreen, exchange_label

        exchanges = self.workspace.history()
        if len(exchanges) < 2:
            self.notify("Send this request twice (or replay it) to have two exchanges to compare")
            return
        choices = [(exchange_label(n, e), e) for n, e in enumerate(exchanges, start=1)]
        title = f"{self.workspace.current.name}: older (left) and newer (right)"
        self.push_screen(DiffScreen(title, choices, self._redactor()))

    def action_expect_this(self) -> None:
        from reqscope.core.replay.suggest import expectations_from

        latest = self.workspace.history()
        if not latest or latest[0].response is None:
            self.notify("Send the request first: expectations come from its response")
            return
        expect = expectations_from(latest[0], self._redactor())
        self.workspace.update(replace(self.workspace.current, expect=expect))
        self._edited()
        checks = ", ".join(f"{e.target} {e.key}".strip() for e in expect)
        self.notify(f"{len(expect)} expectation(s): {checks}", title="Expect this", timeout=4)

    # --- files ---------------------------------------------------------------------------

    def action_save(self) -> None:
        if self.workspace.path is None:
            self.action_save_as()
        else:
            self._save_to(self.workspace.path)

    def action_save_as(self) -> None:
        from reqscope.ui.screens.prompt import PromptScreen

        current = str(self.workspace.path or "sessions/session.toml")

        def chosen(path: str | None) -> None:
            if path:
                self._save_to(Path(path).expanduser())

        self.push_screen(PromptScreen("Save session as", current, hint="a .toml path"), chosen)

    def _save_to(self, path: Path) -> bool:
        from reqscope.core.redact import Redactor
        from reqscope.core.store import save_session
        from reqscope.core.workspace import discard_draft

        session = self.workspace.session_for_save()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_session(session, path, redactor=Redactor(self._secrets))
        except FileExistsError:  # from mkdir: "File exists" would suggest the target exists
            message = f"{path}: {path.parent} is a file, not a directory"
            self.notify(message, title="Not saved", severity="error")
            return False
        except OSError as exc:
            self.notify(f"{path}: {exc.strerror}", title="Not saved", severity="error")
            return False
        except ReqscopeError as exc:
            self.notify(str(exc), title="Not saved", severity="error")
            return False
        old_path = self.workspace.path
        self.workspace.mark_saved(path)
        self._loaded = self.workspace.session
        self._cancel_draft()
        discard_draft(old_path, self._drafts_dir)
        discard_draft(path, self._drafts_dir)
        self._render_workspace()
        self.notify(f"Saved {path}", timeout=2)
        return True

    def action_open(self) -> None:
        from reqscope.ui.screens import confirm

        def chosen(path: str | None) -> None:
            if path:
                self._open(Path(path).expanduser())

        def confirmed(answer: str | None) -> None:
            if answer == "discard":
                self._ask_open_path(chosen)

        if self.workspace.dirty:
            self.push_screen(confirm.discard_unsaved(self.workspace.title), confirmed)
        else:
            self._ask_open_path(chosen)

    def _ask_open_path(self, chosen: Callable[[str | None], None]) -> None:
        from reqscope.ui.screens.prompt import PromptScreen

        start = str(self.workspace.path.parent) + "/" if self.workspace.path else "sessions/"
        self.push_screen(PromptScreen("Open session", start, hint="a .toml path"), chosen)

    def _open(self, path: Path) -> None:
        from reqscope.core.store import load_session

        try:
            session = load_session(path)
        except ReqscopeError as exc:
            self.notify(str(exc), title="Cannot open", severity="error", timeout=8)
            return
        self._cancel_draft()
        from reqscope.core.workspace import discard_draft

        discard_draft(self.workspace.path, self._drafts_dir)
        self.workspace = Workspace(session, path)
        self._loaded = session
        self._render_workspace()
        self.query_one(RequestEditor).show(self.workspace.current)
        self._show_latest()
        self._check_draft()

    def _cancel_draft(self) -> None:
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None

    @work(thread=True, group="draft-check", exit_on_error=False)
    def _check_draft(self) -> None:
        from reqscope.core.workspace import pending_draft

        path, loaded = self.workspace.path, self._loaded
        try:
            draft = pending_draft(path, loaded, self._drafts_dir)
        except OSError:
            log.exception("could not look for a draft")
            return
        if draft is not None:
            self.call_from_thread(self._offer_draft, path, draft)

    def _offer_draft(self, path: Path | None, draft: Session) -> None:
        from reqscope.core.workspace import discard_draft
        from reqscope.ui.screens import confirm

        names = ", ".join(r.name for r in draft.requests[:4])
        more = "…" if len(draft.requests) > 4 else ""
        detail = f"It has {len(draft.requests)} request(s): {names}{more}"

        def answered(answer: str | None) -> None:
            if answer == "restore" and self.workspace.path == path:
                self.workspace = Workspace(draft, path, saved=self._loaded)
                self.query_one(RequestEditor).show(self.workspace.current)
                self._render_workspace()
                self._show_latest()
            elif answer == "discard":
                discard_draft(path, self._drafts_dir)

        name = path.name if path else "the scratch session"
        self.push_screen(confirm.recover_draft(name, detail), answered)

    # --- view, clipboard, help, quit -----------------------------------------------------

    def action_toggle_sidebar(self) -> None:
        narrow = self.screen.has_class("-narrow")
        self.screen.toggle_class("-show-sidebar" if narrow else "-hide-sidebar")

    def action_focus_url(self) -> None:
        self.query_one("#url").focus()

    def action_help(self) -> None:
        from reqscope.ui.screens.help import HelpEntry, HelpScreen, help_entries

        if isinstance(self.screen, HelpScreen):
            return
        entries = help_entries(self.screen.active_bindings.values(), self.get_key_display)
        # Actions without a key are listed after the keyed ones: they run from the palette.
        after_app = sum(1 for entry in entries if entry.where == "app")
        entries[after_app:after_app] = [
            HelpEntry("^p", f"{a.title} — {a.description}", "palette") for a in ACTIONS if not a.key
        ]
        self.push_screen(HelpScreen(entries))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for action in ACTIONS:
            yield SystemCommand(action.title, action.description, self._runner(action.action))

    def _runner(self, action: str) -> Callable[[], object]:
        return lambda: self.run_action(action)

    def action_probe(self) -> None:
        """Re-test the latest refusal with safe variants (ui/screens/probes.py)."""
        from reqscope.ui.screens.probes import ProbeScreen, probe_screen_for

        if isinstance(self.screen, ProbeScreen):
            return
        screen = probe_screen_for(self)
        if screen is not None:
            self.push_screen(screen, self._probe_fix_chosen)

    def _probe_fix_chosen(self, fixed: Request | None) -> None:
        if fixed is None:
            return
        if fixed != self.workspace.current:  # unchanged: the fix was to wait, then resend
            self.workspace.update(fixed)
            self._edited()
        self.notify("The minimal fix is now the request; resending", timeout=3)
        self.action_send()

    def action_try_fix(self) -> None:
        """The selected finding's fix, or else the best-ranked finding that has one."""
        from reqscope.ui.widgets.diagnosis_pane import actionable_fix

        pane = self.query_one(DiagnosisPane)
        findings = pane.diagnosis.findings if pane.diagnosis is not None else ()
        selected = pane.selected_finding
        for finding in (selected, *findings) if selected is not None else findings:
            fix = actionable_fix(finding)
            if fix is not None:
                pane.post_message(DiagnosisPane.FixRequested(fix, finding))
                return
        self.notify("No finding with a fix reqscope can apply; see the diagnosis", timeout=4)

    def action_next_pane(self) -> None:
        """Cycle focus through the main areas (mouse optional, tab visits every field)."""
        areas: list[Widget] = [
            self.query_one("#url"),
            self.query_one(ResponseView),
            self.query_one(DiagnosisPane),
            self.query_one(SessionSidebar),
        ]
        chain = self.screen.focus_chain
        firsts = [next((w for w in chain if w is a or a in w.ancestors), None) for a in areas]
        targets = [w for w in firsts if w is not None]
        focused = self.focused
        current = next(
            (
                i
                for i, a in enumerate(areas)
                if focused is a or (focused and a in focused.ancestors)
            ),
            -1,
        )
        following = [w for i, w in enumerate(firsts) if w is not None and i > current]
        if following or targets:
            (following or targets)[0].focus()

    def action_copy_curl(self) -> None:
        self._copy_curl(include_secrets=False)

    def action_copy_curl_secrets(self) -> None:
        self._copy_curl(include_secrets=True)

    def _copy_curl(self, *, include_secrets: bool) -> None:
        from reqscope.ui.clipboard import curl_command

        try:
            text = curl_command(
                self.workspace.current,
                self.variable_context,
                self.workspace.variables,
                include_secrets=include_secrets,
                redactor=self._redactor(),
            )
        except ReqscopeError as exc:
            self.notify(str(exc), title="Not copied", severity="error")
            return
        what = "with secrets in clear" if include_secrets else "secrets as ${…}"
        self._copy(text, f"the curl command ({what})")

    def action_copy_body(self) -> None:
        self.query_one(ResponseView).action_copy_body()

    def action_copy_header(self) -> None:
        from textual.suggester import SuggestFromList

        from reqscope.ui.clipboard import response_header_names, response_header_value
        from reqscope.ui.screens.prompt import PromptScreen

        exchange = self.query_one(ResponseView).exchange
        names = response_header_names(exchange)
        if not names:
            self.notify("No response headers to copy from", severity="warning")
            return

        def chosen(name: str | None) -> None:
            if not name:
                return
            value = response_header_value(exchange, name, self._redactor())
            if value is None:
                self.notify(f"The response has no {name} header", severity="warning")
            else:
                self._copy(value, f"the value of {name}")

        prompt = PromptScreen(
            "Copy the value of response header",
            hint="→ completes a name: " + ", ".join(names[:6]) + ("…" if len(names) > 6 else ""),
            suggester=SuggestFromList(names, case_sensitive=False),
        )
        self.push_screen(prompt, chosen)

    def _copy(self, text: str, what: str) -> None:
        if len(text.encode()) > CLIPBOARD_LIMIT:
            self.notify(
                f"{what} is too big for the terminal clipboard; save it to a file instead",
                severity="warning",
            )
            return
        self.copy_to_clipboard(text)
        self.notify(f"Copied {what}", timeout=2)

    def action_request_quit(self) -> None:
        from reqscope.ui.screens import confirm

        if not self.workspace.dirty:
            self._quit()
            return

        def answered(answer: str | None) -> None:
            if answer == "quit":
                self._quit()
            elif answer == "save" and self.workspace.path is not None:
                if self._save_to(self.workspace.path):
                    self._quit()
            elif answer == "save":
                self.action_save_as()

        self.push_screen(confirm.quit_unsaved(self.workspace.title), answered)

    def _quit(self) -> None:
        """A clean exit: the user decided about unsaved work, so no draft is kept."""
        from reqscope.core.workspace import discard_draft

        self._cancel_draft()
        self.workers.cancel_group(self, "draft")
        discard_draft(self.workspace.path, self._drafts_dir)
        self.exit(0)

    def on_unmount(self) -> None:
        self.engine.close()
        if self._leader is not None:
            self._leader.close()


def _keep_name(imported: Request, current: Request) -> Request:
    return replace(imported, name=current.name)
