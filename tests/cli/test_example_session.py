"""sessions/example.toml is a real, runnable example: replayed against the lab (started
in-process on an ephemeral port, `--var lab=<url>`), every request passes, the captured token
flows onward, the recording matches, and no secret reaches the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reqscope.cli import main
from reqscope.core.store import load_session
from reqscope.lab.server import LabServer

EXAMPLE = Path(__file__).parents[2] / "sessions" / "example.toml"


def test_the_example_session_replays_green_against_the_lab(
    lab: LabServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ACCESS_TOKEN", "WRITE_TOKEN", "access_token", "write_token"):
        monkeypatch.delenv(name, raising=False)  # the captures alone must fill them
    code = main(["replay", str(EXAMPLE), "--var", f"lab={lab.url}", "--format", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    report = json.loads(out)
    results = report["sessions"][0]["results"]
    outcomes = {r["name"]: (r["outcome"], r.get("status")) for r in results}
    assert outcomes == {
        "token": ("passed", 200),
        "profile": ("passed", 200),
        "orders": ("passed", 403),
        "token with orders:write": ("passed", 200),
        "orders fixed": ("passed", 201),
    }
    orders = next(r for r in results if r["name"] == "orders")
    assert orders["comparison"] is not None  # compared with the recording, and it matched
    assert "eyJ" not in out  # the captured JWTs are secret: masked everywhere


def test_the_example_shows_what_its_comments_promise() -> None:
    session = load_session(EXAMPLE)
    variables = {v.name: v for v in session.variables}
    assert variables["lab"].value == "http://127.0.0.1:8765"
    assert variables["access_token"].secret and not variables["access_token"].value
    assert [h.status for h in session.history] == [403]
    assert session.history[0].request_name == "orders"
    assert all(r.url.startswith("{{lab}}/") for r in session.requests)
    assert any(c.secret for r in session.requests for c in r.captures)
