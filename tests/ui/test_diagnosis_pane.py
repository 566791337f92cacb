"""DiagnosisPane in a small harness app: what is on screen, keys, and FixRequested."""

from __future__ import annotations

import socket

from textual.app import App, ComposeResult
from textual.widgets import Collapsible, Footer

from reqscope.core.diagnosis import diagnose_full
from reqscope.core.engine import Engine
from reqscope.core.model import (
    Diagnosis,
    ErrorKind,
    Exchange,
    Finding,
    Fix,
    FixAction,
    Header,
    Request,
    RuledOut,
)
from reqscope.lab.server import LabServer
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane, FindingView

SIZE = (120, 36)


class PaneApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.fix_requests: list[DiagnosisPane.FixRequested] = []

    def compose(self) -> ComposeResult:
        yield DiagnosisPane()
        yield Footer()

    def on_diagnosis_pane_fix_requested(self, message: DiagnosisPane.FixRequested) -> None:
        self.fix_requests.append(message)


def screen_text(app: App[None]) -> str:
    """Every line on screen as plain text, the way a user reads it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def send(request: Request) -> Exchange:
    with Engine() as engine:
        return engine.send(request)


def refused_url() -> str:
    """A 127.0.0.1 URL nothing listens on: bind an ephemeral port, then close it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"


CSRF = Finding(
    cause="csrf",
    title="The CSRF token is missing",
    score=0.72,
    evidence=("request has cookie csrftoken but no X-CSRFToken header",),
    fixes=(
        Fix(
            "Send the csrftoken cookie's value as X-CSRFToken",
            FixAction("set_header", "X-CSRFToken", "abc"),
        ),
        Fix("Read the framework's CSRF docs"),
    ),
    references=("https://docs.djangoproject.com/en/stable/ref/csrf/",),
)
WAF = Finding(
    cause="waf_blocked",
    title="A web application firewall blocked the request",
    score=0.41,
    evidence=("response header server: cloudflare",),
    fixes=(Fix("Ask the site owner to look up the Ray ID in the firewall events"),),
)
DIAGNOSIS = Diagnosis(
    findings=(CSRF, WAF),
    ruled_out=(RuledOut("missing_credentials", "Authorization header present and accepted"),),
)


async def test_findings_show_rank_score_evidence_fix_and_reference(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/status/403"))
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DiagnosisPane)
        pane.show_diagnosis(DIAGNOSIS, exchange)
        await pilot.pause()
        text = screen_text(app)
        assert "2 likely causes" in text
        assert "1. ███████░░░  72%  The CSRF token is missing  csrf" in text
        assert "│ request has cookie csrftoken but no X-CSRFToken header" in text
        assert "1. Send the csrftoken cookie's value as X-CSRFToken" in text
        assert "→ press t to set header X-CSRFToken: abc" in text
        assert "https://docs.djangoproject.com/en/stable/ref/csrf/" in text
        # The second finding is collapsed to its head line.
        assert "2. ████░░░░░░  41%  A web application firewall blocked the request" in text
        assert "Ray ID" not in text
        # Ruled-out causes are listed, collapsed.
        assert "Ruled out (1)" in text
        assert "accepted" not in text


async def test_try_fix_posts_fix_requested_with_the_actionable_fix(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/status/403"))
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DiagnosisPane)
        pane.show_diagnosis(DIAGNOSIS, exchange)
        pane.focus()
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert len(app.fix_requests) == 1
        message = app.fix_requests[0]
        assert message.finding is CSRF
        assert message.fix is CSRF.fixes[0]
        assert message.fix.action == FixAction("set_header", "X-CSRFToken", "abc")


async def test_navigation_expands_and_try_fix_is_disabled_without_action(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/status/403"))
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DiagnosisPane)
        pane.show_diagnosis(DIAGNOSIS, exchange)
        pane.focus()
        await pilot.pause()
        await pilot.press("down")
        assert pane.selected_finding is WAF
        views = list(pane.query(FindingView))
        assert views[1].has_class("-selected") and not views[0].has_class("-selected")
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "Ask the site owner to look up the Ray ID" in text
        assert "No automatic fix for this one: apply it by hand" in text
        assert pane.check_action("try_fix", ()) is None
        await pilot.press("t")  # disabled: nothing posted
        await pilot.pause()
        assert app.fix_requests == []
        await pilot.press("k")  # vim-style up
        assert pane.selected_finding is CSRF
        assert pane.check_action("try_fix", ()) is True
        await pilot.press("enter")  # collapse the first finding
        await pilot.pause()
        assert "Read the framework's CSRF docs" not in screen_text(app)


async def test_ruled_out_expands_on_demand(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/status/403"))
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DiagnosisPane).show_diagnosis(DIAGNOSIS, exchange)
        await pilot.pause()
        app.query_one(Collapsible).collapsed = False
        await pilot.pause()
        assert "missing_credentials  Authorization header present and accepted" in screen_text(app)


async def test_evidence_with_ansi_and_markup_is_displayed_inert(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/ansi"))
    hostile = Finding(
        cause="waf_blocked",
        title="[bold red]Blocked[/] \x1b[2J",
        score=0.5,
        evidence=("body says \x1b[31m[link=https://x.invalid]click[/link]\x07",),
    )
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DiagnosisPane).show_diagnosis(Diagnosis((hostile,)), exchange)
        await pilot.pause()
        text = screen_text(app)
        assert "[bold red]Blocked[/] ␛[2J" in text
        assert "body says ␛[31m[link=https://x.invalid]click[/link]␇" in text
        assert "\x1b" not in text and "\x07" not in text


async def test_success_without_findings_is_quiet(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/echo"))
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DiagnosisPane)
        pane.show_diagnosis(diagnose_full(exchange), exchange)
        await pilot.pause()
        assert "No problems found." in screen_text(app)
        assert pane.check_action("try_fix", ()) is None


async def test_refusal_with_no_matching_cause_says_so(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/status/418"))
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DiagnosisPane).show_diagnosis(Diagnosis(), exchange)
        await pilot.pause()
        assert "No known cause matched this 418 response" in screen_text(app)


async def test_transport_error_shows_a_helpful_line_in_the_pane() -> None:
    url = refused_url()
    exchange = send(Request(url=url))
    assert exchange.error is not None and exchange.error.kind is ErrorKind.CONNECT_REFUSED
    port = url.split(":")[2].split("/")[0]
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DiagnosisPane).show_diagnosis(diagnose_full(exchange), exchange)
        await pilot.pause()
        assert (
            "No response: the connection was refused — is the server running on "
            f"127.0.0.1:{port}?" in screen_text(app)
        )


async def test_pending_idle_and_replacing_a_diagnosis(lab: LabServer) -> None:
    exchange = send(
        Request(url=f"{lab.url}/status/403", headers=(Header("Authorization", "Bearer x"),))
    )
    app = PaneApp()
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DiagnosisPane)
        await pilot.pause()
        assert "Send a request: the diagnosis" in screen_text(app)
        pane.show_pending()
        await pilot.pause()
        assert "Diagnosing…" in screen_text(app)
        pane.show_diagnosis(DIAGNOSIS, exchange)
        pane.show_diagnosis(Diagnosis((WAF,)), exchange)  # back to back: no duplicate widgets
        await pilot.pause()
        assert len(pane.query(FindingView)) == 1
        assert len(pane.query(Collapsible)) == 0
        text = screen_text(app)
        assert "1 likely cause" in text and "CSRF" not in text
        pane.show_diagnosis(None, None)
        await pilot.pause()
        assert "Send a request: the diagnosis" in screen_text(app)
        assert len(pane.query(FindingView)) == 0


async def test_readable_at_80x24(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/status/403"))
    app = PaneApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(DiagnosisPane).show_diagnosis(DIAGNOSIS, exchange)
        await pilot.pause()
        text = screen_text(app)
        assert "The CSRF token is missing" in text
        assert "→ press t to set header X-CSRFToken: abc" in text
