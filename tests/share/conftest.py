"""Share tests run the real app (host and guests) in-process: the same determinism as the UI
tests (no cursor blink, one theme), and a fresh home so no real host key, draft or config is
read or written."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, TextArea

pytest.importorskip("asyncssh")


@pytest.fixture(autouse=True)
def _deterministic_share_ui(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for widget in (Input, TextArea):
        monkeypatch.setattr(widget.cursor_blink, "_default", False)
    monkeypatch.setenv("TEXTUAL_THEME", "textual-dark")
    monkeypatch.setattr(App.theme, "_default", "textual-dark")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local/state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(home / "run"))
    return home
