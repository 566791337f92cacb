"""DiagnosisPane in a small harness app: what is on screen, keys, and FixRequested."""

from __future__ import annotations

import socket

from app_helpers import make_app, wait_for_text
from app_helpers import screen_text as app_screen_text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Collapsible, Footer, Static

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
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane, FindingView, actionable_fix

SIZE = (120, 36)


NARROW = 34  # about what the pane gets in a 120-column terminal next to the sidebar


class PaneApp(App[None]):
    """The pane alone, or (`narrow`) a column beside a stand-in for the response view, sized
    by an id rule the way app.tcss sizes it."""

    CSS = f"#stand-in {{ width: 1fr; }} #diagnosis {{ width: {NARROW}; }}"

    def __init__(self, *, narrow: bool = False) -> None:
        super().__init__()
        self.narrow = narrow
        self.fix_requests: list[DiagnosisPane.FixRequested] = []

    def compose(self) -> ComposeResult:
        if not self.narrow:
            yield DiagnosisPane()
        else:
            with Horizontal():
                yield Static("STAND-IN", id="stand-in")
                yield DiagnosisPane(id="diagnosis")
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
        assert "▾ 1  ████░  72%  csrf" in text
        assert "  The CSRF token is missing" in text
        assert "┃ request has cookie csrftoken but no X-CSRFToken header" in text
        assert "1. Send the csrftoken cookie's value as X-CSRFToken" in text
        assert "→ press t to set header X-CSRFToken: abc" in text
        assert "https://docs.djangoproject.com/en/stable/ref/csrf/" in text
        # The second finding is collapsed to its head line and title.
        assert "▸ 2  ██░░░  41%  waf_blocked" in text
        assert "A web application firewall blocked the request" in text
        assert "Ray ID" not in text
        # Ruled-out causes are listed, collapsed.
        assert "Ruled out (1)" in text
        assert "accepted" not in text
        # The next diagnosis reuses the views rank by rank: WAF, expanded, now ranks first.
        first = pane.query(FindingView).first()
        pane.show_diagnosis(Diagnosis((WAF,)), exchange)
        await pilot.pause()
        assert list(pane.query(FindingView)) == [first]
        text = screen_text(app)
        assert "▾ 1  ██░░░  41%  waf_blocked" in text and "Ray ID" in text
        assert "csrf" not in text.lower() and "Ruled out" not in text


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
        assert not pane.query_one("#ruled-out", Collapsible).display  # WAF rules nothing out
        text = screen_text(app)
        assert "1 likely cause" in text and "CSRF" not in text and "Ruled out" not in text
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


LONG = Finding(
    cause="bot_detection",
    title="The server refuses this User-Agent (library), as its robot policy says",
    score=0.92,
    evidence=(
        'the response says "Please set a user-agent and respect our robot policy"',
        "User-Agent sent: Python-urllib/3.11",
    ),
    fixes=(
        Fix(
            "Send a descriptive User-Agent naming your tool and a contact, as the site asks.",
            FixAction("set_user_agent", value="my-tool/1.0 (+mailto:you@example.com)"),
        ),
    ),
)


def pane_lines(app: App[None]) -> list[str]:
    """The pane's rows on screen, as text, trailing blanks dropped."""
    pane = app.query_one(DiagnosisPane)
    region = pane.region
    rows = app.screen._compositor.render_strips()[region.y : region.bottom]
    return [row.text[region.x : region.right].rstrip() for row in rows]


async def test_a_narrow_pane_keeps_quote_bars_and_hanging_indents(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/status/403"))
    app = PaneApp(narrow=True)
    async with app.run_test(size=SIZE) as pilot:
        app.query_one(DiagnosisPane).show_diagnosis(Diagnosis((LONG,)), exchange)
        await pilot.pause()
        lines = pane_lines(app)
        assert all(len(line) <= NARROW for line in lines)
        body = [line[1:] for line in lines]  # after the selection bar
        start = body.index("▾ 1  █████  92%  bot_detection")
        title = body[start + 1 : body.index("  Evidence")]
        assert len(title) > 1 and all(line.startswith("  ") for line in title)
        evidence = body[body.index("  Evidence") + 1 : body.index("  Fixes")]
        assert len(evidence) > 2  # wrapped: each wrapped line still carries the quote bar
        assert all(line.startswith("  ┃ ") for line in evidence)
        assert " ".join(line[4:] for line in evidence) == (
            'the response says "Please set a user-agent and respect our robot policy" '
            "User-Agent sent: Python-urllib/3.11"
        )
        fix = body[body.index("  Fixes") + 1 :]
        assert fix[0].startswith("  1. Send a descriptive")
        hint = next(i for i, line in enumerate(fix) if "→ press t" in line)
        assert hint > 1 and all(line.startswith("     ") for line in fix[1:hint])
        assert all(line.startswith("       ") for line in fix[hint + 1 :] if line)
        hint_text = " ".join(line.strip() for line in fix[hint:] if line)
        assert "→ press t to set User-Agent to my-tool/1.0 (+mailto:you@example.com)" in hint_text


async def test_z_zooms_the_pane_to_the_whole_screen_and_back(lab: LabServer) -> None:
    exchange = send(Request(url=f"{lab.url}/status/403"))
    app = PaneApp(narrow=True)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DiagnosisPane)
        pane.show_diagnosis(Diagnosis((LONG,)), exchange)
        pane.focus()
        await pilot.pause()
        assert pane.size.width == NARROW
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is pane and pane.size.width == SIZE[0]
        assert "STAND-IN" not in app_screen_text(app)  # the rest is hidden
        # Full width, the fix hint fits on one line.
        assert any(
            "→ press t to set User-Agent to my-tool/1.0 (+mailto:you@example.com)" in line
            for line in pane_lines(app)
        )
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is None and pane.size.width == NARROW
        await pilot.press("z", "escape")  # escape restores too (Textual's minimise)
        await pilot.pause()
        assert app.screen.maximized is None


async def test_try_fix_in_the_app_resends_and_the_refusal_is_gone(lab: LabServer) -> None:
    """End to end against the lab: Wikimedia refuses a library User-Agent; t applies the
    finding's fix (a descriptive User-Agent) to the request and resends; the 2xx shows."""
    url = f"{lab.url}/403/wikimedia/w/api.php?action=opensearch&search=python"
    request = Request(url=url, headers=(Header("User-Agent", "Python-urllib/3.11"),))
    app = make_app(request, send_at_start=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_text(pilot, "403 Forbidden")
        await wait_for_text(pilot, "█  ")  # a finding's score bar
        pane = app.query_one(DiagnosisPane)
        finding = pane.selected_finding
        assert finding is not None and finding.cause == "bot_detection"
        fix = actionable_fix(finding)
        assert fix is not None and fix.action is not None
        assert fix.action.kind == "set_user_agent"
        pane.focus()
        await pilot.press("z")  # the narrow pane zoomed shows the whole finding
        await wait_for_text(pilot, "→ press t to set User-Agent to")
        await pilot.press("z", "t")
        await wait_for_text(pilot, "200 OK")
        await wait_for_text(pilot, "No problems found.")
        text = app_screen_text(app)
        assert "403 Forbidden" not in text and "bot_detection" not in text
        user_agents = [h.value for h in app.workspace.current.headers if h.name == "User-Agent"]
        assert user_agents == [fix.action.value]
        latest = app.workspace.history()[0]
        assert latest.status == 200 and latest.request.url.endswith("search=python")
