"""Compare a new exchange with the recorded one: what changed, and whether it counts.

Compared: the outcome (a response or a transport error, and which), the status, the response
headers (added, removed, changed; names case-insensitive, values in order) and the body (JSON
structurally, path by path; other text line by line; binary by bytes). Every change that is
not ignored is a regression.

Ignored: the session's `ignore` list, plus headers that differ on every response whatever the
server does (DEFAULT_IGNORED_HEADERS). Entries of the ignore list:
  `headers.NAME` or `header:NAME`  a response header
  `json:PATH`, `$...`, `/pointer`  a JSON path (and everything under it); `*` is any key or
                                   index, `$..id` is `id` at any depth
  `body`                           the whole body
  `NAME` (anything else)           a response header
Both sides must be redacted the same way before comparing (the recording is stored redacted).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from reqscope.core.model import Exchange, Response
from reqscope.core.replay.jsonpath import Path, Segment, format_path, matches, parse_path

# Differ on every response whatever the server does, or follow from the body (a length, an
# entity tag): never a regression by themselves.
DEFAULT_IGNORED_HEADERS = frozenset(
    {
        "date",
        "age",
        "expires",
        "last-modified",
        "etag",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
    }
)
MAX_CHANGES = 200  # kept per comparison; the rest are only counted
SHOW_CHARS = 120
_HEADER_PREFIXES = ("headers.", "headers:", "header.", "header:")


@dataclass(frozen=True, slots=True)
class IgnoreList:
    headers: frozenset[str] = DEFAULT_IGNORED_HEADERS
    json_paths: tuple[Path, ...] = ()
    body: bool = False

    def header(self, name: str) -> bool:
        return name.lower() in self.headers

    def json(self, path: Path) -> bool:
        return any(matches(pattern, path) for pattern in self.json_paths)


def parse_ignore(entries: tuple[str, ...]) -> IgnoreList:
    """The session's ignore list (raises ReplayError for a bad JSON path)."""
    headers = set(DEFAULT_IGNORED_HEADERS)
    paths: list[Path] = []
    body = False
    for raw in entries:
        entry = raw.strip()
        lowered = entry.lower()
        if lowered == "body":
            body = True
        elif prefix := next((p for p in _HEADER_PREFIXES if lowered.startswith(p)), ""):
            headers.add(lowered[len(prefix) :].strip())
        elif lowered.startswith("json:"):
            paths.append(parse_path(entry[5:]))
        elif entry.startswith(("$", "/")):
            paths.append(parse_path(entry))
        elif entry:
            headers.add(lowered)
    return IgnoreList(frozenset(headers), tuple(paths), body)


@dataclass(frozen=True, slots=True)
class Change:
    """One difference. kind: "outcome" | "status" | "header" | "body" | "json".
    `recorded` / `actual` are short text; None means absent on that side."""

    kind: str
    where: str
    recorded: str | None
    actual: str | None

    def describe(self) -> str:
        if self.recorded is None:
            return f"{self.where}: added {self.actual}"
        if self.actual is None:
            return f"{self.where}: removed (was {self.recorded})"
        return f"{self.where}: {self.recorded} -> {self.actual}"


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every change that counts (up to MAX_CHANGES, `total` counts them all) and how many
    differences the ignore list hid."""

    changes: tuple[Change, ...] = ()
    total: int = 0
    ignored: int = 0

    @property
    def regression(self) -> bool:
        return self.total > 0


@dataclass(slots=True)
class _Collector:
    ignore: IgnoreList
    changes: list[Change] = field(default_factory=list)
    total: int = 0
    ignored: int = 0

    def add(self, change: Change) -> None:
        self.total += 1
        if len(self.changes) < MAX_CHANGES:
            self.changes.append(change)

    def result(self) -> Comparison:
        return Comparison(tuple(self.changes), self.total, self.ignored)


def compare_exchanges(
    recorded: Exchange, actual: Exchange, ignore: IgnoreList | None = None
) -> Comparison:
    """What changed from `recorded` to `actual` (both redacted alike)."""
    out = _Collector(ignore or IgnoreList())
    before, after = recorded.response, actual.response
    if before is None or after is None:
        was, now = outcome_text(recorded), outcome_text(actual)
        if was != now:
            out.add(Change("outcome", "outcome", was, now))
        return out.result()
    if before.status != after.status:
        out.add(Change("status", "status", _status(before), _status(after)))
    _compare_headers(before, after, out)
    _compare_bodies(before, after, out)
    return out.result()


def outcome_text(exchange: Exchange) -> str:
    """`403 Forbidden`, or `no response (connect_refused)`."""
    if exchange.response is not None:
        return _status(exchange.response)
    kind = exchange.error.kind.value if exchange.error else "nothing"
    return f"no response ({kind})"


def _status(response: Response) -> str:
    return f"{response.status} {response.reason}".rstrip()


def _compare_headers(before: Response, after: Response, out: _Collector) -> None:
    def grouped(response: Response) -> dict[str, tuple[str, list[str]]]:
        groups: dict[str, tuple[str, list[str]]] = {}
        for name, value in response.headers:
            groups.setdefault(name.lower(), (name, []))[1].append(value)
        return groups

    was, now = grouped(before), grouped(after)
    for key in [*was, *(k for k in now if k not in was)]:
        old, new = was.get(key), now.get(key)
        old_values = old[1] if old else None
        new_values = new[1] if new else None
        if old_values == new_values:
            continue
        if out.ignore.header(key):
            out.ignored += 1
            continue
        name = (old or new or (key, []))[0]
        out.add(
            Change(
                "header",
                f"header {name}",
                _values(old_values) if old_values is not None else None,
                _values(new_values) if new_values is not None else None,
            )
        )


def _values(values: list[str]) -> str:
    return " | ".join(_show(v) for v in values)


def _compare_bodies(before: Response, after: Response, out: _Collector) -> None:
    if before.body == after.body:
        return
    if out.ignore.body:
        out.ignored += 1
        return
    if before.is_binary or after.is_binary:
        was, now = f"{len(before.body)} bytes", f"{len(after.body)} bytes"
        if was == now:
            was, now = f"{was} (other content)", f"{now} (other content)"
        out.add(Change("body", "body", was, now))
        return
    old_text, new_text = _text(before), _text(after)
    old_doc, new_doc = _json(old_text), _json(new_text)
    if old_doc is not _NOT_JSON and new_doc is not _NOT_JSON:
        _compare_json(old_doc, new_doc, (), out)
        return
    if old_text.strip() == new_text.strip():
        return
    _compare_lines(old_text, new_text, out)


def _compare_json(old: Any, new: Any, path: Path, out: _Collector) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            child = (*path, Segment("key", name=key))
            if key not in new:
                _removed_or_ignored(child, old[key], out)
            elif key not in old:
                _added_or_ignored(child, new[key], out)
            else:
                _compare_json(old[key], new[key], child, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            child = (*path, Segment("index", number=index))
            if index >= len(new):
                _removed_or_ignored(child, old[index], out)
            elif index >= len(old):
                _added_or_ignored(child, new[index], out)
            else:
                _compare_json(old[index], new[index], child, out)
        return
    if _same_scalar(old, new):
        return
    if out.ignore.json(path):
        out.ignored += 1
        return
    out.add(Change("json", format_path(path), _show_json(old), _show_json(new)))


def _removed_or_ignored(path: Path, value: Any, out: _Collector) -> None:
    if out.ignore.json(path):
        out.ignored += 1
    else:
        out.add(Change("json", format_path(path), _show_json(value), None))


def _added_or_ignored(path: Path, value: Any, out: _Collector) -> None:
    if out.ignore.json(path):
        out.ignored += 1
    else:
        out.add(Change("json", format_path(path), None, _show_json(value)))


def _same_scalar(old: Any, new: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1 and "1" is not 1."""
    numbers = (int, float)
    if isinstance(old, bool) or isinstance(new, bool):
        return type(old) is type(new) and old == new
    if isinstance(old, numbers) and isinstance(new, numbers):
        return old == new
    return type(old) is type(new) and bool(old == new)


def _compare_lines(old_text: str, new_text: str, out: _Collector) -> None:
    """Text bodies: the first differing line is the change; the count says how many more."""
    old_lines, new_lines = old_text.splitlines(), new_text.splitlines()
    width = max(len(old_lines), len(new_lines))
    old_lines += [""] * (width - len(old_lines))
    new_lines += [""] * (width - len(new_lines))
    differing = [index for index in range(width) if old_lines[index] != new_lines[index]]
    if not differing:
        out.add(
            Change(
                "body", "body (line endings)", f"{len(old_text)} chars", f"{len(new_text)} chars"
            )
        )
        return
    first = differing[0]
    was, now = _show(old_lines[first]), _show(new_lines[first])
    more = f" (and {len(differing) - 1} more lines)" if len(differing) > 1 else ""
    out.add(Change("body", f"body line {first + 1}{more}", was, now))


_NOT_JSON = object()


def _json(text: str) -> Any:
    stripped = text.strip()
    if not stripped or stripped[0] not in "[{":
        return _NOT_JSON
    try:
        return json.loads(stripped)
    except ValueError:
        return _NOT_JSON


def _text(response: Response) -> str:
    return response.text or response.body.decode("utf-8", "replace")


def _show_json(value: Any) -> str:
    return _show(json.dumps(value, ensure_ascii=False), quote=False)


def _show(text: str, *, quote: bool = True) -> str:
    text = text.replace("\n", "\\n")
    if len(text) > SHOW_CHARS:
        text = text[:SHOW_CHARS] + "..."
    return repr(text) if quote else text


__all__ = [
    "DEFAULT_IGNORED_HEADERS",
    "Change",
    "Comparison",
    "IgnoreList",
    "compare_exchanges",
    "outcome_text",
    "parse_ignore",
]
