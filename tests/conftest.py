from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from reqscope.lab.server import LabServer, running_lab

# Property tests try the same examples on every run, so CI's verdict never rests on luck and
# a failure is reproducible; `HYPOTHESIS_PROFILE=explore make test` looks for new ones.
settings.register_profile("fixed", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fixed"))


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
