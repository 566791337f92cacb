from __future__ import annotations

from collections.abc import Iterator

import pytest

from reqscope.lab.server import LabServer, running_lab


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The compiled knowledge base is cached for the test run only, never in ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


@pytest.fixture
def lab() -> Iterator[LabServer]:
    """A real lab server on 127.0.0.1 (ephemeral port), with a sibling on a second port for
    cross-origin redirects; fresh state per test."""
    with running_lab() as server:
        yield server
