"""The command line on bad input the user gave: exit 2 with one line on stderr, never an
internal error (exit 70) or a transport error (exit 3) for a local mistake."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from reqscope.cli import main
from reqscope.lab.server import LabServer


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def run_process(*args: str | bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "reqscope", *args],
        check=False,
        capture_output=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1", "LC_ALL": "C.UTF-8"},
    )


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("reqscope: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    return err


@pytest.mark.parametrize(
    ("args", "names"),
    [
        ((b"{url}/echo/\xff",), "the URL"),
        ((b"{url}/echo?q=\xfe",), "the URL"),
        ((b"-H", b"X-A: \xff", b"{url}/echo"), "header 'X-A'"),
        ((b"--proxy", b"http://127.0.0.1:1/\xff", b"{url}/echo"), "the --proxy URL"),
    ],
)
def test_send_with_a_non_utf8_argv_byte_exits_2(
    lab: LabServer, args: tuple[bytes, ...], names: str
) -> None:
    argv = [arg.replace(b"{url}", lab.url.encode()) for arg in args]
    result = run_process("send", *argv)
    err = one_line(result.stderr.decode())
    assert result.returncode == 2, err
    assert f"not UTF-8 text in {names}" in err
    assert result.stdout == b""


@pytest.mark.parametrize("option", ["--cacert", "--cert"])
def test_a_missing_tls_file_exits_2(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    missing = tmp_path / "missing.pem"
    url = lab.url.replace("http:", "https:")
    code, out, err = run_main(capsys, "send", url, option, str(missing))
    assert code == 2 and out == ""
    assert "missing.pem" in one_line(err) and "No such file" in err


def test_an_invalid_client_certificate_exits_2(
    lab: LabServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("not a certificate\n")
    key.write_text("not a key\n")
    url = lab.url.replace("http:", "https:")
    code, out, err = run_main(capsys, "send", url, "--cert", str(cert), "--key", str(key))
    assert code == 2 and out == ""
    assert "cannot load the client certificate" in one_line(err)
    code, _, err = run_main(capsys, "why", url, "--cacert", str(tmp_path / "missing.pem"))
    assert code == 2 and "cannot load the CA bundle" in one_line(err)


def test_a_key_without_a_certificate_is_a_usage_error(
    lab: LabServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_main(capsys, "send", f"{lab.url}/echo", "--key", "k.pem")
    assert code == 2 and "--key needs --cert" in one_line(err)


@pytest.mark.parametrize("value", ["1e300", "inf", "nan"])
def test_a_curl_max_time_out_of_range_exits_2(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    code, out, err = run_main(capsys, "send", "--from-curl", f"curl -m {value} http://127.0.0.1:1/")
    assert code == 2 and out == ""
    assert "--max-time" in one_line(err)
    code, _, err = run_main(capsys, "import", "curl", f"curl --connect-timeout {value} http://h/")
    assert code == 2 and "--connect-timeout" in one_line(err)


@pytest.mark.parametrize("value", ["inf", "1e300", "nan"])
def test_a_session_timeout_out_of_range_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'format = 1\n\n[[requests]]\nname = "a"\nurl = "http://127.0.0.1:1/"\n'
        f"[requests.options]\ntimeout = {value}\n"
    )
    for command in (("export", str(path), "--to", "curl"), ("replay", str(path))):
        code, _, err = run_main(capsys, *command)
        assert code == 2, command
        assert f"{path}:7:" in one_line(err) and "requests[0].options.timeout" in err


def test_export_refuses_a_fifo_and_a_device(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    code, _, err = run_main(capsys, "export", str(fifo), "--to", "curl")
    assert code == 2 and "is not a regular file (a named pipe)" in one_line(err)
    code, _, err = run_main(capsys, "export", "/dev/zero", "--to", "curl")
    assert code == 2 and "/dev/zero: is not a regular file (a device)" in one_line(err)


@pytest.mark.parametrize("charset", ["idna", "utf\x008"])
def test_import_har_with_a_charset_that_is_no_text_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], charset: str
) -> None:
    entry = {
        "startedDateTime": "2024-01-01T00:00:00Z",
        "request": {"method": "GET", "url": "http://127.0.0.1/x", "headers": []},
        "response": {
            "status": 403,
            "headers": [],
            "content": {"mimeType": f"text/html; charset={charset}", "text": "a..b denied"},
        },
    }
    har = tmp_path / "a.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry]}}))
    code, out, err = run_main(capsys, "import", "har", str(har))
    assert code == 0, err
    assert 'charset = "utf-8"' in out and "a..b denied" in out
