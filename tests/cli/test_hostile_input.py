"""Hostile input on the command line, over real sockets: whatever the input, the user gets one
clear line on stderr and a documented exit code, never a traceback, and no file is lost or
left half-written. Real processes where only a process shows it (argv bytes, a closed or
broken stdout, Ctrl-C, a terminal); `main()` in-process for the rest, because it is faster."""

from __future__ import annotations

import base64
import json
import os
import pty
import select
import signal
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest
import trustme

from read_only_dir import read_only
from reqscope.cli import main
from reqscope.cli import send as send_command
from reqscope.lab.server import LabServer, running_lab

PASSWORD = "pw-hostile-5e1d7b"
ESCAPES = ("\x1b", "\x07", "\x9b", "\x9d")  # ESC, BEL, CSI, OSC
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    """One lab for the module: nothing here depends on the lab's state."""
    with running_lab() as server:
        yield server


RAW_RESPONSES = {
    # Escape codes in the reason phrase and a header value (the lab's http.server cannot send
    # them; h11 accepts the bytes).
    "/evil": b"HTTP/1.1 403 F\x1b[31mORBIDDEN\r\nX-Evil: \x1b]0;pwned\x07\x1b[2Jx\x9b31m\r\n"
    b"Content-Type: text/plain\r\n",
    # A charset that is a codec but not a text encoding.
    "/base64": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=base64\r\n",
    "/idna": b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=idna\r\n",
    # A server that takes the request and never answers (Ctrl-C lands during the send).
    "/hang": b"",
}


class RawServer:
    """A real HTTP server on 127.0.0.1 answering each path in RAW_RESPONSES with its bytes,
    then Content-Length and the body "A\\xff"; it counts the requests it has read."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.requests_read = threading.Semaphore(0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        held: list[socket.socket] = []
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            try:
                request_line = conn.recv(65536).split(b"\r\n", 1)[0].decode("latin-1")
                self.requests_read.release()
                head = RAW_RESPONSES.get(request_line.split(" ")[1], b"")
            except (OSError, IndexError):
                conn.close()
                continue
            if not head:
                held.append(conn)  # hang: keep the connection open, answer nothing
                continue
            with conn:
                conn.sendall(head + b"Content-Length: 2\r\nConnection: close\r\n\r\nA\xff")
        for conn in held:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()


@pytest.fixture(scope="module")
def raw() -> Iterator[RawServer]:
    server = RawServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def untrusted_tls_lab() -> Iterator[LabServer]:
    ca = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    server = LabServer(ssl_context=context).start()
    try:
        yield server
    finally:
        server.stop()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def process_env(**extra: str) -> dict[str, str]:
    """A user's environment: block-buffered stdout (PYTHONUNBUFFERED would hide a broken
    pipe met only at the final flush), UTF-8, no colour preference, a private runtime dir."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "NO_COLOR")}
    env.update({"LC_ALL": "C.UTF-8", "TERM": "xterm-256color"}, **extra)
    return env


def reqscope(
    *args: str | bytes, stdout: int | IO[bytes] = subprocess.PIPE, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    """reqscope as a real process, stderr captured."""
    return subprocess.run(
        [sys.executable, "-m", "reqscope", *args],
        input=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        check=False,
        timeout=60,
        env=process_env(),
    )


def one_line(stderr: bytes | str) -> str:
    """The single line the user is told; fails on a traceback or several lines."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    assert "Traceback" not in text and "Exception ignored" not in text, text
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("reqscope"), text
    return lines[0]


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- where the output goes ----------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ("lab", "--list"),
        ("--help",),
        ("send", "{lab}/json/1"),
        ("export", "{session}", "--to", "har"),
    ],
)
def test_output_into_a_closed_pipe_ends_quietly_with_141(
    lab: LabServer, tmp_path: Path, args: tuple[str, ...]
) -> None:
    session = tmp_path / "s.toml"
    session.write_text(f'format = 1\n\n[[requests]]\nname = "a"\nurl = "{lab.url}/echo"\n')
    read_end, write_end = os.pipe()
    os.close(read_end)  # `| head` that has already exited
    try:
        done = reqscope(*(a.format(lab=lab.url, session=session) for a in args), stdout=write_end)
    finally:
        os.close(write_end)
    assert done.stderr == b""
    assert done.returncode == 141


def test_a_closed_stdout_is_one_line_and_exit_2(lab: LabServer) -> None:
    done = subprocess.run(
        [
            "/bin/sh",
            "-c",
            'exec "$@" >&-',
            "sh",
            sys.executable,
            "-m",
            "reqscope",
            "send",
            f"{lab.url}/echo",
        ],
        check=False,
        capture_output=True,
        timeout=60,
        env=process_env(),
    )
    assert done.returncode == 2
    assert one_line(done.stderr) == "reqscope: cannot write the output: standard output is closed"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_is_one_line_and_exit_2(lab: LabServer) -> None:
    with open("/dev/full", "wb") as full:
        done = reqscope("send", f"{lab.url}/json/1", stdout=full)
    assert done.returncode == 2
    assert "No space left on device" in one_line(done.stderr)


def test_ctrl_c_during_a_send_is_one_line_and_exit_130(raw: RawServer) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "reqscope", "send", f"{raw.url}/hang"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env(),
    ) as proc:
        # The server has read the request: the process is inside the send, waiting.
        assert raw.requests_read.acquire(timeout=30)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert out == b""
    assert one_line(err) == "reqscope: interrupted"


def read_terminal(args: list[str], **env: str) -> str:
    """Run reqscope with stdout on a pseudo-terminal and return what it wrote there."""
    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "reqscope", *args],
            stdout=terminal,
            stderr=subprocess.PIPE,
            env=process_env(**env),
        )
        os.close(terminal)
        chunks: list[bytes] = []
        for _ in range(10_000):  # bounded: until the child closes the terminal
            ready, _, _ = select.select([controller], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the child is gone and the terminal closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        _, err = proc.communicate(timeout=30)
        assert err == b"", err
        assert proc.returncode == 0
    finally:
        os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace")


def test_colour_on_a_terminal_but_not_with_no_color_or_a_dumb_terminal(lab: LabServer) -> None:
    args = ["send", f"{lab.url}/status/403"]
    assert "\x1b[" in read_terminal(args)  # colour, when nothing says otherwise
    for env in ({"NO_COLOR": "1"}, {"TERM": "dumb"}):
        shown = read_terminal(args, **env)
        assert "403 Forbidden" in shown
        assert "\x1b" not in shown, env


def test_a_binary_body_is_not_dumped_on_a_terminal_nor_into_the_text_report(
    lab: LabServer, tmp_path: Path
) -> None:
    shown = read_terminal(["send", f"{lab.url}/bytes/5000"], NO_COLOR="1")
    assert "[binary body: 4.9 KB, application/octet-stream; not printed — use -o FILE" in shown
    piped = reqscope("send", f"{lab.url}/bytes/5000")
    assert b"not printed" in piped.stdout and len(piped.stdout) < 5000


def test_o_writes_the_exact_body_atomically_and_o_dash_to_stdout(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "body.bin"
    code, out, _ = run_main(
        capsys, "send", f"{lab.url}/bytes/5000", "-o", str(target), "--format", "json"
    )
    assert code == 0
    expected = base64.b64decode(json.loads(out)["body"])
    assert len(expected) == 5000 and target.read_bytes() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["body.bin"]  # no temporary file left
    raw_out = reqscope("send", f"{lab.url}/bytes/5000", "-o", "-")
    assert raw_out.returncode == 0 and raw_out.stdout == expected
    assert b"[body: 4.9 KB written to stdout]" in raw_out.stderr  # the report went aside


def test_o_into_a_directory_or_under_a_file_is_one_line_and_exit_2(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("kept")
    for target, reason in ((tmp_path, "is a directory"), (blocker / "x", "Not a directory")):
        code, _, err = run_main(capsys, "send", f"{lab.url}/bytes/10", "-o", str(target))
        assert code == 2 and reason in one_line(err)
    assert blocker.read_text() == "kept"


def test_a_50_mb_text_body_is_printed_in_full_when_piped(lab: LabServer, tmp_path: Path) -> None:
    """Like curl: output to a pipe or a file gets the whole body (up to the size cap, which
    is then said), so `> file` and `| grep` see everything."""
    target = tmp_path / "out.txt"
    with target.open("wb") as out:
        done = reqscope("send", f"{lab.url}/json/50", stdout=out)
    assert done.returncode == 0 and done.stderr == b""
    assert target.stat().st_size >= 50 * MIB
    with target.open("rb") as printed:
        printed.seek(-300, os.SEEK_END)
        tail = printed.read().decode()
    assert tail.rstrip().endswith("(max body size)]")


# --- what the server sends ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["send", "why"])
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_escape_codes_in_a_reason_and_header_are_printed_inert(
    raw: RawServer, capsys: pytest.CaptureFixture[str], command: str, output_format: str
) -> None:
    code, out, err = run_main(capsys, command, f"{raw.url}/evil", "--format", output_format)
    assert code == 0 and err == ""
    assert "403" in out
    assert not any(escape in out for escape in ESCAPES)


@pytest.mark.parametrize("charset", ["base64", "idna"])
def test_a_charset_that_is_not_a_text_encoding_does_not_break_the_send(
    raw: RawServer, capsys: pytest.CaptureFixture[str], charset: str
) -> None:
    code, out, err = run_main(capsys, "send", f"{raw.url}/{charset}")
    assert code == 0 and err == ""
    assert out.rstrip().endswith("A\u00ff")  # decoded as the legacy text it is


def test_a_password_in_the_url_is_masked_everywhere(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"http://alice:{PASSWORD}@{lab.url.partition('://')[2]}/echo"
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    for args in (("send", url), ("send", url, "--format", "json"), ("why", url)):
        code, out, err = run_main(capsys, *args)
        assert code == 0 and err == "", args
        assert "[redacted]" in out, args
        assert PASSWORD not in out and basic not in out, args


@pytest.mark.parametrize("command", ["send", "why"])
def test_no_response_is_one_error_line_in_the_report_and_exit_3(
    lab: LabServer,
    untrusted_tls_lab: LabServer,
    capsys: pytest.CaptureFixture[str],
    command: str,
) -> None:
    cases = [
        ((closed_port_url(),), "refused"),
        ((f"{untrusted_tls_lab.url}/echo",), "not trusted"),
        ((f"{lab.url.replace('http:', 'https:')}/echo",), "did not answer with TLS"),
        ((f"{lab.url}/delay/5000", "--timeout", "0.3"), "no response within 0.3 s"),
    ]
    for args, reason in cases:
        code, out, err = run_main(capsys, command, *args)
        assert code == 3 and err == "", args
        assert reason in out


# --- what the user types ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "names"),
    [
        ((b"{lab}/echo/\xff",), "the URL"),
        ((b"{lab}/echo?q={{x}}", b"--var", b"x=\xff"), "the URL"),
        ((b"{lab}/echo", b"-u", b"alice:\xff"), "the credentials"),
    ],
)
def test_arguments_that_are_not_utf8_are_one_line_and_exit_2(
    lab: LabServer, args: tuple[bytes, ...], names: str
) -> None:
    argv = [a.replace(b"{lab}", lab.url.encode()) for a in args]
    for command in (b"send", b"why"):
        done = reqscope(command, *argv)
        assert done.returncode == 2
        assert names in one_line(done.stderr)
        assert b"\xff" not in done.stderr and done.stdout == b""


def test_an_env_value_that_is_not_utf8_is_one_line_and_exit_2(lab: LabServer) -> None:
    env = process_env()
    done = subprocess.run(
        [sys.executable, "-m", "reqscope", "send", f"{lab.url}/echo?q={{{{env.HOSTILE}}}}"],
        check=False,
        capture_output=True,
        timeout=60,
        env={**{k.encode(): v.encode() for k, v in env.items()}, b"HOSTILE": b"\xff"},
    )
    assert done.returncode == 2
    assert "the URL" in one_line(done.stderr)


@pytest.mark.parametrize("command", ["send", "why"])
def test_an_invalid_url_is_a_usage_error(capsys: pytest.CaptureFixture[str], command: str) -> None:
    for url, reason in (("http://[::1", "Invalid IPv6 URL"), ("http://", "no host")):
        code, out, err = run_main(capsys, command, url)
        assert code == 2 and out == ""
        assert reason in one_line(err)


def test_an_unexpected_error_is_one_line_exit_70_unless_debugging(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(args: object) -> int:
        raise RuntimeError("boom: Authorization: Bearer s3cr3t")

    monkeypatch.setattr(send_command, "run", broken)
    monkeypatch.delenv("REQSCOPE_DEBUG", raising=False)
    code, out, err = run_main(capsys, "send", "http://127.0.0.1:9/")
    assert code == 70 and out == ""
    line = one_line(err)
    assert line.startswith("reqscope: internal error (RuntimeError at reqscope/cli/__init__.py:")
    assert "boom" not in line  # the message may quote a secret: only the type and place
    monkeypatch.setenv("REQSCOPE_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        main(["send", "http://127.0.0.1:9/"])


def test_follow_list_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert run_main(capsys, "follow", "--list") == (0, "no reqscope is publishing right now\n", "")


# --- files --------------------------------------------------------------------------------


@pytest.fixture
def hostile_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Session-shaped paths that are not usable sessions, with what the error must say."""
    (tmp_path / "folder.toml").mkdir()
    (tmp_path / "broken.toml").write_text('format = 1\nname = "x"\n\n[[requests]\nurl = "y"\n')
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00binary\x00\x1b[2J")
    (tmp_path / "newer.toml").write_text('format = 99\nname = "future"\n')
    (tmp_path / "markup.toml").write_text('format = 1\nname = "[/x][@click=app.quit]q[/]"\nx = 1\n')
    return {
        "a directory": (tmp_path / "folder.toml", "is a directory, not a session file"),
        "broken TOML": (tmp_path / "broken.toml", "broken.toml:4: invalid TOML"),
        "binary": (tmp_path / "binary.toml", "binary.toml:1: not UTF-8 text"),
        "newer format": (tmp_path / "newer.toml", "written by a newer reqscope (format 99)"),
        "an unknown key": (tmp_path / "markup.toml", "markup.toml:3"),
        "missing": (tmp_path / "missing.toml", "no such file"),
    }


@pytest.mark.parametrize(
    "command",
    [
        ("export", "{path}", "--to", "curl"),
        ("export", "{path}", "--to", "har"),
        ("replay", "{path}"),
        ("{path}",),
    ],
)
def test_an_unusable_session_file_is_one_line_naming_it_and_exit_2(
    hostile_files: dict[str, tuple[Path, str]],
    capsys: pytest.CaptureFixture[str],
    command: tuple[str, ...],
) -> None:
    for what, (path, reason) in hostile_files.items():
        before = path.read_bytes() if path.is_file() else None
        code, out, err = run_main(capsys, *(c.format(path=path) for c in command))
        assert code == 2 and out == "", what
        assert reason in one_line(err), what
        assert (path.read_bytes() if path.is_file() else None) == before  # never written


def test_a_huge_session_file_loads(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.toml"
    body = "x" * 2000
    requests = "".join(
        f'\n[[requests]]\nname = "r{i}"\nurl = "{lab.url}/echo?i={i}"\nbody = """{body}"""\n'
        for i in range(3000)
    )
    path.write_text(f'format = 1\nname = "huge"\n{requests}')
    assert path.stat().st_size > 5 * MIB
    code, out, err = run_main(capsys, "export", str(path), "--to", "curl", "--request", "r2499")
    assert code == 0 and err == ""
    assert f"{lab.url}/echo?i=2499" in out


@pytest.mark.parametrize("kind", ["har", "curl"])
def test_binary_input_to_import_and_explain_is_one_line_and_exit_2(
    tmp_path: Path, kind: str
) -> None:
    junk = bytes(range(256)) * 4
    done = reqscope("import", kind, "-", stdin=junk)
    assert done.returncode == 2 and "not UTF-8" in one_line(done.stderr)
    if kind == "har":
        done = reqscope("explain", "-", stdin=junk)
        assert done.returncode == 2 and "not a HAR file" in one_line(done.stderr)


def test_writing_where_it_cannot_keeps_what_was_there(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = tmp_path / "kept.toml"
    session.write_text(f'format = 1\n\n[[requests]]\nname = "a"\nurl = "{lab.url}/echo"\n')
    before = session.read_bytes()
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    (folder / "inside").write_text("kept")
    commands = [
        ("import", "curl", f"curl {lab.url}/x", "-o", str(folder), "--force"),
        ("export", str(session), "--to", "curl", "-o", str(folder)),
        ("export", str(session), "--to", "curl", "-o", str(session / "x")),
        ("replay", str(session), "--junit", str(folder)),
    ]
    for args in commands:
        code, _, err = run_main(capsys, *args)
        assert code == 2, args
        assert "cannot write" in one_line(err), args
    assert session.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["inside"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.toml", "kept.toml"]


def test_writing_into_a_read_only_directory_keeps_the_previous_file(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    session = folder / "kept.toml"
    session.write_text(f'format = 1\n\n[[requests]]\nname = "a"\nurl = "{lab.url}/echo"\n')
    before = session.read_bytes()
    with read_only(folder):
        code, _, err = run_main(capsys, "replay", str(session), "--record")
        assert code == 2 and "cannot record" in one_line(err)
        code, _, err = run_main(
            capsys, "import", "curl", "curl http://x/", "-o", str(session), "--force"
        )
        assert code == 2 and f"cannot write {session}" in one_line(err)
    assert session.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["kept.toml"]
