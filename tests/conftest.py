from __future__ import annotations

from collections.abc import Iterator

import pytest

from reqscope.lab.server import LabServer, running_lab


@pytest.fixture
def lab() -> Iterator[LabServer]:
    """A real lab server on 127.0.0.1 (ephemeral port), with a sibling on a second port for
    cross-origin redirects; fresh state per test."""
    with running_lab() as server:
        yield server
