"""The probe screen (`p`): re-test the latest refusal with a few safe variants of the request
and show each one live, then the causes confirmed, ruled out or untested, and the minimal
change that produced a success, which `a` applies to the request in the editor.

The probes run in a thread worker over the app's engine (core/probes does the work; this
screen only shows it). A write (POST, PUT, PATCH, DELETE) is not resent unless the user says
so here first. Secrets are masked, tokens fetched mid-run included. The screen dismisses with
the fixed request to put in the editor, or None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static
from textual.worker import Worker, get_current_worker

from reqscope.core.errors import TemplateError
from reqscope.core.model import Exchange, Request
from reqscope.core.probes.experiment import (
    SAFE_METHODS,
    Outcome,
    ProbeOptions,
    ProbeReport,
    ProbeResult,
)
from reqscope.ui.formatting import human_size, inert

if TYPE_CHECKING:
    from reqscope.core.probes.run import Sender
    from reqscope.core.redact import Redactor
    from reqscope.ui.app import ReqscopeApp

COLUMNS = (
    ("#", "step"),
    ("Variant", "variant"),
    ("Result", "result"),
    ("Notes", "notes"),
    ("Change", "change"),
)
CELL_CHARS = 48  # longer cells are cut: the conclusion below spells the fix out in full
MARKS = {"confirmed": "✓ confirmed", "ruled_out": "✗ ruled out", "untested": "? untested"}


def probe_screen_for(app: ReqscopeApp) -> ProbeScreen | None:
    """The screen for the current request's latest exchange, or None (and a notice) when
    there is nothing to probe yet."""
    from reqscope.core.redact import Redactor, secrets_in_exchange

    latest = app.workspace.history()
    if not latest:
        app.notify("Send the request first: probes start from its response", timeout=4)
        return None
    exchange = latest[0]
    try:
        expansion = app.variable_context.expand(app.workspace.current, app.workspace.variables)
    except TemplateError as exc:
        app.notify(str(exc), title="Cannot probe", severity="error")
        return None
    request = expansion.request
    if not _produced(request, exchange):
        app.notify("The request changed since it was sent: send it again, then probe", timeout=5)
        return None
    redactor = Redactor(set(expansion.secrets) | secrets_in_exchange(exchange))
    earlier = tuple(e for e in app.workspace.all_history() if e is not exchange)
    return ProbeScreen(
        app.engine.get(), request, exchange, earlier, redactor, editor_request=app.workspace.current
    )


def _produced(request: Request, exchange: Exchange) -> bool:
    """Whether `exchange` was sent for `request` as it is now (method and URL on the wire)."""
    from reqscope.core.wire import WireError, to_wire

    try:
        wire = to_wire(request)
    except WireError:
        return False
    sent = exchange.request
    return (wire.method.upper(), wire.url) == (sent.method.upper(), sent.url)


class ProbeScreen(ModalScreen[Request | None]):
    DEFAULT_CSS = """
    ProbeScreen { align: center middle; }
    ProbeScreen > Vertical {
        width: 96%; height: 90%; border: thick $primary; background: $surface; padding: 0 1;
    }
    ProbeScreen #probe-title { height: 1; text-style: bold; }
    ProbeScreen #probe-status { height: auto; color: $text-muted; }
    ProbeScreen #probe-ask { height: auto; margin: 1 0; }
    ProbeScreen #probe-ask Static { margin-bottom: 1; }
    ProbeScreen DataTable { height: 1fr; min-height: 4; }
    ProbeScreen #probe-conclusion { height: auto; max-height: 45%; }
    ProbeScreen #probe-buttons { height: auto; align-horizontal: right; }
    ProbeScreen Button { margin-left: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("a", "apply", "Apply the minimal fix"),
        Binding("s", "stop", "Stop probing"),
    ]

    def __init__(
        self,
        sender: Sender,
        request: Request,
        exchange: Exchange,
        history: Sequence[Exchange],
        redactor: Redactor,
        *,
        editor_request: Request,
        options: ProbeOptions | None = None,
    ) -> None:
        """`request` is the expanded request that produced `exchange`; `editor_request` the
        same one as edited (templates kept), which the minimal fix is applied to."""
        super().__init__()
        self._sender = sender
        self._request = request
        self._exchange = exchange
        self._history = tuple(history)
        self._redactor = redactor.copy()
        self._editor_request = editor_request
        self._options = options or ProbeOptions()
        self._report: ProbeReport | None = None
        self._worker: Worker[None] | None = None
        self._skipped = 0

    # --- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        method = self._request.method.upper()
        url = self._redactor.url(self._request.url)
        with Vertical():
            yield Static(
                Text(f"Probes: {method} {url} → {self._exchange.status}"), id="probe-title"
            )
            yield Static("", id="probe-status")
            if method not in SAFE_METHODS and not self._options.allow_unsafe:
                with Vertical(id="probe-ask"):
                    yield Static(
                        Text(
                            f"This is a {method}. Probes resend it only if you allow it: the "
                            "server may do the write again (a second order, a second upload)."
                        )
                    )
                    with Horizontal(id="probe-buttons-ask"):
                        yield Button("Probe without resending", id="probe-safe", variant="primary")
                        yield Button(
                            f"Allow resending {method}", id="probe-unsafe", variant="error"
                        )
            table: DataTable[Text] = DataTable(cursor_type="row", id="probe-table")
            for label, key in COLUMNS:
                table.add_column(label, key=key)
            yield table
            with VerticalScroll(id="probe-conclusion"):
                yield Static("", id="probe-conclusion-text")
            with Horizontal(id="probe-buttons"):
                yield Button("Apply the minimal fix", id="probe-apply", disabled=True)
                yield Button("Stop", id="probe-stop", disabled=True)
                yield Button("Close", id="probe-close")

    def on_mount(self) -> None:
        if self.query("#probe-ask"):
            self.query_one("#probe-safe", Button).focus()
            self._status("Choose whether probes may resend the request.")
        else:
            self._start(self._options)

    # --- running ---------------------------------------------------------------------------

    @on(Button.Pressed, "#probe-safe, #probe-unsafe")
    def _answered(self, event: Button.Pressed) -> None:
        event.stop()
        allow = event.button.id == "probe-unsafe"
        self.query_one("#probe-ask").remove()
        self._start(replace(self._options, allow_unsafe=allow))

    def _start(self, options: ProbeOptions) -> None:
        self._status(f"Probing: at most {options.budget} requests, {options.rate:g} per second…")
        self.query_one("#probe-stop", Button).disabled = False
        self.query_one(DataTable).focus()
        self._worker = self._probe_worker(options)

    @work(thread=True, group="probes", exclusive=True, exit_on_error=False)
    def _probe_worker(self, options: ProbeOptions) -> None:
        from reqscope.core.diagnosis import diagnose_full
        from reqscope.core.probes import run_probes

        worker = get_current_worker()

        def relay(result: ProbeResult) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._show, result)

        diagnosis = diagnose_full(self._exchange, self._history)
        report = run_probes(
            self._sender,
            self._request,
            self._exchange,
            diagnosis,
            self._history,
            options=options,
            before=relay,
            after=relay,
            cancelled=lambda: worker.is_cancelled,
        )
        if not worker.is_cancelled:
            self.app.call_from_thread(self._finished, report)

    def _show(self, result: ProbeResult) -> None:
        """A probe about to go out (a new row) or answered (its row completed)."""
        from reqscope.core.probes.report import masked_change, remember_secrets

        if not self.is_mounted:  # closed while this probe was on the wire
            return
        remember_secrets(self._redactor, result)
        table = self.query_one(DataTable)
        if result.outcome is Outcome.SKIPPED:
            self._skipped += 1
            key = f"skipped-{self._skipped}"
        else:
            key = f"step-{result.step}"
        variant = "fetch a CSRF token" if result.fetch else result.experiment.label
        change = "" if result.fetch else masked_change(result.actions, self._redactor)
        answer, notes = self._answer(result)
        if key in table.rows:
            table.update_cell(key, "result", Text(answer), update_width=True)
            table.update_cell(key, "notes", Text(_cut(notes)), update_width=True)
            return
        table.add_row(
            Text(str(result.step) if result.step else "–"),
            Text(_cut(inert(self._redactor.scrub(variant)))),
            Text(answer),
            Text(_cut(notes)),
            Text(_cut(inert(change))),
            key=key,
        )

    def _answer(self, result: ProbeResult) -> tuple[str, str]:
        from reqscope.core.probes import notable_headers

        note = inert(self._redactor.scrub(result.note))
        if result.outcome is Outcome.SENDING:
            return "sending…", ""
        if result.outcome is Outcome.SKIPPED:
            return "not sent", note
        exchange = result.exchange
        if exchange is None or exchange.response is None:
            return str(result.outcome), note
        response = exchange.response
        size = human_size(max(response.size, len(response.body)))
        answer = f"{response.status} {inert(response.reason)} · {size} · {result.outcome}"
        headers = [
            f"{inert(name)}: {inert(self._redactor.header_value(name, value))}"
            for name, value in notable_headers(exchange)
        ]
        return answer, " · ".join([note, *headers]).strip(" ·")

    def _finished(self, report: ProbeReport) -> None:
        from reqscope.core.probes.report import masked_change

        if not self.is_mounted:
            return
        self._report = report
        self.query_one("#probe-stop", Button).disabled = True
        stopped = f" — {self._redactor.scrub(report.stopped)}" if report.stopped else ""
        self._status(f"Done: {report.sent} of {report.budget} requests sent{stopped}")
        lines: list[str] = ["Verdicts (new ranking)"]
        for verdict in report.verdicts:
            mark = MARKS.get(str(verdict.kind), str(verdict.kind))
            reason = self._redactor.scrub(verdict.reason)
            lines.append(f"  {mark:<12} {verdict.cause}  {verdict.finding.score:.0%}  {reason}")
        if not report.verdicts:
            lines.append("  no findings to test")
        fix = report.minimal_fix
        if fix is None:
            lines.append("Minimal fix: none found by probing.")
        else:
            change = masked_change(fix.actions, self._redactor)
            lines.append(f"Minimal fix ({fix.status}): {change}  — press a to apply it")
            self.query_one("#probe-apply", Button).disabled = False
        text = inert("\n".join(lines), keep_newlines=True)
        self.query_one("#probe-conclusion-text", Static).update(Text(text))

    def _status(self, text: str) -> None:
        self.query_one("#probe-status", Static).update(Text(inert(text)))

    # --- actions ---------------------------------------------------------------------------

    @on(Button.Pressed, "#probe-apply")
    def _apply_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply()

    @on(Button.Pressed, "#probe-stop")
    def _stop_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_stop()

    @on(Button.Pressed, "#probe-close")
    def _close_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_close()

    def action_apply(self) -> None:
        """Dismiss with the editor's request changed the way the minimal fix changed it."""
        from reqscope.core.probes import apply_actions

        report = self._report
        if report is None or report.minimal_fix is None:
            self.notify("No fix to apply: probing found none (yet)", timeout=3)
            return
        self.dismiss(apply_actions(self._editor_request, report.minimal_fix.actions))

    def action_stop(self) -> None:
        if self._worker is not None and self._worker.is_running:
            self._worker.cancel()
            self.query_one("#probe-stop", Button).disabled = True
            self._status("Stopped: no more probes are sent")

    def action_close(self) -> None:
        if self._worker is not None and self._worker.is_running:
            self._worker.cancel()
        self.dismiss(None)


def _cut(text: str) -> str:
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"
