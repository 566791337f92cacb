"""Autouse fixtures that make UI tests deterministic wherever they run: no blinking cursor,
one theme, colour on, and no configuration or state read from (or written to) the real home."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, TextArea

UI_TEST_THEME = "textual-dark"


@pytest.fixture(autouse=True)
def _freeze_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes a screen differ from one frame to the next."""
    for widget in (Input, TextArea):
        monkeypatch.setattr(widget.cursor_blink, "_default", False)


@pytest.fixture(autouse=True)
def _fixed_colour_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's NO_COLOR or TEXTUAL_THEME must not change what a test sees. Textual
    reads TEXTUAL_THEME when it is imported, so the default is set on App too."""
    monkeypatch.setenv("TEXTUAL_THEME", UI_TEST_THEME)
    monkeypatch.setattr(App.theme, "_default", UI_TEST_THEME)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)


@pytest.fixture(autouse=True)
def _isolated_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fresh home and XDG directories, so no user config is discovered or written."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for variable, folder in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(variable, str(home / folder))
    return home
