"""Sessions as TOML files: load with errors naming the file, line and key; save atomically,
with secrets never written in clear unless the user asks. The format is docs/session-format.md.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import stat
import tempfile
from dataclasses import MISSING, Field, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from reqscope.core.errors import SessionFileError, SessionSaveError
from reqscope.core.model import (
    Auth,
    BodyKind,
    Exchange,
    FormField,
    Header,
    Request,
    RequestOptions,
    Response,
    Session,
    Timings,
    Variable,
)
from reqscope.core.redact import Redactor
from reqscope.core.session_reader import DISABLED, FORMAT_VERSION, derived_text, parse_session
from reqscope.core.session_secrets import protect_secrets
from reqscope.core.toml_writer import TomlWriteError, render

_SURROGATE = re.compile("[\ud800-\udfff]")
# Far above any real session (2000 requests with history are a few MiB), far below a device.
MAX_SESSION_BYTES = 512 * 2**20


def load_session(path: str | Path) -> Session:
    """Read a session file. Never writes anything."""
    source = str(path)
    try:
        data = _read_regular_file(Path(path), source)
    except FileNotFoundError:
        raise SessionFileError(source, "no such file") from None
    except IsADirectoryError:
        raise SessionFileError(source, "is a directory, not a session file") from None
    except OSError as exc:
        raise SessionFileError(source, f"cannot read ({exc.strerror})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SessionFileError(source, "not UTF-8 text", line=line) from None
    return loads_session(text, source)


def _read_regular_file(path: Path, source: str) -> bytes:
    """The bytes of a regular file of at most MAX_SESSION_BYTES. A FIFO, a device (/dev/zero)
    or a huge file would block or read forever. Opened without blocking and checked on the
    open descriptor, so a FIFO cannot hang the open and a swapped path cannot slip past."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise SessionFileError(source, f"is not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > MAX_SESSION_BYTES:
            raise SessionFileError(source, _too_big(info.st_size))
        data = file.read(MAX_SESSION_BYTES + 1)  # the file may grow after the fstat
    if len(data) > MAX_SESSION_BYTES:
        raise SessionFileError(source, _too_big(len(data)))
    return data


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _too_big(size: int) -> str:
    return f"is {size / 2**20:.0f} MiB; a session file is at most {MAX_SESSION_BYTES // 2**20} MiB"


def loads_session(text: str, source: str = "<string>") -> Session:
    return parse_session(text, source)


def dumps_session(
    session: Session, *, redactor: Redactor | None = None, include_secrets: bool = False
) -> str:
    """The session as TOML text. Unless `include_secrets`, secret values are left out: secret
    variables lose their value, literal credentials in requests become references to secret
    variables, and recorded exchanges are redacted (by `redactor` and by header name).

    Raises SessionSaveError for text no TOML file can hold (bytes that are not UTF-8 outside
    a request body or form value, which are written as base64)."""
    if not include_secrets:
        session = protect_secrets(session, redactor)
    data = session_to_data(session)
    try:
        # No re-parse: the writer is correct by construction (tests/core/test_store_*.py).
        return render(data)
    except TomlWriteError as exc:
        where = _unwritable_key(data)
        raise SessionSaveError(f"cannot save{f' key {where!r}' if where else ''}: {exc}") from None


def save_session(
    session: Session,
    path: str | Path,
    *,
    redactor: Redactor | None = None,
    include_secrets: bool = False,
) -> None:
    """Write the session atomically: the previous file survives any failure."""
    try:
        text = dumps_session(session, redactor=redactor, include_secrets=include_secrets)
    except SessionSaveError as exc:
        raise SessionSaveError(f"{path}: {exc}") from None
    write_atomically(Path(path), text.encode("utf-8"))


def write_atomically(path: Path, data: bytes) -> None:
    """Temp file in the same directory, flush + fsync, rename over, fsync the directory."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            os.chmod(temp_name, _mode_for(path))
        os.replace(temp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    _fsync_directory(directory)


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new one gets the umask's default."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not every platform can open a directory; the rename is done regardless
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


# --- session -> plain data (what tomllib will read back) ---------------------------------------


def session_to_data(session: Session) -> dict[str, Any]:
    data: dict[str, Any] = {"format": FORMAT_VERSION, "name": session.name}
    if session.ignore:
        data["ignore"] = list(session.ignore)
    if session.variables:
        data["variables"] = [_variable(v) for v in session.variables]
    if session.requests:
        data["requests"] = [_request(r) for r in session.requests]
    if session.history:
        data["history"] = [_exchange(ex) for ex in session.history]
    return data


def _variable(var: Variable) -> dict[str, Any]:
    data: dict[str, Any] = {"name": var.name}
    if var.value:
        data["value"] = var.value
    if var.secret:
        data["secret"] = True
    return data


def _request(req: Request) -> dict[str, Any]:
    data: dict[str, Any] = {"name": req.name, "method": req.method, "url": req.url}
    if req.description:
        data["description"] = req.description
    if req.headers:
        data["headers"] = [_header(h) for h in req.headers]
    if req.body_kind is not BodyKind.NONE:
        data["body_kind"] = req.body_kind.value
    data.update(_template_text("body", req.body))
    if req.form:
        data["form"] = [_form_field(f) for f in req.form]
    if req.auth != Auth():
        data["auth"] = _non_default(req.auth)
    if req.options != RequestOptions():
        data["options"] = _non_default(req.options)
    if req.expect:
        data["expect"] = [_non_default(e, keep=("target", "op")) for e in req.expect]
    if req.captures:
        keep = ("variable", "source", "expr")
        data["captures"] = [_non_default(c, keep=keep) for c in req.captures]
    return data


def _form_field(form_field: FormField) -> dict[str, Any]:
    data: dict[str, Any] = {"name": form_field.name}
    data.update(_template_text("value", form_field.value))
    data.update(_non_default(form_field, ("file", "filename", "content_type", "enabled")))
    return data


def _template_text(key: str, text: str) -> dict[str, str]:
    """A request's body or form value as written (`key`), or, when it holds bytes that are
    not UTF-8 (read from a binary file with `surrogateescape`, which the wire encodes back),
    those bytes in base64 (`key_base64`): TOML strings hold only Unicode text."""
    if not text:
        return {}
    if text.isascii() or not _SURROGATE.search(text):
        return {key: text}
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return {key: text}  # not bytes either: the writer refuses it, naming the key
    return {f"{key}_base64": base64.b64encode(raw).decode("ascii")}


def _unwritable_key(data: Any, path: str = "") -> str:
    """The key path of the first string TOML cannot hold, for the error message."""
    if isinstance(data, str):
        return path if _SURROGATE.search(data) else ""
    if isinstance(data, dict):
        items: Any = ((f"{path}.{key}" if path else key, value) for key, value in data.items())
    elif isinstance(data, list):
        items = ((f"{path}[{index}]", value) for index, value in enumerate(data))
    else:
        return ""
    for where, value in items:
        found = _unwritable_key(value, where)
        if found:
            return found
    return ""


def _header(header: Header) -> list[str]:
    pair = [header.name, header.value]
    return pair if header.enabled else [*pair, DISABLED]


def _exchange(ex: Exchange) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if ex.request_name:
        data["request_name"] = ex.request_name
    if ex.started_at is not None:
        data["started_at"] = _toml_datetime(ex.started_at)
    sent = ex.request
    request: dict[str, Any] = {"method": sent.method, "url": sent.url}
    if sent.http_version != "HTTP/1.1":
        request["http_version"] = sent.http_version
    if sent.headers:
        request["headers"] = [list(pair) for pair in sent.headers]
    request.update(_body(sent.body, binary=False))
    data["request"] = request
    if ex.response is not None:
        data["response"] = _response(ex.response)
    if ex.error is not None:
        data["error"] = _non_default(ex.error, keep=("kind", "message"))
    if ex.timings != Timings():
        data["timings"] = _non_default(ex.timings)
    if ex.redirects:
        keep = ("method", "url", "status", "location")
        data["redirects"] = [_non_default(hop, keep=keep) for hop in ex.redirects]
    if ex.tls is not None:
        data["tls"] = _non_default(ex.tls)
    return data


def _response(resp: Response) -> dict[str, Any]:
    data: dict[str, Any] = {"status": resp.status}
    data.update(_non_default(resp, ("reason", "http_version")))
    if resp.headers:
        data["headers"] = [list(pair) for pair in resp.headers]
    data.update(_body(resp.body, binary=resp.is_binary))
    if resp.text != derived_text(resp.body, resp.charset, resp.is_binary):
        data["text"] = resp.text
    data.update(_non_default(resp, ("charset", "is_binary", "truncated", "size")))
    return data


def _body(body: bytes, *, binary: bool) -> dict[str, str]:
    """Text when it is UTF-8 (readable, diffable), base64 otherwise."""
    if not body:
        return {}
    if not binary:
        try:
            return {"body": body.decode("utf-8")}
        except UnicodeDecodeError:
            pass
    return {"body_base64": base64.b64encode(body).decode("ascii")}


def _toml_datetime(moment: datetime) -> datetime:
    """TOML offsets are whole minutes; other offsets are written as the same instant in UTC."""
    offset = moment.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        return moment.astimezone(UTC)
    return moment


def _non_default(
    obj: Any, names: tuple[str, ...] | None = None, keep: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The fields of a model dataclass that differ from their defaults (or are in `keep`),
    as TOML-ready values; `names` limits which fields are looked at."""
    data: dict[str, Any] = {}
    for fld in fields(obj):
        if names is not None and fld.name not in names:
            continue
        value = getattr(obj, fld.name)
        if fld.name in keep or value != _default_of(fld):
            data[fld.name] = _plain(value)
    return data


def _default_of(fld: Field[Any]) -> Any:
    if fld.default is not MISSING:
        return fld.default
    if fld.default_factory is not MISSING:
        return fld.default_factory()
    return MISSING  # a required field: never equal, always written


def _plain(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


__all__ = [
    "FORMAT_VERSION",
    "dumps_session",
    "load_session",
    "loads_session",
    "save_session",
    "write_atomically",
]
