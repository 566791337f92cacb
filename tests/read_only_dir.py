"""A directory that refuses new files, for tests of saves that cannot happen."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """Make `folder` refuse new files. Root ignores permissions, so for root the immutable
    attribute (chattr +i) stands in for them where the filesystem has it."""
    if os.geteuid() != 0:
        folder.chmod(0o500)
        try:
            yield
        finally:
            folder.chmod(0o700)
        return
    chattr = shutil.which("chattr")
    made = (
        chattr is not None
        and subprocess.run(
            [chattr, "+i", str(folder)], capture_output=True, check=False, timeout=30
        ).returncode
        == 0
    )
    if not made or chattr is None:
        pytest.skip("root ignores permissions, and chattr +i is not available here")
    try:
        yield
    finally:
        subprocess.run([chattr, "-i", str(folder)], check=False, timeout=30)
