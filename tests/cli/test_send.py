"""`reqscope send` against the real lab: in-process through `main()` for most cases, and as
a real subprocess (`python -m reqscope`) for what only a process shows (exit status, stdin,
no traceback on stderr)."""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reqscope.cli import main
from reqscope.core.diagnosis import load_causes
from reqscope.lab.server import LabServer, running_lab

SECRET = "s3cr3t-token-value-42"


@pytest.fixture(scope="module")
def lab() -> Iterator[LabServer]:
    """One lab for the module: `send` needs no fresh lab state."""
    with running_lab() as server:
        yield server


def send(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["send", *args])
    out, err = capsys.readouterr()
    return code, out, err


def send_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = send(capsys, *args, "--format", "json")
    assert err == ""
    data: dict[str, Any] = json.loads(out)
    return code, data


def run_process(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reqscope", "send", *args],
        input=stdin,
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"},
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cause_ids() -> set[str]:
    return set(load_causes())


# --- output shape ---------------------------------------------------------------------------


def test_text_output_as_a_process(lab: LabServer) -> None:
    result = run_process(f"{lab.url}/echo?q=1", "-H", "X-Trace: abc")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == "HTTP/1.1 200 OK"
    assert lines[1].startswith("timing  ")
    assert "total " in lines[1]
    assert "> GET /echo?q=1 HTTP/1.1" in lines
    assert "> X-Trace: abc" in lines
    assert "< Content-Type: application/json" in lines
    assert "diagnosis:" not in result.stdout  # a 2xx is not a refusal
    body = result.stdout[result.stdout.index("\n{") + 1 :]
    assert json.loads(body)["path"] == "/echo"
    assert "\x1b" not in result.stdout  # piped: no colour


def test_json_output_shape(lab: LabServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = send_json(capsys, f"{lab.url}/echo", "-H", "X-A: 1", "-H", "X-A: 2")
    assert code == 0
    assert data["status"] == 200
    assert data["error"] is None
    assert data["timings"]["total_ms"] > 0
    assert data["timings"]["reused_connection"] is False
    assert ["Content-Type", "application/json"] in data["headers"]
    assert all(isinstance(pair, list) and len(pair) == 2 for pair in data["headers"])
    echoed = json.loads(data["body"])
    assert [v for k, v in echoed["headers"] if k == "X-A"] == ["1", "2"]
    assert data["request"]["method"] == "GET"
    assert "diagnosis" not in data


def test_post_json_body_and_method(lab: LabServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = send_json(capsys, f"{lab.url}/echo", "-d", '{"a": 1}')
    assert code == 0
    echoed = json.loads(data["body"])
    assert echoed["method"] == "POST"
    assert echoed["body"] == '{"a": 1}'
    assert ["Content-Type", "application/json"] in [[k, v] for k, v in echoed["headers"]]
    code, data = send_json(capsys, "-X", "PUT", f"{lab.url}/echo", "-d", "plain")
    assert json.loads(data["body"])["method"] == "PUT"


def test_data_file(lab: LabServer, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text("line one\nline two\n", encoding="utf-8")
    code, data = send_json(capsys, f"{lab.url}/echo", "--data-file", str(body))
    assert code == 0
    assert json.loads(data["body"])["body"] == "line one\nline two\n"


def test_data_from_stdin_as_a_process(lab: LabServer) -> None:
    result = run_process(f"{lab.url}/echo", "--data-file", "-", "--format", "json", stdin="hi!")
    assert result.returncode == 0, result.stderr
    assert json.loads(json.loads(result.stdout)["body"])["body"] == "hi!"


def test_http2_and_insecure_options_are_accepted(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, data = send_json(capsys, f"{lab.url}/echo", "--http2", "--insecure", "--timeout", "5")
    assert code == 0
    assert data["http_version"] == "HTTP/1.1"  # h2 needs TLS; plain HTTP stays 1.1


def test_help_lists_the_options_of_issue_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["send", "--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    for option in ("-X", "-H", "-d", "--data-file", "--env-file", "--timeout", "--insecure",
                   "--http2", "--format", "--fail", "exit codes"):  # fmt: skip
        assert option in text, option


# --- exit codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fail", "expected"),
    [(200, True, 0), (404, False, 0), (404, True, 1), (503, True, 1), (302, True, 0)],
)
def test_exit_codes_for_statuses(
    lab: LabServer,
    capsys: pytest.CaptureFixture[str],
    status: int,
    fail: bool,
    expected: int,
) -> None:
    args = [f"{lab.url}/status/{status}", "--format", "json"] + (["--fail"] if fail else [])
    code, out, _ = send(capsys, *args)
    assert code == expected
    assert json.loads(out)["status"] == status


def test_refused_connection_exits_3_as_a_process() -> None:
    port = free_port()
    result = run_process(f"http://127.0.0.1:{port}/", "--format", "json")
    assert result.returncode == 3
    data = json.loads(result.stdout)
    assert data["status"] is None
    assert data["error"]["kind"] == "connect_refused"
    assert str(port) in data["error"]["message"]
    assert data["body"] is None
    assert "Traceback" not in result.stderr


def test_refused_connection_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = send(capsys, f"http://127.0.0.1:{free_port()}/")
    assert code == 3
    assert out.splitlines()[0].startswith("error: connect_refused: ")


def test_timeout_exits_3(lab: LabServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = send_json(capsys, f"{lab.url}/delay/3000", "--timeout", "0.3")
    assert code == 3
    assert data["status"] is None
    assert data["error"]["kind"] == "read_timeout"
    assert "0.3" in data["error"]["message"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "URL"),
        (["example.com/x"], "no scheme"),
        (["http://exa mple.com/"], "whitespace"),
        (["-X", "GET POST", "http://127.0.0.1:9/"], "method"),
        (["http://127.0.0.1:9/", "-H", "no colon"], "bad header"),
        (["http://127.0.0.1:9/", "--data-file", "/nonexistent/body.json"], "--data-file"),
        (["http://127.0.0.1:9/", "--env-file", "/nonexistent/.env"], "env file"),
        (["http://127.0.0.1:9/{{nope}}"], "nope"),
        (["http://127.0.0.1:9/", "--timeout", "soon"], "seconds"),
        (["http://127.0.0.1:9/", "--format", "yaml"], "format"),
    ],
)
def test_usage_errors_exit_2_with_one_line_and_no_traceback(args: list[str], message: str) -> None:
    result = run_process(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert result.stdout == ""
    assert len([line for line in result.stderr.splitlines() if line.startswith("reqscope")]) == 1


def test_bad_env_file_names_file_and_line(tmp_path: Path) -> None:
    env = tmp_path / "broken.env"
    env.write_text('TOKEN=ok\nQUOTED="never closed\n', encoding="utf-8")
    result = run_process("http://127.0.0.1:9/{{env.TOKEN}}", "--env-file", str(env))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{env}:2" in result.stderr


# --- hostile and binary bodies, secrets ---------------------------------------------------------


def test_ansi_and_rich_markup_bodies_are_printed_inert(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = send(capsys, f"{lab.url}/ansi")
    assert code == 0
    assert "\x1b" not in out
    assert "\x07" not in out
    assert "\r" not in out
    assert "\u241b[1;31mRED BOLD" in out  # ESC shown as a visible symbol
    assert "[bold red]not bold[/bold red]" in out  # markup stays text
    code, data = send_json(capsys, f"{lab.url}/ansi")
    assert "\x1b[" in data["body"]  # JSON keeps the data, escaped (json.loads undid \\u001b)


def test_ansi_body_is_inert_in_raw_json_output(lab: LabServer) -> None:
    result = run_process(f"{lab.url}/ansi", "--format", "json")
    assert result.returncode == 0
    assert "\x1b" not in result.stdout
    assert "\\u001b" in result.stdout


def test_binary_body(lab: LabServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = send(capsys, f"{lab.url}/bytes/2048")
    assert code == 0
    assert "[binary body: 2.0 KB, application/octet-stream; not printed" in out
    code, data = send_json(capsys, f"{lab.url}/bytes/2048")
    assert data["is_binary"] is True
    assert data["body_base64"] is True
    assert len(base64.b64decode(data["body"])) == 2048


def test_secrets_are_masked_unless_asked(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [f"{lab.url}/echo", "-H", f"Authorization: Bearer {SECRET}"]
    code, out, _ = send(capsys, *args)
    assert code == 0
    assert SECRET not in out
    assert "> Authorization: Bearer [redacted]" in out
    code, out, _ = send(capsys, *args, "--format", "json")
    assert SECRET not in out
    echoed = dict(json.loads(json.loads(out)["body"])["headers"])
    assert "[redacted]" in echoed["Authorization"]  # masked by value in the body too
    code, out, _ = send(capsys, *args, "--show-secrets")
    assert SECRET in out


def test_env_file_values_are_secret(
    lab: LabServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    env = tmp_path / ".env"
    env.write_text(f"API_TOKEN={SECRET}\n", encoding="utf-8")
    code, out, _ = send(capsys, f"{lab.url}/echo?key={{{{env.API_TOKEN}}}}", "--env-file", str(env))
    assert code == 0
    assert SECRET not in out
    assert "[redacted]" in out


# --- the one-line diagnosis of a refusal -------------------------------------------------------


def test_refusal_gets_a_diagnosis_line(lab: LabServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"{lab.url}/403/akamai/products"
    code, out, _ = send(capsys, url, "-H", "User-Agent: python-requests/2.31.0", "--fail")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "HTTP/1.1 403 Forbidden"
    assert lines[1].startswith("diagnosis: ")
    assert lines[1].split()[1] in cause_ids()
    code, data = send_json(capsys, url, "-H", "User-Agent: python-requests/2.31.0")
    diagnosis = data["diagnosis"]
    assert diagnosis["summary"] == lines[1]
    assert diagnosis["findings"]
    assert {f["cause"] for f in diagnosis["findings"]} <= cause_ids()


def test_block_page_served_with_200_gets_a_diagnosis_line(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = send(capsys, f"{lab.url}/200/f5/index.php?parameter=%3Cscript/%3E", "--fail")
    assert code == 0  # a 200 is not a failure for --fail, even when it is a block page
    assert out.splitlines()[1].startswith("diagnosis: ")
    code, out, _ = send(capsys, f"{lab.url}/200/f5/index.php?parameter=lab")
    assert "diagnosis:" not in out


def test_diagnosis_does_not_leak_secrets(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = send(
        capsys, f"{lab.url}/401/oauth/profile", "-H", f"Authorization: Bearer {SECRET}"
    )
    assert code == 0
    assert out.splitlines()[1].startswith("diagnosis: ")
    assert SECRET not in out
    code, out, _ = send(
        capsys,
        f"{lab.url}/401/oauth/profile",
        "-H",
        f"Authorization: Bearer {SECRET}",
        "--format",
        "json",
    )
    assert SECRET not in out


def test_a_plain_2xx_loads_neither_the_knowledge_base_nor_the_ui(lab: LabServer) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "reqscope", "send", f"{lab.url}/echo"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    imported = {line.rpartition("|")[2].strip() for line in result.stderr.splitlines()}
    assert "reqscope.core.engine" in imported
    assert not {"reqscope.core.diagnosis", "reqscope.ui", "textual", "rich"} & imported
