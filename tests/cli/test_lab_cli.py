"""`reqscope lab`: started as a real process on a free port, `--list`, the docs table
generated from the route table, and the usage errors."""

from __future__ import annotations

import json
import re
import selectors
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from reqscope.cli import main
from reqscope.lab.catalog import markdown_tables
from reqscope.lab.scenarios import scenario_routes
from reqscope.lab.server import load_routes

DOC = Path(__file__).parents[2] / "docs" / "lab.md"
ENV = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"}


def lab_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "reqscope", "lab", *args]


def first_line(process: subprocess.Popen[str], timeout: float = 20.0) -> str:
    """The process's first line of stdout, or fail after `timeout` seconds."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise AssertionError("the lab printed nothing")
    return process.stdout.readline()


@pytest.fixture
def lab_process() -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        lab_command("--port", "0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


def test_lab_runs_on_a_free_port_until_interrupted(lab_process: subprocess.Popen[str]) -> None:
    line = first_line(lab_process)
    found = re.match(r"reqscope lab on http://127\.0\.0\.1:(\d+) .*port (\d+);", line)
    assert found, line
    port, sibling = int(found.group(1)), int(found.group(2))
    assert port != sibling
    # No proxy from the environment: the lab is on loopback.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://127.0.0.1:{port}/echo?x=1", timeout=10) as response:
        assert response.status == 200
        assert json.loads(response.read())["query"] == [["x", "1"]]
    # The sibling answers too: cross-origin redirects land there.
    url = f"http://127.0.0.1:{port}/redirect-cross/1"
    with opener.open(url, timeout=10) as response:
        assert response.url.startswith(f"http://127.0.0.1:{sibling}/")
    lab_process.send_signal(signal.SIGINT)
    _, err = lab_process.communicate(timeout=10)
    assert lab_process.returncode == 0
    assert "Traceback" not in err


def test_list_prints_every_route_with_cause_and_summary(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["lab", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    routes = load_routes().routes
    assert len(lines) == len(routes)
    for route, line in zip(routes, lines, strict=True):
        assert line.startswith(route.pattern + " ")
        assert route.summary in line
        if route.scenario is not None:
            assert f"[{route.scenario.cause}; {route.scenario.vendor}]" in line
            assert " -- fix: " in line


def test_list_as_a_process_is_quick_and_complete() -> None:
    result = subprocess.run(
        lab_command("--list"), capture_output=True, text=True, timeout=60, env=ENV, check=False
    )
    assert result.returncode == 0
    assert result.stderr == ""
    for route in scenario_routes():
        assert route.pattern in result.stdout


def test_docs_list_every_route_as_generated() -> None:
    text = DOC.read_text(encoding="utf-8")
    begin, end = "<!-- routes:begin -->\n", "<!-- routes:end -->"
    assert begin in text and end in text
    documented = text[text.index(begin) + len(begin) : text.index(end)]
    generated = markdown_tables(load_routes().routes)
    assert documented == generated, (
        "docs/lab.md is out of date: replace the routes section with the output of "
        "`reqscope lab --list --format markdown`"
    )
    for route in scenario_routes():
        assert route.scenario is not None
        assert f"| `{route.pattern}` | `{route.scenario.cause}` |" in documented


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "not a loopback address"),
        (["--port", "70000"], "--port must be 0-65535"),
        (["--port", "http"], "invalid int value"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    result = subprocess.run(
        lab_command(*args), capture_output=True, text=True, timeout=60, env=ENV, check=False
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run(
            lab_command("--port", str(port)),
            capture_output=True,
            text=True,
            timeout=60,
            env=ENV,
            check=False,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
