"""`reqscope share` latency and cost, over real SSH on 127.0.0.1, everything in one process
(the host app, its SSH server, two guests' apps and the asyncssh clients):

- keystroke echo: a driving guest types one character in the URL field; time until the frame
  showing it arrives at that guest's SSH client (two guests connected);
- host send -> guest render: the host sends; time until both guests' clients have received the
  frame with the new status line;
- join -> first frame: SSH connect + PTY session until the client has the frame with the URL;
- memory per guest: the process's RSS growth per extra guest (4 guests).

    .venv/bin/python bench/bench_share.py
"""

from __future__ import annotations

import asyncio
import gc
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncssh
from textual.widgets import Input, TextArea

from reqscope.core.model import Request, Session
from reqscope.core.workspace import Workspace
from reqscope.lab.server import running_lab
from reqscope.share.host import HostApp, JoinInfo
from reqscope.share.hub import GuestHub
from reqscope.share.keys import Role, load_allow_lists, load_or_create_host_key
from reqscope.share.server import JoinRequest, ShareServer, bind_socket
from reqscope.ui.app import freeze_heap

ECHO_ROUNDS = 40
SEND_ROUNDS = 20
JOIN_ROUNDS = 8
MEMORY_GUESTS = 4
TIMEOUT = 10.0


class Client(asyncssh.SSHClientSession[bytes]):
    def __init__(self) -> None:
        self.data = bytearray()
        self.changed = asyncio.Event()

    def data_received(self, data: bytes, datatype: int | None) -> None:
        self.data += data
        self.changed.set()


async def wait_for(condition: Callable[[], bool]) -> None:
    deadline = time.perf_counter() + TIMEOUT
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError(f"the guest did not get there in time: {condition}")
        await asyncio.sleep(0.001)


def screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


async def join(port: int, key: asyncssh.SSHKey) -> tuple[Any, Any, Client]:
    conn = await asyncssh.connect(
        "127.0.0.1",
        port,
        username="guest",
        client_keys=[key],
        known_hosts=None,
        agent_path=None,
    )
    chan, client = await conn.create_session(
        Client, term_type="xterm-256color", term_size=(120, 36), encoding=None
    )
    return conn, chan, client


async def run(lab_url: str, tmp: Path) -> dict[str, list[float]]:
    key = asyncssh.generate_private_key("ssh-ed25519", comment="bench")
    allow = tmp / "allow"
    allow.write_text("role=driver " + key.export_public_key().decode())
    host_key = load_or_create_host_key(tmp / "state")
    sock = bind_socket()
    info = JoinInfo("127.0.0.1", sock.getsockname()[1], host_key.get_fingerprint())
    hub = GuestHub(max_guests=MEMORY_GUESTS + 2)
    server = ShareServer(hub, load_allow_lists([allow]), host_key)
    session = Session(name="bench", requests=(Request(url=f"{lab_url}/status/403"),))
    app = HostApp(Workspace(session), loaded=session, hub=hub, server=server, sock=sock, info=info)
    results: dict[str, list[float]] = {"echo": [], "send": [], "alone": [], "join": [], "mem": []}

    async def driver_first(request: JoinRequest) -> Role | None:
        return Role.DRIVER if not hub.guests else Role.VIEWER

    async with app.run_test(size=(120, 36)) as pilot:
        server.approve = driver_first
        while server.port == 0:
            await pilot.pause(0.01)
        freeze_heap()  # as `ReqscopeApp.run` does a second after its first frame
        marker = b"/status/4"  # the host's URL, whichever status it asks for
        for _ in range(JOIN_ROUNDS):
            start = time.perf_counter()
            conn, chan, client = await join(server.port, key)
            await wait_for(lambda c=client: marker in c.data)  # type: ignore[misc]
            results["join"].append((time.perf_counter() - start) * 1000)
            chan.write(b"\x11")
            await chan.wait_closed()
            conn.close()
            await wait_for(lambda: not hub.guests)

        statuses = [(f"{lab_url}/status/404", b"Not Found"), (f"{lab_url}/status/409", b"Conflict")]
        for index in range(SEND_ROUNDS):  # the same, with no guest: what the host alone costs
            url, text = statuses[index % 2]
            app.workspace.update(Request(url=url))
            app._render_workspace()
            await asyncio.sleep(0.1)
            start = time.perf_counter()
            app.action_send()
            shown = text.decode()
            await wait_for(lambda t=shown: t in screen_text(app))  # type: ignore[misc]
            results["alone"].append((time.perf_counter() - start) * 1000)

        guests = [await join(server.port, key) for _ in range(2)]
        for _conn, _chan, client in guests:
            await wait_for(lambda c=client: marker in c.data)  # type: ignore[misc]
        driver_chan, driver_client = guests[0][1], guests[0][2]
        driver_chan.write(b"\x0c\x05")  # ctrl+l, end: the cursor at the end of the URL
        await asyncio.sleep(0.3)
        letters = "abcdefghijklmnopqrstuvwxyz"
        for index in range(ECHO_ROUNDS):
            letter = letters[index % len(letters)].encode()
            seen = len(driver_client.data)
            start = time.perf_counter()
            driver_chan.write(letter)
            await wait_for(lambda s=seen, t=letter: t in driver_client.data[s:])  # type: ignore[misc]
            results["echo"].append((time.perf_counter() - start) * 1000)
            await asyncio.sleep(0.02)
        driver_chan.write(b"\x15")  # ctrl+u: clear the URL typed so far
        await asyncio.sleep(0.3)

        for index in range(SEND_ROUNDS):
            url, text = statuses[index % 2]
            app.workspace.update(Request(url=url))
            app._render_workspace()
            await asyncio.sleep(0.1)
            marks = [len(c.data) for _, _, c in guests]
            start = time.perf_counter()
            app.action_send()
            await wait_for(
                lambda m=marks, t=text: all(  # type: ignore[misc]
                    t in c.data[mark:] for (_, _, c), mark in zip(guests, m, strict=True)
                )
            )
            results["send"].append((time.perf_counter() - start) * 1000)
        for conn, chan, _client in guests:
            chan.write(b"\x11")
            await chan.wait_closed()
            conn.close()
        await wait_for(lambda: not hub.guests)

        await asyncio.sleep(0.5)
        before = rss_mb()
        extra = [await join(server.port, key) for _ in range(MEMORY_GUESTS)]
        for _conn, _chan, client in extra:
            await wait_for(lambda c=client: marker in c.data)  # type: ignore[misc]
        await asyncio.sleep(0.5)
        results["mem"].append((rss_mb() - before) / MEMORY_GUESTS)
        for conn, chan, _client in extra:
            chan.write(b"\x11")
            await chan.wait_closed()
            conn.close()
    sock.close()
    gc.unfreeze()
    return results


def main() -> None:
    for widget in (Input, TextArea):
        widget.cursor_blink._default = False  # no output between keystrokes
    with running_lab() as lab, tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = tmp  # drafts, log and host key: not the user's
        results = asyncio.run(run(lab.url, Path(tmp)))
    print("reqscope share over SSH on 127.0.0.1 (host, server, guests, clients in one process)")
    print(f"{'measure':<44}{'median':>10}{'max':>10}  n")
    rows = [
        ("keystroke echo, 2 guests (ms)", results["echo"]),
        ("host send -> host rendered, no guest (ms)", results["alone"]),
        ("host send -> both guests rendered (ms)", results["send"]),
        ("join -> first frame (ms)", results["join"]),
        (f"RSS per guest, {MEMORY_GUESTS} guests (MB)", results["mem"]),
    ]
    for name, values in rows:
        print(f"{name:<44}{statistics.median(values):>10.1f}{max(values):>10.1f}  {len(values)}")


if __name__ == "__main__":
    main()
