"""Autouse fixtures that make snapshots the same on every machine: no blinking cursor, one
theme, colour on, UTC clock display, and a private home (no user config, no drafts offered)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, TextArea

SNAPSHOT_THEME = "textual-dark"


@pytest.fixture(autouse=True)
def _deterministic_screen(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for widget in (Input, TextArea):
        monkeypatch.setattr(widget.cursor_blink, "_default", False)
    monkeypatch.setenv("TEXTUAL_THEME", SNAPSHOT_THEME)
    monkeypatch.setattr(App.theme, "_default", SNAPSHOT_THEME)
    for variable in ("NO_COLOR", "TEXTUAL_COLOR_SYSTEM"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))


@pytest.fixture(autouse=True, scope="session")
def _restore_timezone() -> object:
    yield None
    time.tzset()
