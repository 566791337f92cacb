"""The hub's snapshot feed, without SSH: a small change reaches guests at once, a big body is
encoded on the feed thread, and a big one overtaken by a newer small change never lands."""

from __future__ import annotations

import asyncio

from reqscope.core.model import Exchange, Request, Response, SentRequest
from reqscope.core.pairing.snapshot import Snapshot
from reqscope.core.redact import Redactor
from reqscope.share.hub import INLINE_BYTES, GuestHub, ViewState
from reqscope.share.keys import Role

SECRET = "hub-secret-value-7781"


class Recorder:
    def __init__(self) -> None:
        self.offered: list[Snapshot] = []
        self.views: list[ViewState] = []

    def offer(self, snapshot: Snapshot) -> None:
        self.offered.append(snapshot)

    def follow_view(self, view: ViewState) -> None:
        self.views.append(view)

    def change_role(self, role: Role) -> None:
        pass


def snapshot(url: str, body: bytes = b"") -> Snapshot:
    request = Request(url=url)
    exchange = Exchange(
        SentRequest("GET", url),
        Response(200, "OK", body=body, text=body.decode(), charset="utf-8", size=len(body)),
    )
    return Snapshot("hub", request, exchange)


async def settle(hub: GuestHub, condition: object) -> None:
    for _ in range(200):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the hub did not deliver in time")


def joined(hub: GuestHub) -> Recorder:
    guest = hub.admit("alice", "SHA256:x", Role.VIEWER, Role.VIEWER, "127.0.0.1:1")
    view = Recorder()
    hub.attach(guest, view)
    return view


async def test_a_small_change_is_offered_at_once_and_redacted() -> None:
    hub = GuestHub()
    hub.start(asyncio.get_running_loop())
    view = joined(hub)
    hub.show(snapshot(f"http://127.0.0.1/x?k={SECRET}", SECRET.encode()), Redactor({SECRET}))
    assert len(view.offered) == 1  # no thread hop, no loop turn
    hub.show(snapshot(f"http://127.0.0.1/x?k={SECRET}", SECRET.encode()), Redactor({SECRET}))
    assert len(view.offered) == 1  # the same state again: guests have nothing to redo
    shown = view.offered[0]
    assert SECRET not in shown.request.url
    assert shown.exchange is not None and shown.exchange.response is not None
    assert SECRET.encode() not in shown.exchange.response.body
    hub.close()


async def test_a_big_body_goes_through_the_feed_thread_and_loses_to_a_newer_change() -> None:
    hub = GuestHub()
    hub.start(asyncio.get_running_loop())
    view = joined(hub)
    big = b"x" * (INLINE_BYTES + 1)
    hub.show(snapshot("http://127.0.0.1/big", big), Redactor(set()))
    assert view.offered == []  # encoded on the thread, delivered by the loop
    await settle(hub, lambda: len(view.offered) == 1)
    response = view.offered[0].exchange.response if view.offered[0].exchange else None
    assert response is not None and response.body == big

    # A big one still being encoded, then a small one: the small one is the latest state.
    hub.show(snapshot("http://127.0.0.1/big-again", big * 20), Redactor(set()))
    hub.show(snapshot("http://127.0.0.1/small"), Redactor(set()))
    assert view.offered[-1].request.url == "http://127.0.0.1/small"
    await asyncio.sleep(0.5)  # long enough for the thread to finish the big one
    assert view.offered[-1].request.url == "http://127.0.0.1/small"
    assert hub.latest is not None and hub.latest.request.url == "http://127.0.0.1/small"
    hub.close()


def test_the_hosts_view_reaches_guests_once_per_change_and_on_joining() -> None:
    hub = GuestHub()
    first = joined(hub)
    assert first.views == [ViewState()]  # where the host is, as soon as one joins
    headers = ViewState(request_tab="tab-query", response_tab="headers")
    hub.show_view(headers)
    hub.show_view(headers)  # the same place again: nothing to send
    assert first.views == [ViewState(), headers]
    second = joined(hub)
    assert second.views == [headers]
