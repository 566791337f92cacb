"""The follow channel over real Unix sockets, and snapshots that never carry secrets."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from reqscope.core.diagnosis import diagnose_full
from reqscope.core.engine import Engine
from reqscope.core.model import Header, Request
from reqscope.core.pairing.channel import (
    ChannelError,
    Publisher,
    follow_lines,
    list_leaders,
    wait_for_followers,
)
from reqscope.core.pairing.snapshot import (
    FOLLOWER_BODY_CAP,
    Snapshot,
    SnapshotError,
    decode_snapshot,
    encode_snapshot,
)
from reqscope.core.redact import Redactor
from reqscope.lab.server import LabServer

TOKEN = "s3cr3t-token-value-123"


@pytest.fixture
def rundir(tmp_path: Path) -> Path:
    return tmp_path / "rt"


@pytest.fixture
def publisher(rundir: Path) -> Iterator[Publisher]:
    pub = Publisher("lead", rundir)
    pub.start()
    yield pub
    pub.close()


def _collect(lines: Iterator[bytes], out: list[bytes], stop: threading.Event) -> None:
    for line in lines:
        out.append(line)
        if stop.is_set():
            return


def _wait(condition: object, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.01)
    return False


def test_snapshot_round_trips_and_leaves_no_secret(lab: LabServer) -> None:
    request = Request(
        name="me",
        url=f"{lab.url}/echo",
        headers=(Header("Authorization", f"Bearer {TOKEN}"),),
    )
    with Engine() as engine:
        exchange = engine.send(request)
    assert TOKEN in exchange.response.text if exchange.response else False  # echoed back
    diagnosis = diagnose_full(exchange, ())
    redactor = Redactor({TOKEN})
    line = encode_snapshot(Snapshot("demo", request, exchange, diagnosis), redactor)
    assert TOKEN.encode() not in line
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    back = decode_snapshot(line)
    assert back.session_name == "demo"
    assert back.request.url == request.url
    assert back.exchange is not None and back.exchange.status == 200
    assert back.diagnosis is not None
    assert [f.cause for f in back.diagnosis.findings] == [f.cause for f in diagnosis.findings]


def test_big_bodies_reach_followers_capped_and_flagged(lab: LabServer) -> None:
    with Engine() as engine:
        exchange = engine.send(Request(url=f"{lab.url}/json/4"))
    assert exchange.response is not None and len(exchange.response.body) > FOLLOWER_BODY_CAP
    line = encode_snapshot(Snapshot("s", Request(url=lab.url), exchange), Redactor())
    back = decode_snapshot(line)
    assert back.exchange is not None and back.exchange.response is not None
    assert back.exchange.response.truncated
    assert len(back.exchange.response.body) <= FOLLOWER_BODY_CAP


@pytest.mark.parametrize("line", [b"not json\n", b'{"v": 99}\n', b"[1]\n"])
def test_foreign_lines_are_clear_errors(line: bytes) -> None:
    with pytest.raises(SnapshotError):
        decode_snapshot(line)


def test_follower_gets_latest_then_live_lines(publisher: Publisher, rundir: Path) -> None:
    publisher.publish(b"first\n")
    stop, got = threading.Event(), []
    lines = follow_lines("lead", stop, directory=rundir)
    thread = threading.Thread(target=_collect, args=(lines, got, stop), daemon=True)
    thread.start()
    assert _wait(lambda: got == [b"first\n"])
    publisher.publish(b"second")
    assert _wait(lambda: got == [b"first\n", b"second\n"])
    stop.set()
    publisher.publish(b"wake\n")
    thread.join(5)
    assert not thread.is_alive()


def test_follower_reattaches_after_the_leader_restarts(rundir: Path) -> None:
    first = Publisher("lead", rundir)
    first.start()
    stop, got, statuses = threading.Event(), [], []
    lines = follow_lines(
        "lead", stop, directory=rundir, on_status=statuses.append, retry_seconds=0.05
    )
    thread = threading.Thread(target=_collect, args=(lines, got, stop), daemon=True)
    thread.start()
    assert wait_for_followers(first, 1, 5)
    first.publish(b"one\n")
    assert _wait(lambda: got == [b"one\n"])
    first.close()
    assert _wait(lambda: any("went away" in s for s in statuses))
    second = Publisher("lead", rundir)
    second.start()
    try:
        assert wait_for_followers(second, 1, 5)
        second.publish(b"two\n")
        assert _wait(lambda: got == [b"one\n", b"two\n"])
    finally:
        stop.set()
        second.close()
        thread.join(5)


def test_a_slow_follower_is_dropped_and_never_slows_the_leader(
    publisher: Publisher, rundir: Path
) -> None:
    stuck = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stuck.connect(str(publisher.path))  # connects and never reads
    try:
        assert wait_for_followers(publisher, 1, 5)
        line = b"x" * (256 * 1024) + b"\n"
        started = time.monotonic()
        for _ in range(200):  # 50 MB offered; a blocking publish would hang here
            publisher.publish(line)
            if publisher.dropped:
                break
        assert time.monotonic() - started < 5
        assert publisher.dropped == 1
        assert _wait(lambda: publisher.follower_count == 0)
    finally:
        stuck.close()


def test_leader_ids_are_exclusive_and_listed(publisher: Publisher, rundir: Path) -> None:
    assert list_leaders(rundir) == ["lead"]
    with pytest.raises(ChannelError, match="already running"):
        Publisher("lead", rundir).start()


def test_a_stale_socket_is_replaced(rundir: Path) -> None:
    rundir.mkdir(mode=0o700)
    path = rundir / "lead.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))  # a leader that died without removing its socket
    dead.close()
    assert path.exists()
    again = Publisher("lead", rundir)
    again.start()
    try:
        assert list_leaders(rundir) == ["lead"]
    finally:
        again.close()


def test_a_directory_others_can_read_is_refused(rundir: Path) -> None:
    rundir.mkdir(mode=0o755)
    rundir.chmod(0o755)
    with pytest.raises(ChannelError, match="readable by others"):
        Publisher("lead", rundir).start()


def test_socket_is_user_only(publisher: Publisher) -> None:
    assert publisher.path.stat().st_mode & 0o777 == 0o600
    assert publisher.path.parent.stat().st_mode & 0o777 == 0o700


def test_follow_list_names_running_leaders(
    rundir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reqscope.cli import main

    monkeypatch.setenv("XDG_RUNTIME_DIR", str(rundir.parent))
    assert main(["follow", "--list"]) == 0
    assert "no reqscope is publishing" in capsys.readouterr().out
    leader = Publisher("mine", rundir.parent / "reqscope")
    leader.start()
    try:
        assert main(["follow", "--list"]) == 0
        assert capsys.readouterr().out.split() == ["mine"]
    finally:
        leader.close()
