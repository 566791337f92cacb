"""`reqscope share` refuses to start, in one line and exit 2, whenever it cannot share safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reqscope.cli import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def test_no_allow_list_refuses_to_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["share"], capsys)
    assert code == 2 and "--allow KEYFILE" in err and "refusing" in err
    assert err.count("\n") == 1


def test_a_bad_key_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "keys"
    bad.write_text("ssh-ed25519 AAAA-not-base64 someone\n")
    code, err = _run(["share", "--allow", str(bad)], capsys)
    assert code == 2 and f"{bad}:1: not an SSH public key" in err
    assert "Traceback" not in err and err.count("\n") == 1
    code, err = _run(["share", "--allow", str(tmp_path / "missing")], capsys)
    assert code == 2 and "No such file" in err


def test_without_asyncssh_it_says_how_to_install() -> None:
    script = (
        "import sys; sys.modules['asyncssh'] = None\n"
        "from reqscope.cli import main\n"
        "sys.exit(main(['share', '--allow', 'keys']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "pip install 'reqscope[share]'" in done.stderr
    assert "Traceback" not in done.stderr
