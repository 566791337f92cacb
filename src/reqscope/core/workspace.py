"""The app's model: one session being edited.

The UI renders a `Workspace` and calls its methods for every edit; it never keeps request state
in widgets. The workspace knows which request is selected, the exchanges each request produced
in this run (in memory, bounded), and whether the session differs from what was last loaded or
saved. It also owns the crash-recovery drafts: a copy of the edited session written next to
nothing the user owns (under the XDG state directory), offered back when the session is opened
again and found newer than the file.

No Textual here, so all of it is unit-tested headless.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from reqscope.core.model import Exchange, Request, Session, Variable

HISTORY_LIMIT = 20  # exchanges kept per request; older ones are dropped
SCRATCH_NAME = "scratch"


def unique_name(wanted: str, taken: Iterable[str]) -> str:
    """`wanted`, or `wanted 2`, `wanted 3` ... whichever is not taken."""
    names = set(taken)
    wanted = wanted.strip() or "request"
    if wanted not in names:
        return wanted
    number = 2
    while f"{wanted} {number}" in names:
        number += 1
    return f"{wanted} {number}"


class Workspace:
    """A session being edited. Requests are addressed by index; each also has a private id so
    its history follows it through renames, moves and deletions of others."""

    def __init__(
        self,
        session: Session | None = None,
        path: Path | None = None,
        *,
        saved: Session | None = None,
        history_limit: int = HISTORY_LIMIT,
    ) -> None:
        session = session or Session()
        if not session.requests:
            session = replace(session, requests=(Request(),))
        self.path = path
        self._session = replace(session, history=())
        # The baseline `dirty` compares against: what is on disk (or nothing, for scratch).
        self._saved = _content(saved if saved is not None else session)
        self._ids = list(range(len(session.requests)))
        self._next_id = len(self._ids)
        self._history_limit = history_limit
        self._history: dict[int, deque[Exchange]] = {}
        for exchange in session.history:
            index = self.index_of(exchange.request_name)
            if index is not None:
                self._remember(self._ids[index], exchange)
        self.current_index = 0

    # --- reading -------------------------------------------------------------------------

    @property
    def session(self) -> Session:
        return self._session

    @property
    def requests(self) -> tuple[Request, ...]:
        return self._session.requests

    @property
    def variables(self) -> tuple[Variable, ...]:
        return self._session.variables

    @property
    def current(self) -> Request:
        return self._session.requests[self.current_index]

    @property
    def dirty(self) -> bool:
        """The session differs from the last load or save (history does not count)."""
        return _content(self._session) != self._saved

    @property
    def title(self) -> str:
        """What the title bar shows: file name (or scratch) and a `*` when unsaved."""
        name = self.path.name if self.path is not None else SCRATCH_NAME
        return f"{name} *" if self.dirty else name

    def index_of(self, name: str) -> int | None:
        for index, request in enumerate(self._session.requests):
            if request.name == name:
                return index
        return None

    def key(self, index: int | None = None) -> int:
        """A stable id for request `index` (default: current) that survives renames, moves
        and deletions of others: what a slow send remembers to record its result."""
        return self._ids[self.current_index if index is None else index]

    def index_of_key(self, key: int) -> int | None:
        return self._ids.index(key) if key in self._ids else None

    def all_history(self) -> tuple[Exchange, ...]:
        """Every exchange of this run, all requests, oldest first (for the diagnosis)."""
        exchanges = [e for kept in self._history.values() for e in kept]
        return tuple(
            sorted(exchanges, key=lambda e: e.started_at.timestamp() if e.started_at else 0.0)
        )

    def history(self, index: int | None = None) -> tuple[Exchange, ...]:
        """Exchanges of request `index` (default: the current one), newest first."""
        request_id = self._ids[self.current_index if index is None else index]
        return tuple(reversed(self._history.get(request_id, ())))

    # --- editing -------------------------------------------------------------------------

    def select(self, index: int) -> Request:
        self._check(index)
        self.current_index = index
        return self.current

    def update(self, request: Request, index: int | None = None) -> None:
        """Replace request `index` (default: current). Its name is kept unique."""
        index = self.current_index if index is None else index
        self._check(index)
        others = (r.name for i, r in enumerate(self.requests) if i != index)
        if request.name in set(others):
            request = replace(request, name=unique_name(request.name, self._names(but=index)))
        self._set_requests((*self.requests[:index], request, *self.requests[index + 1 :]))

    def add(self, request: Request | None = None) -> int:
        """Append a request (a blank one by default), select it and return its index."""
        request = request or Request()
        request = replace(request, name=unique_name(request.name, self._names()))
        self._set_requests((*self.requests, request))
        self._ids.append(self._new_id())
        self.current_index = len(self.requests) - 1
        return self.current_index

    def duplicate(self, index: int | None = None) -> int:
        """Copy request `index` right after it (without its history) and select the copy."""
        index = self.current_index if index is None else index
        self._check(index)
        original = self.requests[index]
        copy = replace(original, name=unique_name(f"{original.name} copy", self._names()))
        self._set_requests((*self.requests[: index + 1], copy, *self.requests[index + 1 :]))
        self._ids.insert(index + 1, self._new_id())
        self.current_index = index + 1
        return self.current_index

    def rename(self, index: int, name: str) -> str:
        """Rename request `index`; returns the name actually given (made unique)."""
        self._check(index)
        new_name = unique_name(name, self._names(but=index))
        self.update(replace(self.requests[index], name=new_name), index)
        return new_name

    def delete(self, index: int) -> None:
        """Remove request `index` and its history. A session always keeps one request."""
        self._check(index)
        requests = self.requests[:index] + self.requests[index + 1 :]
        self._history.pop(self._ids.pop(index), None)
        if not requests:
            requests = (Request(),)
            self._ids.append(self._new_id())
        self._set_requests(requests)
        if self.current_index > index or self.current_index >= len(requests):
            self.current_index = max(0, self.current_index - 1)

    def move(self, index: int, offset: int) -> int:
        """Move request `index` by `offset` places (clamped); returns its new index."""
        self._check(index)
        target = max(0, min(len(self.requests) - 1, index + offset))
        current_id = self._ids[self.current_index]
        requests = list(self.requests)
        requests.insert(target, requests.pop(index))
        self._ids.insert(target, self._ids.pop(index))
        self._set_requests(tuple(requests))
        self.current_index = self._ids.index(current_id)
        return target

    def set_variables(self, variables: Iterable[Variable]) -> None:
        self._session = replace(self._session, variables=tuple(variables))

    def record(self, exchange: Exchange, index: int | None = None) -> None:
        """Remember an exchange of request `index` (default: current), newest last."""
        index = self.current_index if index is None else index
        self._check(index)
        self._remember(self._ids[index], exchange)

    # --- saving --------------------------------------------------------------------------

    def session_for_save(self) -> Session:
        """The session as it should be written: the latest exchange of each request (this
        run's, or the one loaded from the file) as its recording, in request order."""
        recorded: list[Exchange] = []
        for index, request in enumerate(self.requests):
            latest = self.history(index)
            if latest:
                recorded.append(replace(latest[0], request_name=request.name))
        return replace(self._session, history=tuple(recorded))

    def mark_saved(self, path: Path | None = None) -> None:
        """The session is now what is on disk at `path` (default: the current path)."""
        if path is not None:
            self.path = path
        self._saved = _content(self._session)

    # --- internals -----------------------------------------------------------------------

    def _set_requests(self, requests: tuple[Request, ...]) -> None:
        self._session = replace(self._session, requests=requests)

    def _names(self, *, but: int | None = None) -> list[str]:
        return [r.name for i, r in enumerate(self.requests) if i != but]

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _remember(self, request_id: int, exchange: Exchange) -> None:
        kept = self._history.setdefault(request_id, deque(maxlen=self._history_limit))
        kept.append(exchange)

    def _check(self, index: int) -> None:
        if not 0 <= index < len(self.requests):
            raise IndexError(f"no request at index {index}")


def _content(session: Session) -> Session:
    """What `dirty` compares: everything the user edits, not the recorded history."""
    return replace(session, history=())


# --- drafts (crash recovery) ---------------------------------------------------------------


def drafts_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/reqscope/drafts`, or `~/.local/state/reqscope/drafts`."""
    environ = os.environ if environ is None else environ
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "reqscope" / "drafts"


def draft_path(session_path: Path | None, directory: Path | None = None) -> Path:
    """The draft file for a session: one per absolute session path, one for scratch."""
    directory = drafts_dir() if directory is None else directory
    if session_path is None:
        return directory / f"{SCRATCH_NAME}.toml"
    absolute = str(session_path.expanduser().resolve())
    digest = hashlib.sha256(absolute.encode()).hexdigest()[:12]
    return directory / f"{session_path.stem}-{digest}.toml"


def write_draft(session: Session, session_path: Path | None, directory: Path | None = None) -> Path:
    """Write the edited session to its draft file atomically (secret values left out, like
    any save) and return the draft's path."""
    from reqscope.core.store import save_session

    path = draft_path(session_path, directory)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_session(replace(session, history=()), path)
    return path


def discard_draft(session_path: Path | None, directory: Path | None = None) -> None:
    draft_path(session_path, directory).unlink(missing_ok=True)


def pending_draft(
    session_path: Path | None, saved: Session, directory: Path | None = None
) -> Session | None:
    """The draft to offer back when opening `session_path`: it exists, is newer than the
    session file, and holds edits the file does not. A stale or unreadable draft is
    removed rather than offered."""
    from reqscope.core.errors import SessionFileError
    from reqscope.core.store import load_session

    path = draft_path(session_path, directory)
    if not path.exists():
        return None
    stale = (
        session_path is not None
        and session_path.exists()
        and path.stat().st_mtime <= session_path.stat().st_mtime
    )
    if stale:
        path.unlink(missing_ok=True)
        return None
    try:
        draft = load_session(path)
    except SessionFileError:
        path.unlink(missing_ok=True)
        return None
    if _content(draft) == _content(saved):
        path.unlink(missing_ok=True)
        return None
    return draft
