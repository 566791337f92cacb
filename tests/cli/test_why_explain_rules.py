"""`reqscope why`, `explain` and `rules` through the CLI entry point: real sockets to the lab,
HAR files and stdin, the JSON shape of DESIGN.md section 4, exit codes and one-line errors."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reqscope.cli import main
from reqscope.core.diagnosis import clear_knowledge_base_cache, load_causes
from reqscope.lab.server import LabServer

SECRET = "s3cr3t-token-value-0123456789"


@pytest.fixture(autouse=True)
def builtin_rules_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    clear_knowledge_base_cache()
    yield
    clear_knowledge_base_cache()


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_design_shape(document: dict[str, Any], entries: int) -> None:
    """DESIGN.md section 4: entries[].request{method,url}, status, findings[] best first with
    cause (a causes.toml id), score in 0..1, title, evidence[], fixes[]."""
    assert list(document) == ["entries"] and len(document["entries"]) == entries
    vocabulary = load_causes()
    for entry in document["entries"]:
        assert set(entry["request"]) == {"method", "url"}
        assert entry["status"] is None or isinstance(entry["status"], int)
        scores = [f["score"] for f in entry["findings"]]
        assert scores == sorted(scores, reverse=True)
        for finding in entry["findings"]:
            assert {"cause", "score", "title", "evidence", "fixes"} <= set(finding)
            assert finding["cause"] in vocabulary
            assert 0 < finding["score"] <= 1 and isinstance(finding["title"], str)
            assert all(isinstance(line, str) for line in finding["evidence"])
            assert all(isinstance(fix["text"], str) for fix in finding["fixes"])
        for ruled in entry["ruled_out"]:
            assert ruled["cause"] in vocabulary and ruled["reason"]


def har(entries: list[dict[str, Any]]) -> str:
    def entry(e: dict[str, Any]) -> dict[str, Any]:
        return {
            "startedDateTime": e.get("started", "2025-01-15T12:00:00.000Z"),
            "time": 1,
            "request": {
                "method": e.get("method", "GET"),
                "url": e["url"],
                "httpVersion": "HTTP/1.1",
                "headers": [{"name": k, "value": v} for k, v in e.get("headers", {}).items()],
                "queryString": [],
                "cookies": [],
                "headersSize": -1,
                "bodySize": 0,
            },
            "response": {
                "status": e["status"],
                "statusText": "",
                "httpVersion": "HTTP/1.1",
                "headers": [
                    {"name": k, "value": v} for k, v in e.get("response_headers", {}).items()
                ],
                "cookies": [],
                "content": {
                    "size": len(e.get("body", "")),
                    "mimeType": "",
                    "text": e.get("body", ""),
                },
                "redirectURL": "",
                "headersSize": -1,
                "bodySize": -1,
            },
            "cache": {},
            "timings": {"send": 0, "wait": 1, "receive": 0},
        }

    return json.dumps({"log": {"version": "1.2", "entries": [entry(e) for e in entries]}})


HAR_ENTRIES = [
    {
        "url": "https://api.example.com/repos/o/r",
        "method": "DELETE",
        "headers": {"Authorization": f"token {SECRET}"},
        "status": 403,
        "response_headers": {
            "Content-Type": "application/json",
            "X-OAuth-Scopes": "repo",
            "X-Accepted-OAuth-Scopes": "delete_repo",
        },
        "body": '{"message":"Must have admin rights to Repository."}',
    },
    {"url": "https://api.example.com/items", "status": 200, "body": "[]"},
    {
        "url": "https://api.example.com/items",
        "status": 429,
        "response_headers": {"Retry-After": "9"},
    },
]


def test_why_json_against_a_lab_scenario(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["why", lab.url + "/403/drf/api/orders/", "--format", "json"], capsys)
    assert code == 0 and err == ""
    document = json.loads(out)
    assert_design_shape(document, 1)
    entry = document["entries"][0]
    assert entry["status"] == 403 and entry["request"]["method"] == "GET"
    assert entry["findings"][0]["cause"] == "missing_credentials"


def test_why_text_masks_secrets(lab: LabServer, capsys: pytest.CaptureFixture[str]) -> None:
    url = lab.url + "/403/kubernetes/api/v1/namespaces/lab/pods"
    code, out, _ = run(["why", url, "-H", f"Authorization: Bearer {SECRET}"], capsys)
    assert code == 0
    # the lab's API server does not know this token: 401, and the diagnosis says so
    assert out.startswith(f"GET {url} -> 401")
    assert "1. invalid_credentials" in out and "try:" in out and "ruled out:" in out
    assert SECRET not in out


def test_why_fail_and_transport_error_exit_codes(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["why", lab.url + "/403/drf/api/orders/", "--fail"], capsys)[0] == 1
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    code, out, _ = run(["why", f"http://127.0.0.1:{closed_port}/", "--format", "json"], capsys)
    assert code == 3
    entry = json.loads(out)["entries"][0]
    assert entry["status"] is None and entry["error"]


def test_explain_har_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "session.har"
    path.write_text(har(HAR_ENTRIES), "utf-8")
    code, out, err = run(["explain", str(path), "--format", "json"], capsys)
    assert code == 0 and err == ""
    document = json.loads(out)
    assert_design_shape(document, 3)
    first, ok, limited = document["entries"]
    assert first["findings"][0]["cause"] == "insufficient_scope"
    assert "delete_repo" in " ".join(first["findings"][0]["evidence"])
    assert ok["status"] == 200 and ok["findings"] == []
    assert limited["findings"][0]["cause"] == "rate_limited"
    assert SECRET not in out


def test_explain_from_stdin_as_text(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(har(HAR_ENTRIES[:1]).encode()))
    monkeypatch.setattr("sys.stdin", stdin)
    code, out, _ = run(["explain", "-"], capsys)
    assert code == 0
    assert out.startswith("DELETE https://api.example.com/repos/o/r -> 403")
    assert "1. insufficient_scope" in out
    assert SECRET not in out


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'{"log": {"entries": [', "truncated JSON"),
        (b"not json at all", "invalid JSON"),
        (b'{"log": {"entries": [{"request": {}}]}}', "log.entries[0]"),
        (b"\xff\xfe\x00\x01binary", "not a HAR file"),
    ],
)
def test_malformed_har_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, fragment: str
) -> None:
    path = tmp_path / "broken.har"
    path.write_bytes(content)
    code, out, err = run(["explain", str(path)], capsys)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("reqscope: ") and fragment in err
    assert "Traceback" not in err


def test_explain_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["explain", str(tmp_path / "nope.har")], capsys)
    assert code == 2 and "no such file" in err and err.count("\n") == 1


def test_rules_check_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["rules", "check"], capsys)
    assert code == 0 and out.startswith("ok: ") and "examples passed" in out
    code, out, _ = run(["rules", "list"], capsys)
    assert code == 0 and "generic.csrf.message" in out and out.rstrip().endswith("rules")
    code, out, _ = run(["rules", "list", "--cause", "csrf", "--format", "json"], capsys)
    rows = json.loads(out)
    assert code == 0 and rows and {r["cause"] for r in rows} == {"csrf"}
    code, out, _ = run(["rules", "list", "--causes"], capsys)
    assert code == 0 and all(cause in out for cause in load_causes())


def test_rules_check_reports_a_broken_user_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text('[[rule]]\nid = "mine.x"\ncause = "nope"\n', "utf-8")
    code, _, err = run(["rules", "check", "--rules", str(rules)], capsys)
    assert code == 2
    assert f"{rules / 'mine.toml'}: rule mine.x: cause: 'nope' is not a cause id" in err
    assert "Traceback" not in err
    code, _, err = run(["explain", "-", "--rules", str(rules)], capsys)
    assert code == 2 and err.count("\n") == 1 and "mine.toml" in err
    code, _, err = run(["rules", "list", "--cause", "nope"], capsys)
    assert code == 2 and "unknown cause" in err
