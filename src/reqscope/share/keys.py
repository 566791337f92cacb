"""Who may join a shared app, and how the app proves who it is.

The allow list is a set of OpenSSH public key lines (an `authorized_keys` or `.pub` file), each
optionally prefixed by `role=driver` or `role=viewer` (viewer when absent): the role comes from
the key, never from the SSH user name a guest types. The host key persists under the user's
state directory with user-only permissions, so the fingerprint guests check stays the same from
one share to the next.
"""

from __future__ import annotations

import contextlib
import enum
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from reqscope.core.errors import ReqscopeError

HOST_KEY_NAME = "share_host_key"
HOST_KEY_ALGORITHM = "ssh-ed25519"


class ShareError(ReqscopeError):
    """An allow list that cannot be used, or a host key that is unsafe or unreadable."""


class Role(enum.Enum):
    """What a guest may do: watch (viewer), or also edit and send the host's request (driver).
    Ordered: a driver may always be given less."""

    VIEWER = "viewer"
    DRIVER = "driver"


@dataclass(frozen=True, slots=True)
class AllowedKey:
    key: asyncssh.SSHKey
    role: Role  # the most this key may be given; the host hands it over
    comment: str  # from the key line, to name the guest to the host
    fingerprint: str  # SHA256:..., as `ssh-keygen -l` prints it
    source: str  # file:line, for the log


def fingerprint(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256")


def parse_allow_list(text: str, source: str) -> list[AllowedKey]:
    """Keys from one allow-list file; a line that is not a key we understand is an error naming
    the file and line, because silently skipping it would lock someone out (or in)."""
    keys: list[AllowedKey] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source}:{number}"
        role = Role.VIEWER
        first, _, rest = line.partition(" ")
        if "=" in first and not _looks_like_key_type(first):
            role = _parse_options(first, where)
            line = rest.strip()
        try:
            key = asyncssh.import_public_key(line)
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise ShareError(f"{where}: not an SSH public key ({exc})") from None
        parts = line.split(None, 2)
        comment = parts[2] if len(parts) > 2 else ""
        keys.append(AllowedKey(key, role, comment, fingerprint(key), where))
    return keys


def load_allow_lists(paths: Iterable[str | Path]) -> dict[str, AllowedKey]:
    """Every allowed key by fingerprint; the same key listed twice keeps the larger role."""
    allowed: dict[str, AllowedKey] = {}
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ShareError(f"--allow {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ShareError(f"--allow {path}: not a text file of public keys") from None
        entries = parse_allow_list(text, str(path))
        if not entries:
            raise ShareError(f"--allow {path}: no public key in it")
        for entry in entries:
            known = allowed.get(entry.fingerprint)
            if known is None or (entry.role is Role.DRIVER and known.role is Role.VIEWER):
                allowed[entry.fingerprint] = entry
    if not allowed:
        raise ShareError("no allow list: pass --allow KEYFILE with the public keys of your guests")
    return allowed


def find_allowed(allowed: Mapping[str, AllowedKey], key: asyncssh.SSHKey) -> AllowedKey | None:
    return allowed.get(fingerprint(key))


def share_state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/reqscope`, or `~/.local/state/reqscope` (next to drafts and the log)."""
    environ = os.environ if environ is None else environ
    state = environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "reqscope"


def load_or_create_host_key(directory: Path | None = None) -> asyncssh.SSHKey:
    """The persistent host key, created (0600, in a directory only we can enter) on first use.
    A key file others can read is refused: anyone who has it can impersonate this host."""
    folder = directory or share_state_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / HOST_KEY_NAME
    try:
        info = path.lstat()
    except FileNotFoundError:
        return _create_host_key(path)
    if not stat.S_ISREG(info.st_mode):
        raise ShareError(f"{path} is not a regular file; refusing to use it as the host key")
    if info.st_uid != os.getuid():
        raise ShareError(f"{path} belongs to another user; refusing to use it as the host key")
    if info.st_mode & 0o077:
        raise ShareError(
            f"{path} is readable by others (mode {info.st_mode & 0o777:o}); "
            f"run `chmod 600 {path}` or delete it to make a new host key"
        )
    try:
        return asyncssh.read_private_key(path)
    except (OSError, asyncssh.KeyImportError, ValueError) as exc:
        raise ShareError(f"{path}: cannot read the host key ({exc})") from None


def _create_host_key(path: Path) -> asyncssh.SSHKey:
    key = asyncssh.generate_private_key(HOST_KEY_ALGORITHM, comment="reqscope share host key")
    data = key.export_private_key()
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return key


def _looks_like_key_type(word: str) -> bool:
    return word.startswith(("ssh-", "ecdsa-", "sk-", "rsa-"))


def _parse_options(options: str, where: str) -> Role:
    role = Role.VIEWER
    for option in options.split(","):
        name, _, value = option.partition("=")
        if name.strip().lower() != "role":
            raise ShareError(f"{where}: unknown option {option!r} (only role=viewer|driver)")
        try:
            role = Role(value.strip().strip('"').lower())
        except ValueError:
            raise ShareError(f"{where}: role must be viewer or driver, not {value!r}") from None
    return role
