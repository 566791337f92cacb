"""A user-only Unix socket from one leader to its followers, carrying newline-ended lines.

Why a socket per leader in a private directory: the directory is created 0700 and checked to be
ours (a directory pre-created by another user is refused), the socket is 0600, and on Linux each
connecting peer's uid is checked with SO_PEERCRED, so only the same user can follow. A slow
follower has its own thread and a bounded queue: when it falls `max_pending` lines behind it is
disconnected (it reconnects and gets the latest line), so it never slows the leader.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import stat
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from reqscope.core.errors import ReqscopeError

SUFFIX = ".sock"
MAX_LINE = 64 * 1024 * 1024  # a snapshot carries at most a capped body; anything bigger is junk


class ChannelError(ReqscopeError):
    """The runtime directory is unsafe, the leader id is taken, or no leader is running."""


def runtime_dir() -> Path:
    """Where leaders listen: `$XDG_RUNTIME_DIR/reqscope`, else `reqscope-UID` in the temporary
    directory (`$TMPDIR`, usually /tmp)."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if base and Path(base).is_dir():
        return Path(base) / "reqscope"
    return Path(tempfile.gettempdir()) / f"reqscope-{os.getuid()}"  # checked: ours, 0700


def ensure_private_dir(directory: Path) -> Path:
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=0o700, parents=False)
    info = directory.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise ChannelError(f"{directory} is not a directory")
    if info.st_uid != os.getuid():
        raise ChannelError(f"{directory} belongs to another user; refusing to use it")
    if info.st_mode & 0o077:
        raise ChannelError(f"{directory} is readable by others (mode {info.st_mode & 0o777:o})")
    return directory


def socket_path(leader_id: str, directory: Path | None = None) -> Path:
    if not leader_id or "/" in leader_id or leader_id.startswith("."):
        raise ChannelError(f"invalid leader id {leader_id!r}")
    return (directory or runtime_dir()) / f"{leader_id}{SUFFIX}"


def list_leaders(directory: Path | None = None) -> list[str]:
    """Ids of leaders whose socket accepts a connection, most recently started first."""
    folder = directory or runtime_dir()
    if not folder.is_dir():
        return []
    sockets = sorted(
        (p for p in folder.glob(f"*{SUFFIX}") if _is_socket(p)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    return [p.name.removesuffix(SUFFIX) for p in sockets if _accepts(p)]


def peer_uid(conn: socket.socket) -> int | None:
    """The connecting process's uid (Linux); None where the platform cannot tell."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    creds = conn.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


class Publisher:
    """The leader's end. `publish` never blocks on a follower."""

    def __init__(
        self,
        leader_id: str | None = None,
        directory: Path | None = None,
        *,
        max_pending: int = 8,
        max_followers: int = 16,
    ) -> None:
        self.leader_id = leader_id or str(os.getpid())
        self._directory = directory
        self._max_pending = max_pending
        self._max_followers = max_followers
        self._lock = threading.Lock()
        self._latest: bytes | None = None
        self._followers: list[_Follower] = []
        self._server: socket.socket | None = None
        self._closed = threading.Event()
        self.path = socket_path(self.leader_id, directory)
        self.dropped = 0  # followers disconnected for falling behind

    def start(self) -> Path:
        ensure_private_dir(self.path.parent)
        if self.path.exists() or self.path.is_symlink():
            if _accepts(self.path):
                raise ChannelError(f"a reqscope leader {self.leader_id!r} is already running")
            self.path.unlink()  # left behind by a leader that crashed
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            server.bind(str(self.path))
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o600)
        server.listen(self._max_followers)
        self._server = server
        threading.Thread(target=self._accept_loop, name="reqscope-publisher", daemon=True).start()
        return self.path

    @property
    def follower_count(self) -> int:
        with self._lock:
            return len(self._followers)

    def publish(self, line: bytes) -> None:
        if not line.endswith(b"\n"):
            line += b"\n"
        with self._lock:
            self._latest = line
            followers = list(self._followers)
        for follower in followers:
            if not follower.offer(line):
                self._drop(follower)

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        with self._lock:
            followers, self._followers = self._followers, []
        for follower in followers:
            follower.close()

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._closed.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                return  # closed
            uid = peer_uid(conn)
            if uid is not None and uid != os.getuid():
                conn.close()
                continue
            with self._lock:
                if len(self._followers) >= self._max_followers:
                    conn.close()
                    continue
                follower = _Follower(conn, self._max_pending, self._forget)
                self._followers.append(follower)
                latest = self._latest
            if latest is not None:
                follower.offer(latest)
            follower.start()

    def _drop(self, follower: _Follower) -> None:
        self.dropped += 1
        self._forget(follower)
        follower.close()

    def _forget(self, follower: _Follower) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._followers.remove(follower)


class _Follower:
    def __init__(
        self, conn: socket.socket, max_pending: int, gone: Callable[[_Follower], None]
    ) -> None:
        self._conn = conn
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=max_pending)
        self._gone = gone

    def start(self) -> None:
        threading.Thread(target=self._send_loop, name="reqscope-follower", daemon=True).start()

    def offer(self, line: bytes) -> bool:
        try:
            self._queue.put_nowait(line)
        except queue.Full:
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._conn.close()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    def _send_loop(self) -> None:
        try:
            while (line := self._queue.get()) is not None:
                self._conn.sendall(line)
        except OSError:
            pass
        finally:
            self._gone(self)
            self.close()


def follow_lines(
    leader_id: str | None,
    stop: threading.Event,
    *,
    directory: Path | None = None,
    on_status: Callable[[str], None] = lambda _message: None,
    retry_seconds: float = 0.5,
) -> Iterator[bytes]:
    """Lines from the leader, re-attaching whenever it restarts, until `stop` is set.

    With no `leader_id`, follows the most recently started leader (looked up again on every
    reconnection, so a restarted leader with a new pid is found)."""
    waiting_said = False
    while not stop.is_set():
        target = leader_id or next(iter(list_leaders(directory)), None)
        conn = _connect(socket_path(target, directory)) if target else None
        if conn is None:
            if not waiting_said:
                on_status(
                    f"waiting for leader {leader_id!r}" if leader_id else "waiting for a leader"
                )
                waiting_said = True
            stop.wait(retry_seconds)
            continue
        waiting_said = False
        on_status(f"following {target}")
        try:
            yield from _lines(conn, stop)
        finally:
            conn.close()
        if not stop.is_set():
            on_status(f"leader {target} went away; waiting for it to come back")
            waiting_said = True


def _lines(conn: socket.socket, stop: threading.Event) -> Iterator[bytes]:
    conn.settimeout(0.2)  # wake up to notice `stop`
    buffer = bytearray()
    while not stop.is_set():
        try:
            chunk = conn.recv(1 << 16)
        except TimeoutError:
            continue
        except OSError:
            return
        if not chunk:
            return
        buffer += chunk
        while (end := buffer.find(b"\n")) >= 0:
            yield bytes(buffer[: end + 1])
            del buffer[: end + 1]
        if len(buffer) > MAX_LINE:
            return  # not a leader we understand; reconnecting resynchronises


def _connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


def _accepts(path: Path) -> bool:
    conn = _connect(path)
    if conn is None:
        return False
    conn.close()
    return True


def _is_socket(path: Path) -> bool:
    try:
        return stat.S_ISSOCK(path.lstat().st_mode)
    except OSError:
        return False


def wait_for_followers(publisher: Publisher, count: int, timeout: float) -> bool:
    """For tests and the CLI: until `count` followers are attached or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if publisher.follower_count >= count:
            return True
        time.sleep(0.01)
    return publisher.follower_count >= count
