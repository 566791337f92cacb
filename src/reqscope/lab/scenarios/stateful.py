"""The state the stateful scenarios keep, always inside the running lab's `LabState` (never in
globals, so parallel labs never see each other) and always bounded in size.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from reqscope.lab.routing import LabState

MAX_BUCKETS = 1024  # distinct rate-limit keys a lab remembers; the oldest is forgotten first
MAX_WINDOW_SECONDS = 3600.0


def lab_secret(state: LabState) -> bytes:
    """The key this lab signs its tokens, cookies and URLs with; made on first use."""
    with state.lock:
        secret = state.data.get("scenarios.secret")
        if secret is None:
            secret = state.data["scenarios.secret"] = secrets.token_bytes(32)
        return bytes(secret)


def first_seen(state: LabState, key: str) -> float:
    """When `key` was first asked about, in epoch seconds (for Age headers)."""
    with state.lock:
        seen: dict[str, float] = state.data.setdefault("scenarios.first_seen", {})
        if key not in seen and len(seen) < MAX_BUCKETS:
            seen[key] = time.time()
        return seen.get(key, time.time())


@dataclass(frozen=True, slots=True)
class WindowVerdict:
    """The outcome of counting one request against a fixed window."""

    allowed: bool
    limit: int
    remaining: int
    used: int
    reset_at: float  # epoch seconds when the window ends

    @property
    def retry_after(self) -> int:
        """Whole seconds until the window ends (at least 1, as Retry-After is an integer)."""
        return max(1, int(self.reset_at - time.time() + 0.999))


def count_in_window(state: LabState, key: str, limit: int, window: float) -> WindowVerdict:
    """Count a request in `key`'s fixed window (it starts with the key's first request).
    Refused requests do not count, like GitHub's and Kong's limiters."""
    window = min(max(window, 0.1), MAX_WINDOW_SECONDS)
    now = time.time()
    with state.lock:
        buckets: OrderedDict[str, Any] = state.data.setdefault("scenarios.windows", OrderedDict())
        started, used = buckets.get(key, (now, 0))
        if now >= started + window:
            started, used = now, 0
        allowed = used < limit
        if allowed:
            used += 1
        buckets[key] = (started, used)
        buckets.move_to_end(key)
        while len(buckets) > MAX_BUCKETS:
            buckets.popitem(last=False)
    return WindowVerdict(allowed, limit, max(0, limit - used), used, started + window)
