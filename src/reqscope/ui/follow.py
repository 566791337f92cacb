"""`reqscope follow`: the normal views, read-only, mirroring a leader's redacted snapshots.

A subclass of the app rather than a second UI: the follower sees exactly the panes the leader
sees. Everything that edits, sends or writes is switched off (`check_action`), the editor is
disabled, and snapshots arrive through a thread worker that re-attaches when the leader restarts.
"""

from __future__ import annotations

import threading
from pathlib import Path

from textual import work
from textual.worker import get_current_worker

from reqscope.core.model import Diagnosis, Session
from reqscope.core.workspace import Workspace
from reqscope.ui.app import ACTIONS, ReqscopeApp
from reqscope.ui.sending import SendResult
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane
from reqscope.ui.widgets.request_editor import RequestEditor
from reqscope.ui.widgets.response_view import ResponseView
from reqscope.ui.widgets.session_sidebar import SessionSidebar

# A follower may look, search, copy and leave; every app action that edits, sends or writes is
# off, including ones added to ACTIONS later, and so is the diagnosis pane's "try it".
ALLOWED_ACTIONS = frozenset({"help", "toggle_sidebar", "copy_body", "copy_curl", "request_quit"})
BLOCKED_ACTIONS = frozenset(
    {a.action for a in ACTIONS} - ALLOWED_ACTIONS | {"try_fix", "save_body"}
)


class FollowApp(ReqscopeApp):
    VARIABLES_HELD_BY = "the leader's"

    def __init__(self, leader_id: str | None, directory: Path | None = None) -> None:
        super().__init__(Workspace(Session(name="following")))
        self._leader_id = leader_id
        self._directory = directory
        self._stop = threading.Event()
        self.snapshots_shown = 0
        self._status_text = "waiting for a leader"

    def on_mount(self) -> None:  # Textual runs ReqscopeApp.on_mount after this one
        self.query_one(RequestEditor).disabled = True
        self.query_one(SessionSidebar).disabled = True
        self._follow_worker()

    def on_unmount(self) -> None:
        self._stop.set()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action not in BLOCKED_ACTIONS

    def _offer_draft(self, path: Path | None, draft: Session) -> None:
        """A follower has no drafts of its own to offer back."""

    def action_request_quit(self) -> None:
        self.exit(0)  # nothing of ours to lose

    @work(thread=True, group="follow", exclusive=True, exit_on_error=False)
    def _follow_worker(self) -> None:
        from reqscope.core.body import BodyDocument
        from reqscope.core.pairing.channel import follow_lines
        from reqscope.core.pairing.snapshot import SnapshotError, decode_snapshot

        worker = get_current_worker()
        for line in follow_lines(
            self._leader_id, self._stop, directory=self._directory, on_status=self._status
        ):
            if worker.is_cancelled:
                return
            try:
                snapshot = decode_snapshot(line)
            except SnapshotError as exc:
                self._status(str(exc))
                continue
            exchange, result = snapshot.exchange, None
            if exchange is not None:
                response = exchange.response
                document = (
                    BodyDocument.from_response(response)
                    if response is not None and response.body
                    else None
                )
                result = SendResult(exchange, snapshot.diagnosis or _empty(), document)
            session = Session(
                name=snapshot.session_name,
                requests=(snapshot.request,),
                history=(exchange,) if exchange is not None else (),
            )
            self.call_from_thread(self._show_snapshot, session, result)

    def _subtitle(self) -> str:
        return f"{self._status_text} (read-only)"

    def _status(self, message: str) -> None:
        if threading.current_thread() is threading.main_thread():
            self._status_text = message
            self.sub_title = self._subtitle()
        else:
            self.call_from_thread(self._status, message)

    def _show_snapshot(self, session: Session, result: SendResult | None) -> None:
        self.workspace = Workspace(session)
        self._render_workspace()
        if result is None:
            self.query_one(ResponseView).show_exchange(None)
            self.query_one(DiagnosisPane).show_diagnosis(None, None)
        else:
            self._show_result(result)
        self.snapshots_shown += 1


def _empty() -> Diagnosis:
    return Diagnosis()
