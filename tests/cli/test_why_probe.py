"""`reqscope why --probe` against the real lab: each probe is printed before and after it is
sent, then verdicts and the minimal fix; JSON lists experiments and verdicts; writes are not
resent without --allow-unsafe; credentials never reach the output unless asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from reqscope.cli import main
from reqscope.core.diagnosis import clear_knowledge_base_cache
from reqscope.core.engine import Engine
from reqscope.core.model import BodyKind, Header, Request
from reqscope.lab.server import LabServer

LIBRARY_UA = "User-Agent: python-requests/2.31.0"


@pytest.fixture(autouse=True)
def _isolated_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    clear_knowledge_base_cache()
    yield
    clear_knowledge_base_cache()


def test_text_shows_each_probe_before_and_after_then_verdicts_and_fix(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["why", f"{lab.url}/403/akamai/products", "-H", LIBRARY_UA, "--probe"])
    out = capsys.readouterr().out
    assert code == 0
    lines = out.splitlines()
    sending = next(i for i, line in enumerate(lines) if line.startswith("  [1] "))
    assert "GET " in lines[sending] and "/403/akamai/products" in lines[sending]
    assert lines[sending + 1].strip().startswith("change: set User-Agent to Mozilla/5.0")
    assert lines[sending + 2].strip().startswith("→ 200 OK")
    assert "fixed (403 → 200)" in lines[sending + 2]
    verdict = next(line for line in lines if "bot_detection" in line and "confirmed" in line)
    assert verdict.strip().startswith("✓ confirmed")
    assert any(
        line.startswith("Minimal fix (200): set User-Agent to Mozilla/5.0") for line in lines
    )
    assert any(line.strip().startswith("curl ") for line in lines)


def test_json_lists_experiments_verdicts_and_the_minimal_fix(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{lab.url}/403/akamai/products"
    code = main(["why", url, "-H", LIBRARY_UA, "--probe", "--format", "json"])
    captured = capsys.readouterr()
    assert code == 0
    document = json.loads(captured.out)  # one JSON document: the live lines went to stderr
    assert "[1]" in captured.err
    assert document["entries"][0]["status"] == 403
    experiments = document["experiments"]
    assert experiments[0]["step"] == 1 and experiments[0]["outcome"] == "fixed"
    assert experiments[0]["status"] == 200 and experiments[0]["request"]["url"] == url
    assert {e["outcome"] for e in experiments[1:]} <= {"skipped"}
    verdicts = {v["cause"]: v["verdict"] for v in document["verdicts"]}
    assert verdicts["bot_detection"] == "confirmed"
    assert set(verdicts.values()) <= {"confirmed", "ruled_out", "untested"}
    fix = document["minimal_fix"]
    assert fix["status"] == 200 and fix["actions"][0]["kind"] == "set_user_agent"
    assert document["budget"] == 6 and document["sent"] == 1


def test_a_post_is_not_resent_without_allow_unsafe(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{lab.url}/415/aspnet/api/orders"
    args = ["why", url, "-H", "Content-Type: text/plain", "-d", '{"item": 1}', "--probe"]
    assert main([*args, "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["sent"] == 0 and document["minimal_fix"] is None
    assert all("POST not resent" in e["note"] for e in document["experiments"])
    verdict = next(v for v in document["verdicts"] if v["cause"] == "wrong_content_type")
    assert verdict["verdict"] == "untested"

    assert main([*args, "--allow-unsafe", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["sent"] == 1 and document["minimal_fix"]["status"] == 201
    assert document["minimal_fix"]["actions"] == [
        {"kind": "set_header", "name": "Content-Type", "value": "application/json"}
    ]


def test_credentials_are_masked_in_probe_output(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with Engine() as engine:
        issued = engine.send(
            Request(
                method="POST",
                url=f"{lab.url}/401/oauth/token",
                headers=(Header("Content-Type", "application/x-www-form-urlencoded"),),
                body_kind=BodyKind.RAW,
                body="grant_type=client_credentials&client_id=lab-client"
                "&client_secret=lab-client-secret&scope=profile",
            )
        )
    assert issued.response is not None
    token = json.loads(issued.response.text)["access_token"]
    args = ["why", f"{lab.url}/401/spring/api/me", "-H", f"Authorization: Bearer Bearer {token}"]
    assert main([*args, "--probe"]) == 0
    out = capsys.readouterr().out
    assert token not in out
    assert "Minimal fix (200): set header Authorization: Bearer [redacted]" in out

    assert main([*args, "--probe", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert token not in captured.out and token not in captured.err
    assert json.loads(captured.out)["minimal_fix"]["status"] == 200

    assert main([*args, "--probe", "--show-secrets"]) == 0
    assert f"set header Authorization: Bearer {token}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--probe-budget", "2"], "reqscope: --probe-budget needs --probe"),
        (["--allow-unsafe"], "reqscope: --allow-unsafe needs --probe"),
        (["--probe", "--probe-budget", "0"], "reqscope: --probe-budget must be 1 or more"),
        (["--probe", "--probe-rate", "0"], "reqscope: --probe-rate must be more than 0"),
    ],
)
def test_probe_usage_errors_exit_2_before_sending(
    options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing listens on port 9 of 127.0.0.1: a send would exit 3, not 2.
    assert main(["why", "http://127.0.0.1:9/x", *options]) == 2
    err = capsys.readouterr().err
    assert err.strip() == message
