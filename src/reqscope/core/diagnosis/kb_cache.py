"""The compiled knowledge base kept on disk between runs.

Compiling ~330 rules (TOML parsing, validation, the body prefilter's analysis of each regex)
takes ~110 ms, most of a `reqscope why`; unpickling the result takes ~35 ms (the regexes are
compiled again). The cache is keyed on everything the result depends on: reqscope's and
Python's versions and every rule file's path, size and modification time (causes.toml ships
with the package, under the same version), so an edited or added rule file is a miss.

A pickle runs code when loaded, so only a cache directory that is ours and writable by no one
else is read. Any problem (unwritable, corrupt, another user's) means compiling as before:
the cache is never a reason for a diagnosis to fail.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import reqscope
from reqscope.core.diagnosis.kb import KnowledgeBase

PREFIX = "kb-"
KEEP = 4  # rule sets cached at once (the built-in rules with or without a --rules DIR ...)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reqscope"


def cached_knowledge_base(
    files: Sequence[Path], compile_files: Callable[[], KnowledgeBase]
) -> KnowledgeBase:
    """The knowledge base of `files`, from the cache when it holds this exact set of files,
    else `compile_files()` (then stored for the next run)."""
    try:
        path = cache_dir() / f"{PREFIX}{_key(files)}.pickle"
    except OSError:  # a rule file vanished under us: let compiling report it
        return compile_files()
    cached = _read(path)
    if cached is not None:
        return cached
    knowledge = compile_files()
    _write(path, knowledge)
    return knowledge


def _key(files: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{reqscope.__version__}\0{sys.version}\0".encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()[:32]


def _ours(directory: Path) -> bool:
    """A directory only this user can write to: what we load from it is what we wrote."""
    try:
        info = directory.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def _read(path: Path) -> KnowledgeBase | None:
    if not _ours(path.parent):
        return None
    try:
        with path.open("rb") as handle:
            knowledge = pickle.load(handle)
    except Exception:  # missing, truncated, from an incompatible build: compile instead
        return None
    return knowledge if isinstance(knowledge, KnowledgeBase) else None


def _write(path: Path, knowledge: KnowledgeBase) -> None:
    """Atomically (a temporary file renamed); only the newest few rule sets are kept."""
    directory = path.parent
    temporary = directory / f".{path.name}.{os.getpid()}.tmp"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not _ours(directory):
            return
        with temporary.open("wb") as handle:
            pickle.dump(knowledge, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        caches = sorted(
            directory.glob(f"{PREFIX}*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for old in caches[KEEP:]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
