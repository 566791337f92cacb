"""`reqscope follow`: a leader app publishes redacted snapshots; a follower app mirrors them,
read-only, over a real Unix socket."""

from __future__ import annotations

import threading
from pathlib import Path

from app_helpers import SIZE, make_app, screen_text, wait_until

from reqscope.core.engine import Engine
from reqscope.core.model import Header, Request
from reqscope.core.pairing.channel import Publisher, follow_lines
from reqscope.core.pairing.leader import Leader
from reqscope.core.pairing.snapshot import Snapshot, decode_snapshot, encode_snapshot
from reqscope.core.redact import Redactor
from reqscope.lab.server import LabServer
from reqscope.ui.follow import FollowApp
from reqscope.ui.widgets.request_editor import RequestEditor

TOKEN = "tok-follow-very-secret-42"


async def test_leader_publishes_what_it_shows_without_secrets(
    lab: LabServer, tmp_path: Path
) -> None:
    leader = Leader("lead", tmp_path / "rt")
    leader.start()
    request = Request(
        name="me", url=f"{lab.url}/echo", headers=(Header("Authorization", f"Bearer {TOKEN}"),)
    )
    stop, lines = threading.Event(), []

    def collect() -> None:
        for line in follow_lines("lead", stop, directory=tmp_path / "rt"):
            lines.append(line)

    thread = threading.Thread(target=collect, daemon=True)
    thread.start()
    app = make_app(request, leader=leader)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+j")

            def sent() -> bool:
                return any(decode_snapshot(line).exchange is not None for line in lines)

            await wait_until(pilot, sent, "a snapshot with the exchange")
    finally:
        stop.set()
        thread.join(5)
    assert all(TOKEN.encode() not in line for line in lines)
    last = decode_snapshot(lines[-1])
    assert last.request.url == request.url
    assert last.exchange is not None and last.exchange.status == 200


async def test_follower_mirrors_the_leader_read_only(lab: LabServer, tmp_path: Path) -> None:
    publisher = Publisher("lead", tmp_path / "rt")
    publisher.start()
    request = Request(name="private", url=f"{lab.url}/status/403")
    with Engine() as engine:
        exchange = engine.send(request)
    from reqscope.core.diagnosis import diagnose_full

    line = encode_snapshot(
        Snapshot("pairing", request, exchange, diagnose_full(exchange, ())), Redactor()
    )
    publisher.publish(line)
    app = FollowApp("lead", tmp_path / "rt")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: app.snapshots_shown == 1, "the first snapshot")
            await wait_until(
                pilot, lambda: "403 Forbidden" in screen_text(app), "the leader's response"
            )
            text = screen_text(app)
            assert "following lead" in text and "read-only" in text
            assert f"{lab.url}/status/403" in text
            assert app.query_one(RequestEditor).disabled
            await pilot.press("ctrl+j")  # sending is switched off for a follower
            await pilot.pause(0.3)
            assert app.engine._engine is None  # nothing was sent
            publisher.publish(
                encode_snapshot(
                    Snapshot("pairing", Request(name="next", url="{{base}}/x?h={{env.HOME}}")),
                    Redactor(),
                )
            )
            await wait_until(pilot, lambda: app.snapshots_shown == 2, "the next snapshot")
            await wait_until(pilot, lambda: "{{base}}/x" in screen_text(app), "the new URL")
            # Variables expand on the leader's side: not judged from this process's own.
            text = screen_text(app)
            assert "{{base}} (the leader's value)" in text
            assert "{{env.HOME}} (the leader's value)" in text
            assert "undefined" not in text and "••••••" not in text
    finally:
        publisher.close()
