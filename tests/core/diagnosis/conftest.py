from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reqscope.core.diagnosis import clear_knowledge_base_cache


@pytest.fixture(autouse=True)
def isolated_rules_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Never read the developer's own ~/.config/reqscope/rules; start with a fresh cache."""
    config = tmp_path / "xdg-config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    clear_knowledge_base_cache()
    yield config
    clear_knowledge_base_cache()
