"""The replay screen: run the session (or from one request on) with a progress bar and a list
of results; the highlighted result's details (what failed, what changed, the diagnosis) show
below it, and `d` opens the diff of that request's recording and this run.

The replay runs in a thread worker over the app's engine; results arrive one by one. On
close, the screen hands back the exchanges and the secrets met, so the app records them in
the session's history and keeps masking captured tokens.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, ProgressBar, Static
from textual.worker import get_current_worker

from reqscope.core.errors import ReqscopeError
from reqscope.core.model import Exchange, Session, Variable
from reqscope.core.replay.compare import outcome_text
from reqscope.core.replay.report import result_details, result_line
from reqscope.core.replay.runner import (
    ERROR,
    FAILED,
    PASSED,
    SKIPPED,
    Replay,
    ReplayOptions,
    RequestResult,
)
from reqscope.ui.formatting import inert

if TYPE_CHECKING:
    from reqscope.core.engine import Engine

LABELS = {PASSED: "PASS", FAILED: "FAIL", ERROR: "ERROR", SKIPPED: "SKIP"}


@dataclass(frozen=True, slots=True)
class ReplayOutcome:
    """What the app keeps from a replay: each request's new exchange (by name) and the
    secrets met (captured tokens), so they stay masked."""

    exchanges: tuple[tuple[str, Exchange], ...]
    secrets: frozenset[str]


class ReplayScreen(Screen[ReplayOutcome | None]):
    DEFAULT_CSS = """
    ReplayScreen #replay-title { height: 1; padding: 0 1; text-style: bold; background: $panel; }
    ReplayScreen ProgressBar { padding: 0 1; height: 1; }
    ReplayScreen #replay-status { height: 1; padding: 0 1; color: $text-muted; }
    ReplayScreen DataTable { height: 1fr; min-height: 5; }
    ReplayScreen #replay-details { height: 1fr; border-top: solid $panel-lighten-2; }
    ReplayScreen #replay-details Static { padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("d", "diff", "Diff with recording"),
        Binding("r", "rerun", "Run again"),
    ]

    def __init__(
        self,
        session: Session,
        variables: Sequence[Variable],
        env: Mapping[str, str],
        engine: Engine,
        *,
        start: str = "",
    ) -> None:
        """`session` carries the recordings to compare with (its history); `variables` are
        the session's with run-time values applied; `start` replays from that request on."""
        super().__init__()
        self._session = replace(session, variables=tuple(variables))
        self._env = dict(env)
        self._engine = engine
        self._start = start
        self._results: list[RequestResult] = []
        self._replay: Replay | None = None

    def compose(self) -> ComposeResult:
        where = f"from {self._start!r} on" if self._start else "all requests"
        yield Static(Text(f"Replay {self._session.name} — {where}"), id="replay-title")
        yield ProgressBar(show_eta=False, id="replay-progress")
        yield Static("", id="replay-status")
        table: DataTable[str] = DataTable(cursor_type="row", id="replay-results")
        table.add_columns("", "Request", "Result", "Time")
        yield table
        with VerticalScroll(id="replay-details"):
            yield Static("", id="replay-detail-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self._begin()

    # --- running ---------------------------------------------------------------------------

    def _begin(self) -> None:
        self._results = []
        self.query_one(DataTable).clear()
        self._set_details("")
        try:
            replay = Replay(
                self._session,
                env=self._env,
                options=ReplayOptions(start=self._start),
                engine=self._engine,
            )
        except ReqscopeError as exc:
            self._set_status(f"Cannot replay: {exc}")
            self.query_one(ProgressBar).update(total=1, progress=0)
            return
        self._replay = replay
        self.query_one(ProgressBar).update(total=len(replay.selected), progress=0)
        self._set_status(f"replaying {len(replay.selected)} request(s)…")
        self._run_worker(replay)

    @work(thread=True, group="replay", exclusive=True, exit_on_error=False)
    def _run_worker(self, replay: Replay) -> None:
        worker = get_current_worker()
        for result in replay.results():
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self._add_result, result)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._finished)

    def _add_result(self, result: RequestResult) -> None:
        self._results.append(result)
        table = self.query_one(DataTable)
        if result.exchange is None:
            outcome = result.reason
        else:
            outcome = outcome_text(result.exchange)
            comparison, recorded = result.comparison, result.recorded
            if comparison is not None and comparison.regression and recorded is not None:
                was = outcome_text(recorded)
                outcome += f" (was {was})" if was != outcome else " (changed)"
        table.add_row(
            LABELS[result.outcome],
            inert(result.name),
            inert(outcome),
            f"{result.duration_ms:.0f} ms" if result.exchange is not None else "",
            key=str(len(self._results) - 1),
        )
        self.query_one(ProgressBar).advance(1)
        if len(self._results) == 1:
            self._show_details(0)

    def _finished(self) -> None:
        counts = dict.fromkeys(LABELS, 0)
        for result in self._results:
            counts[result.outcome] += 1
        self._set_status(
            f"done: {counts[PASSED]} passed, {counts[FAILED]} failed, {counts[ERROR]} errors, "
            f"{counts[SKIPPED]} skipped"
        )
        first_bad = next((i for i, r in enumerate(self._results) if r.outcome != PASSED), None)
        if first_bad is not None:
            self.query_one(DataTable).move_cursor(row=first_bad)
            self._show_details(first_bad)

    # --- details, diff, close --------------------------------------------------------------

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_details(event.cursor_row)

    def _show_details(self, index: int) -> None:
        if not 0 <= index < len(self._results):
            return
        result = self._results[index]
        lines = [result_line(result), *(line.strip() for line in result_details(result))]
        if result.outcome == PASSED and len(lines) == 1:
            checks = len(result.checks)
            lines.append(f"{checks} expectation(s) met" if checks else "no expectations")
        if result.comparison is not None and result.outcome != SKIPPED:
            lines.append("d: diff with the recording")
        self._set_details("\n".join(lines))

    def action_diff(self) -> None:
        from reqscope.ui.screens.diff import DiffScreen, exchange_label

        table = self.query_one(DataTable)
        index = table.cursor_row
        if not 0 <= index < len(self._results):
            return
        result = self._results[index]
        if result.recorded is None or result.exchange is None or self._replay is None:
            self.notify("Nothing recorded for this request to compare with", timeout=3)
            return
        choices = [
            (exchange_label(1, result.exchange, "this run"), result.exchange),
            (exchange_label(2, result.recorded, "recording"), result.recorded),
        ]
        title = f"{result.name}: the recording (left) and this run (right)"
        self.app.push_screen(DiffScreen(title, choices, self._replay.redactor, left=1, right=0))

    def action_rerun(self) -> None:
        self.workers.cancel_group(self, "replay")
        self._begin()

    def action_close(self) -> None:
        self.workers.cancel_group(self, "replay")
        secrets = self._replay.redactor.secrets if self._replay is not None else frozenset()
        exchanges = tuple((r.name, r.exchange) for r in self._results if r.exchange is not None)
        self.dismiss(ReplayOutcome(exchanges, secrets))

    def _set_status(self, text: str) -> None:
        self.query_one("#replay-status", Static).update(Text(inert(text)))

    def _set_details(self, text: str) -> None:
        self.query_one("#replay-detail-text", Static).update(Text(inert(text, keep_newlines=True)))
