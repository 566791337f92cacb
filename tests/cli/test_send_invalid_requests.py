"""`reqscope send` with a header, method or URL that cannot go on the wire exits 2 with one
line on stderr naming the part, never a traceback, and sends nothing (real processes, so
argv can carry bytes that are not UTF-8, like `-H $'a: \\xff'` in bash)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reqscope.lab.server import LabServer


def run_send(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "reqscope", "send", *args],
        check=False,
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "LC_ALL": "C.UTF-8"},
    )


@pytest.mark.parametrize(
    ("args", "names"),
    [
        ((b"-H", b"a: \xff"), "header 'a'"),
        ((b"-H", b"X-Token: abc\xfe\xff"), "header 'X-Token'"),
        (("-H", "X-A: 1\r\nX-Injected: 1"), "line break"),
        (("-H", "X-A: 1\nX-Injected: 1"), "line break"),
        (("-H", "X-A: a\x01b"), "control character"),
        (("-H", "Bad Name: x"), "Bad Name"),
        (("-X", "GE T"), "method"),
    ],
)
def test_an_unsendable_request_exits_2_with_one_line(
    lab: LabServer, args: tuple[str | bytes, ...], names: str
) -> None:
    result = run_send(f"{lab.url}/echo", *args)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("reqscope: "), stderr
    assert names in lines[0]
    assert b"\xff" not in result.stderr  # the raw value is not echoed
    assert result.stdout == b""


def test_a_url_with_a_byte_that_is_not_utf8_exits_2(lab: LabServer) -> None:
    result = run_send(f"{lab.url}/echo/".encode() + b"\xff")
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, stderr
    assert "Traceback" not in stderr and "URL" in stderr
