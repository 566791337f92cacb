"""`--record`: the session with each replayed request's new exchange as its recording.

One recording per request (the newest), in request order, like the app's save. Nothing is
redacted here: `store.save_session(..., redactor=run.redactor)` redacts when it writes, with
every secret the run met.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from reqscope.core.model import Exchange, Session
from reqscope.core.replay.runner import SKIPPED, RequestResult


def needs_recording(result: RequestResult) -> bool:
    """True when the request ran and its recording is missing or differs in a way that
    counts (ignored differences alone do not rewrite the file)."""
    if result.outcome == SKIPPED or result.exchange is None:
        return False
    return result.comparison is None or result.comparison.regression


def with_recordings(session: Session, results: Iterable[RequestResult]) -> Session:
    """`session` whose history holds, per request, the new exchange where one is given and
    the old recording otherwise."""
    new: dict[str, Exchange] = {
        r.name: replace(r.exchange, request_name=r.name)
        for r in results
        if r.exchange is not None and needs_recording(r)
    }
    history: list[Exchange] = []
    for request in session.requests:
        if request.name in new:
            history.append(new[request.name])
            continue
        old = [e for e in session.history if e.request_name == request.name]
        if old:
            history.append(old[-1])
    return replace(session, history=tuple(history))


__all__ = ["needs_recording", "with_recordings"]
