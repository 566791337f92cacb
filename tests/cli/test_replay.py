"""`reqscope replay` against the lab over real sockets, in-process through `main()`, and once
as a real process for the exit status and a clean stderr."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from reqscope.cli import main
from reqscope.core.store import load_session
from reqscope.lab.server import LabServer

LOGIN = """format = 1
name = "orders with a captured token"
ignore = ["json:$.id"]

[[variables]]
name = "base_url"
value = "http://127.0.0.1:1"

[[variables]]
name = "grant"
value = "grant_type=client_credentials&client_id=lab-client"

[[variables]]
name = "scope"
value = "orders:read orders:write"

[[variables]]
name = "access_token"
secret = true

[[requests]]
name = "token"
method = "POST"
url = "{{base_url}}/401/oauth/token"
headers = [["Content-Type", "application/x-www-form-urlencoded"]]
body_kind = "raw"
body = "{{grant}}&client_secret={{env.LAB_SECRET}}&scope={{scope}}"
expect = [
    { target = "status", op = "equals", value = "200" },
    { target = "json", op = "contains", key = "$.scope", value = "orders:write" },
    { target = "header", op = "equals", key = "Cache-Control", value = "no-store" },
]
captures = [{ variable = "access_token", source = "json", expr = "$.access_token" }]

[[requests]]
name = "orders"
method = "POST"
url = "{{base_url}}/403/oauth/orders"
headers = [["Authorization", "Bearer {{access_token}}"]]
body_kind = "json"
body = '{"item": "book"}'
expect = [
    { target = "status", op = "in", value = "2xx" },
    { target = "json", op = "equals", key = "/status", value = '"created"' },
    { target = "duration_ms", op = "max", value = "10000" },
]
"""

KONG = """format = 1
name = "kong"
ignore = ["headers.x-kong-request-id", "headers.ratelimit-remaining",
          "headers.ratelimit-reset", "headers.x-ratelimit-remaining-minute"]

[[requests]]
name = "kong orders"
method = "GET"
url = "{{base_url}}/429/kong/api/orders"
expect = [{ target = "status", op = "in", value = "2xx,429" }]
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["replay", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def lab_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAB_SECRET", "lab-client-secret")


@pytest.mark.usefixtures("lab_env")
def test_a_passing_session_with_captures_exits_0(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "login.toml", LOGIN)
    code, out, err = replay(capsys, path, "--var", f"base_url={lab.url}")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == f"{path}: orders with a captured token"
    assert lines[1].startswith(f"  PASS  token  POST {lab.url}/401/oauth/token -> 200 OK")
    # the captured token was sent: the lab created the order (it refuses without orders:write)
    assert lines[2].startswith(f"  PASS  orders  POST {lab.url}/403/oauth/orders -> 201 Created")
    assert lines[-1].startswith("2 passed, 0 failed, 0 errors, 0 skipped in 1 session")
    assert "lab-client-secret" not in out and err == ""


@pytest.mark.usefixtures("lab_env")
def test_json_output_masks_captured_secrets(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "login.toml", LOGIN)
    code, out, _ = replay(capsys, path, "--var", f"base_url={lab.url}", "--format", "json")
    data: dict[str, Any] = json.loads(out)
    assert code == 0
    assert data["summary"] == {"passed": 2, "failed": 0, "error": 0, "skipped": 0}
    token, orders = data["sessions"][0]["results"]
    assert token["captures"][0] | {"value": None} == {
        "variable": "access_token",
        "source": "json",
        "expr": "$.access_token",
        "secret": True,  # declared secret in the session, so the capture is secret
        "value": None,
        "problem": "",
    }
    assert token["captures"][0]["value"] == "[redacted]"
    assert orders["status"] == 201
    assert [e["passed"] for e in orders["expectations"]] == [True, True, True]


def test_a_changed_behaviour_is_a_regression_with_a_diff_and_junit(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "kong.toml", KONG)
    var = ("--var", f"base_url={lab.url}")
    code, out, _ = replay(capsys, path, *var, "--record")
    assert code == 0
    assert f"{path}: recorded 1 new outcome(s): kong orders" in out
    assert load_session(path).history[0].status == 200
    code, out, _ = replay(capsys, path, *var, "--record")  # only ignored headers changed
    assert code == 0 and f"{path}: nothing changed; the file is left as it was" in out
    replay(capsys, path, *var)  # the third request of the minute: the last one allowed
    junit = tmp_path / "out" / "report.xml"
    junit.parent.mkdir()
    code, out, _ = replay(capsys, path, *var, "--junit", str(junit))
    assert code == 1
    assert "FAIL  kong orders" in out and "(recorded 200 OK)" in out
    assert "changes since the recording:" in out
    assert "status: 200 OK -> 429 Too Many Requests" in out
    assert "header Retry-After: added '60'" in out
    assert "diagnosis:" in out and "rate_limited" in out

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("1", "1", "0")
    (suite,) = root.findall("testsuite")
    assert (suite.get("name"), suite.get("file"), suite.get("skipped")) == ("kong", path, "0")
    (case,) = suite.findall("testcase")
    assert (case.get("name"), case.get("classname")) == ("kong orders", "kong")
    assert float(case.get("time", "x")) >= 0
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "regression"
    assert "status: 200 OK -> 429 Too Many Requests" in (failure.text or "")


def test_a_failed_expectation_prints_expected_actual_and_the_diagnosis(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = LOGIN.replace("orders:read orders:write", "orders:read").replace(
        'key = "$.scope", value = "orders:write"', 'key = "$.scope", value = "orders"'
    )
    path = write(tmp_path, "scope.toml", session)
    code, out, _ = replay(
        capsys, path, "--var", f"base_url={lab.url}", "--env-file", env_file(tmp_path)
    )
    assert code == 1
    assert "  FAIL  orders" in out
    assert "status: FAILED: expected 2xx, got 403 Forbidden" in out
    assert "insufficient_scope" in out  # the diagnosis of the refusal
    assert "lab-client-secret" not in out


def env_file(tmp_path: Path) -> str:
    path = tmp_path / ".env"
    path.write_text("LAB_SECRET=lab-client-secret\n")
    return str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("format = 1\n[[requests]]\nurl = 3\n", ":3: expected a string, got 3"),
        ("format = 1\n[[requests]\n", "invalid TOML"),
        (
            'format = 1\n[[requests]]\nexpect = [{target = "status", op = "in", value = "ok"}]',
            "request 'request' expect[0]: status expectation 'ok'",
        ),
        ('format = 1\n[[requests]]\nurl = "{{nowhere}}"\n', "undefined variable 'nowhere'"),
    ],
)
def test_a_broken_session_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = write(tmp_path, "broken.toml", text)
    code, out, err = replay(capsys, path)
    assert code == 2
    assert out == ""
    assert err.startswith(f"reqscope: {path}") and message in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_file_and_an_unknown_only_name_exit_2(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = replay(capsys, str(tmp_path / "nope.toml"))
    assert (code, err.strip()) == (2, f"reqscope: {tmp_path / 'nope.toml'}: no such file")
    path = write(tmp_path, "kong.toml", KONG)
    code, _, err = replay(capsys, path, "--var", f"base_url={lab.url}", "--only", "kong")
    assert code == 2 and "no request named 'kong'; the session has 'kong orders'" in err


def test_a_refused_connection_exits_3_without_a_traceback(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = write(tmp_path, "down.toml", KONG)
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "reqscope",
            "replay",
            path,
            "--var",
            f"base_url=http://127.0.0.1:{port}",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"},
    )
    assert process.returncode == 3
    assert "ERROR kong orders" in process.stdout
    assert "no response: " in process.stdout
    assert "0 passed, 0 failed, 1 errors" in process.stdout
    assert process.stderr == ""
