"""The host's side of sharing: who is in, what they see, and what a driving guest may do.

What guests see is the `reqscope follow` snapshot (one redacted line), encoded and decoded once
per change and offered to every guest. A small one (the usual edit or refusal: bodies up to
16 KB, about a millisecond) is encoded right away on the host's loop, so guests start
rendering before the host's own repaint; one with a big body goes to a thread of its own, so
the host's event loop never waits on the redaction of megabytes. Each guest keeps only the
latest snapshot it has not shown yet: a guest that renders slowly skips intermediate states,
it never queues them.

Roles are checked here, on the host, whatever a guest's app believes: a viewer's edit or send
is dropped.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from reqscope.core.model import Request
from reqscope.core.pairing.snapshot import Snapshot, decode_snapshot, encode_snapshot
from reqscope.core.redact import Redactor
from reqscope.share.keys import Role

log = logging.getLogger("reqscope.share")

DEFAULT_MAX_GUESTS = 4
INLINE_BYTES = 16 * 1024  # request + response bodies up to this are handled on the loop


@dataclass(frozen=True, slots=True)
class ViewState:
    """Where the host is looking, for guests who follow the host's view: the request and
    response tabs, the selected finding, and the pane filling the screen ("" when none)."""

    request_tab: str = ""
    response_tab: str = ""
    finding: int = 0
    zoomed: str = ""


class GuestView(Protocol):
    """What the hub needs from a guest's app."""

    def offer(self, snapshot: Snapshot) -> None: ...

    def follow_view(self, view: ViewState) -> None: ...

    def change_role(self, role: Role) -> None: ...


@dataclass(slots=True)
class Guest:
    guest_id: str
    name: str  # the key's comment, or the SSH user name when the key has none
    fingerprint: str
    allowed: Role  # from the allow list: the most the host may hand over
    role: Role = Role.VIEWER
    peer: str = ""
    view: GuestView | None = field(default=None, repr=False)


class GuestHub:
    def __init__(self, max_guests: int = DEFAULT_MAX_GUESTS) -> None:
        self.max_guests = max_guests
        self.guests: dict[str, Guest] = {}
        self.latest: Snapshot | None = None
        self.view = ViewState()
        self.on_edit: Callable[[], object] = lambda: None  # an edit waits in `take_edit`
        self.on_send: Callable[[Guest], object] = lambda _guest: None
        self.on_change: Callable[[], object] = lambda: None  # roster or roles changed
        self._edit: tuple[Guest, Request] | None = None
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: tuple[int, Snapshot, Redactor] | None = None
        self._shown = 0  # sequence number of the latest `show`
        self._delivered = 0  # ... and of the latest one delivered: older ones are dropped
        self._wake = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        self.published = 0

    # --- snapshots -------------------------------------------------------------------------

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._thread = threading.Thread(target=self._encode_loop, name="reqscope-share-feed")
        self._thread.daemon = True
        self._thread.start()

    def show(self, snapshot: Snapshot, redactor: Redactor) -> None:
        """Called by the host on every change; only the latest pending one is encoded."""
        with self._wake:
            self._shown += 1
            seq = self._shown
            if snapshot_size(snapshot) > INLINE_BYTES:
                self._pending = (seq, snapshot, redactor)
                self._wake.notify()
                return
            self._pending = None  # a big one still waiting is older than this one
        shown = _encoded(snapshot, redactor)
        if shown is not None:
            self._deliver(seq, shown)

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()

    def _encode_loop(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed or self._loop is None:
                    return
                assert self._pending is not None
                (seq, snapshot, redactor), self._pending = self._pending, None
            shown = _encoded(snapshot, redactor)
            if shown is None:
                continue
            try:
                self._loop.call_soon_threadsafe(self._deliver, seq, shown)
            except RuntimeError:  # the loop is closed: the host is gone
                return

    def _deliver(self, seq: int, snapshot: Snapshot) -> None:
        if seq < self._delivered:
            return  # a big body encoded on the thread, overtaken by a newer small change
        self._delivered = seq
        if snapshot == self.latest:
            return  # the host re-rendered what guests already show: nothing for them to do
        self.latest = snapshot
        self.published += 1
        for guest in list(self.guests.values()):
            if guest.view is not None:
                guest.view.offer(snapshot)

    def show_view(self, view: ViewState) -> None:
        """The host navigated (on its loop): guests following it go there too."""
        if view == self.view:
            return
        self.view = view
        for guest in list(self.guests.values()):
            if guest.view is not None:
                guest.view.follow_view(view)

    # --- roster ----------------------------------------------------------------------------

    @property
    def full(self) -> bool:
        return len(self.guests) >= self.max_guests

    def admit(self, name: str, fingerprint: str, allowed: Role, role: Role, peer: str) -> Guest:
        guest = Guest(
            f"g{next(self._ids)}",
            name,
            fingerprint,
            allowed,
            role if allowed is Role.DRIVER else Role.VIEWER,
            peer,
        )
        self.guests[guest.guest_id] = guest
        log.info(
            "guest %s joined: %s key %s from %s as %s",
            guest.guest_id,
            name,
            fingerprint,
            peer,
            guest.role.value,
        )
        self.on_change()
        return guest

    def attach(self, guest: Guest, view: GuestView) -> None:
        guest.view = view
        if self.latest is not None:
            view.offer(self.latest)
        view.follow_view(self.view)

    def leave(self, guest: Guest) -> None:
        if self.guests.pop(guest.guest_id, None) is not None:
            log.info("guest %s left: %s key %s", guest.guest_id, guest.name, guest.fingerprint)
            self.on_change()

    def hand_over(self, guest_id: str, role: Role) -> Role | None:
        """Give a guest `role` (never more than its key allows); the role it now has."""
        guest = self.guests.get(guest_id)
        if guest is None:
            return None
        if role is Role.DRIVER and guest.allowed is not Role.DRIVER:
            return guest.role
        guest.role = role
        log.info("guest %s (%s) is now %s", guest_id, guest.fingerprint, role.value)
        if guest.view is not None:
            guest.view.change_role(role)
        self.on_change()
        return role

    # --- what guests ask for ---------------------------------------------------------------

    def edit(self, guest_id: str, request: Request) -> None:
        """A driver's edit. Edits typed faster than the host applies them are coalesced: the
        host applies the latest one once."""
        guest = self.guests.get(guest_id)
        if guest is None or guest.role is not Role.DRIVER:
            return
        pending, self._edit = self._edit, (guest, request)
        if pending is None:
            self.on_edit()

    def take_edit(self) -> tuple[Guest, Request] | None:
        """For the host, in its own task: the latest edit not applied yet (role re-checked)."""
        edit, self._edit = self._edit, None
        if edit is None or edit[0].role is not Role.DRIVER:
            return None
        return edit

    def send(self, guest_id: str) -> None:
        guest = self.guests.get(guest_id)
        if guest is not None and guest.role is Role.DRIVER:
            self.on_send(guest)


def snapshot_size(snapshot: Snapshot) -> int:
    exchange = snapshot.exchange
    response = exchange.response if exchange is not None else None
    return len(snapshot.request.body) + (len(response.body) if response is not None else 0)


def _encoded(snapshot: Snapshot, redactor: Redactor) -> Snapshot | None:
    """Through the same encoding as `reqscope follow`: what a guest receives went through the
    store's redaction, by header name and by value."""
    try:
        return decode_snapshot(encode_snapshot(snapshot, redactor))
    except Exception:  # one snapshot that cannot be encoded must not end sharing
        log.exception("could not encode a snapshot for guests")
        return None
