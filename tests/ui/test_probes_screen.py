"""The probe screen driven by Pilot against the lab: `p` after a refusal shows each probe,
the verdicts and the minimal fix; `a` puts the fix in the editor and resends; a POST is only
resent when the user allows it; `p` with nothing sent yet explains itself, and in a text
field it is just a letter."""

from __future__ import annotations

from app_helpers import SIZE, make_app, screen_text, wait_for_text, wait_until
from textual.widgets import Button

from reqscope.core.model import BodyKind, Header, Request
from reqscope.lab.server import LabServer
from reqscope.ui.screens.help import HelpScreen
from reqscope.ui.screens.probes import ProbeScreen
from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane


async def _send_and_focus_diagnosis(app: object, pilot: object) -> None:
    from textual.pilot import Pilot

    from reqscope.ui.app import ReqscopeApp

    assert isinstance(app, ReqscopeApp) and isinstance(pilot, Pilot)
    await pilot.press("ctrl+j")
    await wait_until(pilot, lambda: bool(app.workspace.history()), "the refused exchange")
    app.query_one(DiagnosisPane).focus()
    await pilot.pause()


async def test_p_probes_live_and_a_applies_the_minimal_fix(lab: LabServer) -> None:
    request = Request(
        url=f"{lab.url}/403/akamai/products",
        headers=(Header("User-Agent", "python-requests/2.31.0"),),
    )
    app = make_app(request)
    async with app.run_test(size=SIZE) as pilot:
        await _send_and_focus_diagnosis(app, pilot)
        await wait_for_text(pilot, "403")
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, ProbeScreen), "the probe screen")
        await wait_for_text(pilot, "Minimal fix (200)")
        text = screen_text(app)
        assert "the fix for bot_detection" in text and "200 OK" in text and "fixed" in text
        assert "✓ confirmed" in text and "bot_detection" in text
        await pilot.press("a")
        await wait_until(pilot, lambda: not isinstance(app.screen, ProbeScreen), "the fix applied")
        user_agent = next(h.value for h in app.workspace.current.headers if h.name == "User-Agent")
        assert user_agent.startswith("Mozilla/5.0")
        await wait_until(pilot, lambda: len(app.workspace.history()) == 2, "the resend")
        assert app.workspace.history()[0].status == 200
        await wait_for_text(pilot, "200 OK")


async def test_a_post_is_resent_only_when_allowed(lab: LabServer) -> None:
    request = Request(
        method="POST",
        url=f"{lab.url}/415/aspnet/api/orders",
        headers=(Header("Content-Type", "text/plain"),),
        body_kind=BodyKind.RAW,
        body='{"item": "lab-widget", "quantity": 1}',
    )
    app = make_app(request)
    async with app.run_test(size=SIZE) as pilot:
        await _send_and_focus_diagnosis(app, pilot)
        await pilot.press("p")
        await wait_for_text(pilot, "Allow resending POST")
        assert "Probes resend it only if you allow it" in screen_text(app)
        await pilot.click("#probe-safe")
        await wait_for_text(pilot, "Minimal fix: none found by probing.")
        text = screen_text(app)
        assert "not sent" in text and "POST not resent" in text
        assert "Done: 0 of 6 requests sent" in text
        assert app.screen.query_one("#probe-apply", Button).disabled
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, ProbeScreen), "closed")

        await pilot.press("p")
        await wait_for_text(pilot, "Allow resending POST")
        await pilot.click("#probe-unsafe")
        await wait_for_text(pilot, "Minimal fix (201): set header Content-Type: application/json")
        await pilot.click("#probe-apply")
        await wait_until(pilot, lambda: len(app.workspace.history()) == 2, "the resend")
        assert app.workspace.history()[0].status == 201


async def test_p_types_in_text_fields_explains_itself_and_is_in_help(lab: LabServer) -> None:
    app = make_app(Request(url=f"{lab.url}/403/akamai/products"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.click("#url")
        await pilot.press("end", "?", "p")
        await pilot.pause()
        assert app.workspace.current.url.endswith("?p")  # a letter key: the field keeps it
        assert not isinstance(app.screen, ProbeScreen)
        app.query_one(DiagnosisPane).focus()
        await pilot.pause()
        await pilot.press("p")
        await wait_for_text(pilot, "Send the request first")
        assert not isinstance(app.screen, ProbeScreen)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        assert "Probe: test the likely causes" in screen_text(app)
