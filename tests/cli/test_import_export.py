"""`reqscope import curl|har`, `reqscope export --to curl|har` and `--from-curl` on `send` and
`why`, run through the CLI entry point in process: what lands on stdout and on disk, exit codes,
one-line errors that write nothing, and secrets kept out unless asked."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reqscope.cli import main
from reqscope.core.interop.har import read_har_exchanges
from reqscope.core.model import (
    ApiKeyLocation,
    Auth,
    AuthKind,
    BodyKind,
    Exchange,
    Header,
    Request,
    Response,
    SentRequest,
    Session,
)
from reqscope.core.store import load_session, loads_session, save_session
from reqscope.lab.server import LabServer

# The HAR samples shaped like Chrome's and Firefox's exports live with the HAR reader's tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core" / "interop"))
from har_samples import chrome_har, firefox_har


def run_cli(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *argv: str,
    stdin: bytes = b"",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_har(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return path


def entry(url: str, status: int, headers: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    return {
        "startedDateTime": "2024-05-02T09:15:01.000Z",
        "time": 5,
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": n, "value": v} for n, v in headers or []],
            "cookies": [],
            "queryString": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": "Content-Type", "value": "text/plain"}],
            "cookies": [],
            "content": {"size": 2, "mimeType": "text/plain", "text": "no"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 2,
        },
        "cache": {},
        "timings": {"send": 1, "wait": 3, "receive": 1},
    }


# --- import curl ---------------------------------------------------------------------------


def test_import_curl_prints_a_session_that_loads_back(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_cli(
        capsys,
        monkeypatch,
        "import",
        "curl",
        "curl -X PUT 'https://api.test/v1/items/7?x=1' -H 'X-Trace: on' --json '{\"a\": 1}' -L",
    )
    assert (code, err) == (0, "")
    (request,) = loads_session(out).requests
    assert (request.method, request.url) == ("PUT", "https://api.test/v1/items/7?x=1")
    assert request.headers[0] == Header("X-Trace", "on")
    assert request.body_kind is BodyKind.JSON and request.body == '{"a": 1}'
    assert request.options.follow_redirects


def test_import_curl_from_stdin_to_a_file_keeps_secrets_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "login.toml"
    command = b"curl https://api.test/me \\\n  -H 'Authorization: Bearer sk-live-abcdef123456'\n"
    code, out, err = run_cli(
        capsys, monkeypatch, "import", "curl", "-", "-o", str(target), stdin=command
    )
    assert (code, out) == (0, "")
    assert err == f"wrote {target} (1 request)\n"
    text = target.read_text(encoding="utf-8")
    assert "sk-live-abcdef123456" not in text
    session = load_session(target)
    assert session.name == "login"
    assert session.requests[0].headers == (
        Header("Authorization", "Bearer {{authorization_token}}"),
    )


def test_an_option_reqscope_cannot_honour_is_a_named_warning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run_cli(
        capsys, monkeypatch, "import", "curl", "curl --retry 3 --resolve a:80:127.0.0.1 http://a"
    )
    assert code == 0 and loads_session(out).requests
    assert "reqscope: warning: --retry: not supported by reqscope, ignored" in err
    assert "--resolve" in err


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["curl --bogus http://x"], b"", "reqscope: option --bogus: is unknown to curl"),
        (["curl 'http://x -H a"], b"", "unterminated single quote"),
        (["wget http://x"], b"", "not a curl command"),
        (["curl -H"], b"", "option -H: requires parameter"),
        (["-"], b"curl \xff\xfe\x00 http://x", "stdin: the curl command is not UTF-8 text"),
        (["-"], b"", "empty command"),
    ],
)
def test_bad_curl_commands_exit_2_with_one_line_and_write_nothing(
    argv: list[str],
    stdin: bytes,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    target = tmp_path / "out.toml"
    code, out, err = run_cli(
        capsys, monkeypatch, "import", "curl", *argv, "-o", str(target), stdin=stdin
    )
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err, err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_kept_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "kept.toml"
    target.write_text("precious", encoding="utf-8")
    code, _, err = run_cli(capsys, monkeypatch, "import", "curl", "curl x", "-o", str(target))
    assert code == 2 and "exists; use --force" in err
    assert target.read_text(encoding="utf-8") == "precious"
    code, _, _ = run_cli(
        capsys, monkeypatch, "import", "curl", "curl x", "-o", str(target), "--force"
    )
    assert code == 0 and load_session(target).requests[0].url == "http://x"


def test_an_unwritable_output_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "missing-dir" / "x.toml"
    code, _, err = run_cli(capsys, monkeypatch, "import", "curl", "curl x", "-o", str(target))
    assert code == 2
    assert err == f"reqscope: cannot write {target}: No such file or directory\n"


# --- import har ----------------------------------------------------------------------------


def test_import_har_keeps_recorded_exchanges_and_filters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    har = write_har(tmp_path / "chrome.har", chrome_har())
    target = tmp_path / "refused.toml"
    code, _, err = run_cli(
        capsys, monkeypatch, "import", "har", str(har), "--status", "403", "-o", str(target)
    )
    assert code == 0
    assert err == f"wrote {target} (1 request, 1 recorded exchange)\n"
    session = load_session(target)
    (request,) = session.requests
    (recorded,) = session.history
    assert (request.name, request.method) == ("POST /v1/items", "POST")
    assert not any(h.name.startswith(":") for h in request.headers)  # HTTP/2 pseudo-headers
    assert recorded.request_name == request.name
    assert recorded.response is not None and recorded.response.status == 403
    assert recorded.response.header("cf-mitigated") == "challenge"
    text = target.read_text(encoding="utf-8")
    assert "abc.def.ghi" not in text and "s3cr3t" not in text

    code, out, _ = run_cli(
        capsys, monkeypatch, "import", "har", str(har), "--host", "CDN.example.com"
    )
    (image,) = loads_session(out).history
    assert image.response is not None and image.response.is_binary


def test_import_har_from_stdin_firefox_params(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.dumps(firefox_har()).encode()
    code, out, _ = run_cli(capsys, monkeypatch, "import", "har", "-", stdin=data)
    assert code == 0
    (request,) = loads_session(out).requests
    assert request.body == "user=ana+b&next=%2Fa%26b" and request.body_kind is BodyKind.RAW


def test_repeated_requests_become_one_request_with_several_recordings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    document = {
        "log": {
            "version": "1.2",
            "creator": {"name": "x", "version": "1"},
            "entries": [
                entry("https://a.test/poll", 403, [("traceparent", "00-aa-01"), ("X-A", "1")]),
                entry("https://a.test/poll", 200, [("traceparent", "00-bb-01"), ("X-A", "1")]),
                entry("https://a.test/poll", 403, [("X-A", "2")]),
                entry("https://a.test/other", 404),
            ],
        }
    }
    har = write_har(tmp_path / "poll.har", document)
    code, out, _ = run_cli(capsys, monkeypatch, "import", "har", str(har))
    assert code == 0
    session = loads_session(out)
    assert [r.name for r in session.requests] == ["GET /poll", "GET /poll (2)", "GET /other"]
    assert [e.request_name for e in session.history] == [
        "GET /poll",
        "GET /poll",
        "GET /poll (2)",
        "GET /other",
    ]
    assert [e.status for e in session.history] == [403, 200, 403, 404]


def test_nothing_selected_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    har = write_har(tmp_path / "c.har", chrome_har())
    code, out, err = run_cli(capsys, monkeypatch, "import", "har", str(har), "--status", "418")
    assert (code, out) == (2, "")
    assert err == f"reqscope: {har}: no HAR entry matches --host/--status\n"


def _truncated(path: Path) -> str:
    text = json.dumps(chrome_har(), indent=1)
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    return "truncated JSON"


def _binary(path: Path) -> str:
    path.write_bytes(bytes(range(256)) * 40)
    return "not a HAR file (binary data"


def _package_json(path: Path) -> str:
    path.write_text('{"name": "app", "version": "1.0.0"}', encoding="utf-8")
    return "log: missing"


def _bad_field(path: Path) -> str:
    har = chrome_har()
    har["log"]["entries"][1]["response"]["status"] = "200"
    write_har(path, har)
    return "log.entries[1].response.status: expected a number, found a string"


def _empty(path: Path) -> str:
    path.write_bytes(b" \n")
    return "the file is empty, not a HAR file"


def _not_json(path: Path) -> str:
    path.write_text("GET / HTTP/1.1\nHost: x\n", encoding="utf-8")
    return ":1:1: invalid JSON"


@pytest.mark.parametrize(
    "make", [_truncated, _binary, _package_json, _bad_field, _empty, _not_json]
)
def test_bad_har_files_exit_2_naming_the_file_and_write_nothing(
    make: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = tmp_path / "in.har"
    message = make(source)
    target = tmp_path / "out.toml"
    code, out, err = run_cli(capsys, monkeypatch, "import", "har", str(source), "-o", str(target))
    assert (code, out) == (2, "")
    assert err.startswith(f"reqscope: {source}") and err.count("\n") == 1
    assert message in err, err
    assert not target.exists()


def test_missing_har_file(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "import", "har", "/nonexistent/x.har")
    assert code == 2 and err == "reqscope: /nonexistent/x.har: no such file\n"


# --- export --------------------------------------------------------------------------------


def _secret_session(path: Path) -> Path:
    """A session file holding literal credentials (as a user may write one by hand)."""
    requests = (
        Request(
            name="bearer",
            method="POST",
            url="https://api.test/v1/items",
            headers=(Header("X-Note", 'it\'s $5 "off"\nnext'),),
            body_kind=BodyKind.JSON,
            body='{"q": "a b"}',
            auth=Auth(AuthKind.BEARER, token="tok-abcdef123456"),
        ),
        Request(
            name="basic",
            url="https://api.test/basic",
            auth=Auth(AuthKind.BASIC, username="ann", password="hunter2-secret"),
        ),
        Request(
            name="key in header",
            url="https://api.test/h",
            auth=Auth(AuthKind.API_KEY, token="key-header-999999", key_name="X-Api-Key"),
        ),
        Request(
            name="key in query",
            url="https://api.test/q?x=1",
            auth=Auth(
                AuthKind.API_KEY,
                token="key-query-888888",
                key_name="api_key",
                location=ApiKeyLocation.QUERY,
            ),
        ),
    )
    sent = SentRequest(
        "POST",
        "https://api.test/v1/items",
        (("Authorization", "Bearer tok-abcdef123456"),),
        b'{"q": "a b"}',
    )
    response = Response(
        403,
        "Forbidden",
        headers=(("Content-Type", "text/plain"),),
        body=b"token tok-abcdef123456 expired",
        text="token tok-abcdef123456 expired",
        charset="utf-8",
    )
    history = (Exchange(sent, response, request_name="bearer"),)
    session = Session("s", requests=requests, history=history)
    save_session(session, path, include_secrets=True)
    return path


SECRETS = ("tok-abcdef123456", "hunter2-secret", "key-header-999999", "key-query-888888")


def test_export_curl_masks_every_auth_kind_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _secret_session(tmp_path / "s.toml")
    code, out, _ = run_cli(capsys, monkeypatch, "export", str(session), "--to", "curl")
    assert code == 0
    assert not any(secret in out for secret in SECRETS)
    assert '--oauth2-bearer "${REQSCOPE_TOKEN}"' in out
    assert '-u "ann:${REQSCOPE_PASSWORD}"' in out
    assert '-H "X-Api-Key: ${REQSCOPE_TOKEN}"' in out
    assert '"https://api.test/q?x=1&api_key=${REQSCOPE_TOKEN}"' in out
    assert out.count("# secrets are read from the environment") == 4

    code, out, _ = run_cli(
        capsys, monkeypatch, "export", str(session), "--to", "curl", "--include-secrets"
    )
    assert all(secret in out for secret in SECRETS)


def test_exported_curl_command_sends_the_request(
    lab: LabServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if shutil.which("curl") is None:
        pytest.skip("no curl binary")
    request = Request(
        name="echo",
        method="PATCH",
        url=f"{lab.url}/echo?q=a%20b",
        headers=(Header("X-Quote", 'it\'s "$HOME" `x`'), Header("Content-Type", "text/plain")),
        body_kind=BodyKind.RAW,
        body="line 1\nline 'two' $x\n",
        auth=Auth(AuthKind.BEARER, token="tok-abcdef123456"),
    )
    path = tmp_path / "echo.toml"
    save_session(Session("echo", requests=(request,)), path, include_secrets=True)
    code, out, _ = run_cli(capsys, monkeypatch, "export", str(path), "--to", "curl")
    assert code == 0
    result = subprocess.run(
        ["bash", "-c", out.replace("curl ", "curl -s ", 1)],
        env={"REQSCOPE_TOKEN": "tok-abcdef123456", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        timeout=30,
        check=True,
    )
    echoed = json.loads(result.stdout)
    assert echoed["method"] == "PATCH"
    assert echoed["query"] == [["q", "a b"]]
    assert echoed["body"] == request.body
    headers = {name.lower(): value for name, value in echoed["headers"]}
    assert headers["x-quote"] == 'it\'s "$HOME" `x`'
    assert headers["authorization"] == "Bearer tok-abcdef123456"


def test_export_har_is_valid_har_1_2_and_redacted_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = _secret_session(tmp_path / "s.toml")
    target = tmp_path / "out.har"
    code, out, _ = run_cli(
        capsys, monkeypatch, "export", str(session), "--to", "har", "-o", str(target)
    )
    assert (code, out) == (0, "")
    text = target.read_text(encoding="utf-8")
    assert "tok-abcdef123456" not in text
    document = json.loads(text)
    check_har_1_2(document)
    (exchange,) = read_har_exchanges(target)
    assert exchange.response is not None and exchange.response.status == 403

    code, out, _ = run_cli(
        capsys, monkeypatch, "export", str(session), "--to", "har", "--include-secrets"
    )
    assert out.count("tok-abcdef123456") == 2  # the Authorization header and the body


def test_har_import_then_export_keeps_what_was_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    har = write_har(tmp_path / "ff.har", firefox_har())
    session = tmp_path / "ff.toml"
    assert run_cli(capsys, monkeypatch, "import", "har", str(har), "-o", str(session))[0] == 0
    code, out, _ = run_cli(capsys, monkeypatch, "export", str(session), "--to", "har")
    assert code == 0
    check_har_1_2(json.loads(out))
    (original,) = read_har_exchanges(har)
    (again,) = read_har_exchanges(out.encode())
    assert again.request.method == original.request.method
    assert again.request.url == original.request.url
    assert again.request.body == original.request.body
    assert again.response == original.response
    assert again.timings == original.timings


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--request", "nope"], "no request named 'nope' in the session"),
        (["-o", "/nonexistent-dir/x.sh"], "cannot write /nonexistent-dir/x.sh"),
    ],
)
def test_export_errors_are_one_line(
    extra: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = _secret_session(tmp_path / "s.toml")
    code, out, err = run_cli(capsys, monkeypatch, "export", str(session), "--to", "curl", *extra)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and message in err


def test_export_of_a_missing_session(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run_cli(capsys, monkeypatch, "export", "/nonexistent.toml", "--to", "har")
    assert code == 2 and err == "reqscope: /nonexistent.toml: no such file\n"


def check_har_1_2(document: dict[str, Any]) -> None:
    """The fields HAR 1.2 requires, with their types (w3c-webperf HAR spec)."""
    log = document["log"]
    assert log["version"] == "1.2"
    assert isinstance(log["creator"]["name"], str) and isinstance(log["creator"]["version"], str)
    for item in log["entries"]:
        assert isinstance(item["startedDateTime"], str) and item["startedDateTime"].endswith("Z")
        assert isinstance(item["time"], (int, float)) and isinstance(item["cache"], dict)
        request, response = item["request"], item["response"]
        for key, kind in [
            ("method", str),
            ("url", str),
            ("httpVersion", str),
            ("cookies", list),
            ("headers", list),
            ("queryString", list),
            ("headersSize", int),
            ("bodySize", int),
        ]:
            assert isinstance(request[key], kind), key
        if "postData" in request:
            assert isinstance(request["postData"]["mimeType"], str)
        for key, kind in [
            ("status", int),
            ("statusText", str),
            ("httpVersion", str),
            ("cookies", list),
            ("headers", list),
            ("content", dict),
            ("redirectURL", str),
            ("headersSize", int),
            ("bodySize", int),
        ]:
            assert isinstance(response[key], kind), key
        assert isinstance(response["content"]["size"], int)
        assert isinstance(response["content"]["mimeType"], str)
        for header in (*request["headers"], *response["headers"]):
            assert set(header) >= {"name", "value"}
        for phase in ("send", "wait", "receive"):
            assert item["timings"][phase] >= 0


# --- send / why --from-curl ----------------------------------------------------------------


def test_send_from_curl_sends_the_command_with_overrides(
    lab: LabServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = f"curl '{lab.url}/echo?a=1' -H 'X-A: 1' -H 'X-B: keep' --data-raw 'k=v' -X patch"
    code, out, err = run_cli(
        capsys, monkeypatch, "send", "--from-curl", command, "--format", "json"
    )
    assert (code, err) == (0, "")
    echoed = json.loads(json.loads(out)["body"])
    assert echoed["method"] == "patch"  # sent as written, like curl
    assert echoed["body"] == "k=v"
    headers = [(n.lower(), v) for n, v in echoed["headers"]]
    assert ("x-a", "1") in headers
    assert ("content-type", "application/x-www-form-urlencoded") in headers

    code, out, err = run_cli(
        capsys,
        monkeypatch,
        "send",
        "--from-curl",
        command + " --retry 2",
        "-X",
        "PUT",
        "-H",
        "x-a: 2",
        "--format",
        "json",
    )
    assert code == 0
    assert err == "reqscope: warning: --from-curl: --retry: not supported by reqscope, ignored\n"
    echoed = json.loads(json.loads(out)["body"])
    headers = [(n.lower(), v) for n, v in echoed["headers"]]
    assert echoed["method"] == "PUT"
    assert ("x-a", "2") in headers and ("x-a", "1") not in headers and ("x-b", "keep") in headers


def test_why_from_curl_reads_stdin(
    lab: LabServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command = f"curl {lab.url}/status/403".encode()
    code, out, _ = run_cli(
        capsys, monkeypatch, "why", "--from-curl", "-", "--format", "json", stdin=command
    )
    assert code == 0
    (result,) = json.loads(out)["entries"]
    assert result["status"] == 403
    assert result["request"]["url"] == f"{lab.url}/status/403"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from-curl", "curl --nope x"], "reqscope: --from-curl: option --nope: is unknown"),
        (["http://x", "--from-curl", "curl http://y"], "give the URL in one place"),
        ([], "the URL is missing"),
        (["--from-curl", "-", "-d", "@-"], "stdin can be read only once"),
    ],
)
def test_from_curl_usage_errors(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, out, err = run_cli(capsys, monkeypatch, "send", *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and message in err, err
