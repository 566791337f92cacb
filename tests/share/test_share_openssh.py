"""The OpenSSH client (what guests really use) joins, quits, and is refused an exec."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest
from share_helpers import allow_file, guest_apps, hosting, make_key, screen_text, wait_until

from reqscope.core.model import Request
from reqscope.lab.server import LabServer

SSH = shutil.which("ssh")
pytestmark = pytest.mark.skipif(SSH is None, reason="OpenSSH's ssh client is not installed")


def _ssh_args(port: int, key: Path, *extra: str) -> list[str]:
    assert SSH is not None
    return [
        SSH,
        "-F",
        "/dev/null",
        "-p",
        str(port),
        "-i",
        str(key),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        *extra,
        "guest@127.0.0.1",
    ]


async def test_openssh_joins_and_quits(lab: LabServer, tmp_path: Path) -> None:
    key, key_path = make_key(tmp_path, "alice")
    allow = allow_file(tmp_path, (key, ""))
    async with hosting(tmp_path, allow, Request(url=f"{lab.url}/openssh")) as (app, pilot):
        proc = await asyncio.create_subprocess_exec(
            *_ssh_args(app.share_server.port, key_path, "-tt"),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert proc.stdin is not None and proc.stdout is not None
        try:
            await wait_until(pilot, lambda: len(guest_apps(app)) == 1, "the ssh guest")
            (view,) = guest_apps(app)
            await wait_until(pilot, lambda: f"{lab.url}/openssh" in screen_text(view), "URL")
            proc.stdin.write(b"\x11")
            await proc.stdin.drain()
            output, _ = await asyncio.wait_for(proc.communicate(), 20)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        assert proc.returncode == 0
        assert b"\x1b[?1049h" in output


async def test_openssh_exec_and_password_are_refused(lab: LabServer, tmp_path: Path) -> None:
    key, key_path = make_key(tmp_path, "alice")
    allow = allow_file(tmp_path, (key, ""))
    async with hosting(tmp_path, allow, Request(url=f"{lab.url}/x")) as (app, _pilot):
        port = app.share_server.port
        run_id = await asyncio.create_subprocess_exec(
            *_ssh_args(port, key_path),
            "id",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(run_id.communicate(), 20)
        assert run_id.returncode != 0 and b"uid=" not in out
        password = await asyncio.create_subprocess_exec(
            *_ssh_args(port, tmp_path / "nokey", "-o", "PreferredAuthentications=password"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(password.communicate(), 20)
        assert password.returncode == 255 and b"Permission denied" in err
        assert not app.hub.guests
