"""The leader's side: coalesce what the app shows into snapshots, encode and publish them off
the caller's thread, so the UI's event loop never waits on encoding or on followers."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from reqscope.core.pairing.channel import Publisher

if TYPE_CHECKING:  # the encoder (store, diagnosis report) loads in the thread, off start-up
    from reqscope.core.pairing.snapshot import Snapshot
    from reqscope.core.redact import Redactor

log = logging.getLogger("reqscope.pairing")


class Leader:
    def __init__(self, leader_id: str | None = None, directory: Path | None = None) -> None:
        self.publisher = Publisher(leader_id, directory)
        self._pending: tuple[Snapshot, Redactor] | None = None
        self._wake = threading.Condition()
        self._closed = False
        self.published = 0

    @property
    def leader_id(self) -> str:
        return self.publisher.leader_id

    def start(self) -> Path:
        path = self.publisher.start()
        threading.Thread(target=self._loop, name="reqscope-leader", daemon=True).start()
        return path

    def show(self, snapshot: Snapshot, redactor: Redactor) -> None:
        """Called on every change; only the latest pending snapshot is encoded."""
        with self._wake:
            self._pending = (snapshot, redactor)
            self._wake.notify()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self.publisher.close()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while self._pending is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                assert self._pending is not None
                (snapshot, redactor), self._pending = self._pending, None
            try:
                from reqscope.core.pairing.snapshot import encode_snapshot  # first use: loads it

                line = encode_snapshot(snapshot, redactor)
            except Exception:  # a snapshot we cannot encode must not end publishing
                log.exception("could not encode a snapshot for followers")
                continue
            self.publisher.publish(line)
            self.published += 1
