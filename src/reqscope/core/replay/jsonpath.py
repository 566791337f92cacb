"""The small JSON path language expectations, captures and the ignore list share.

Two spellings, because people paste both: JSONPath (`$.items[0].id`, `$['odd key']`,
`$.items[*].id`, `$..id` at any depth) and JSON pointer (RFC 6901: `/items/0/id`, `~1` for
`/`, `~0` for `~`). A path without `$` or `/` is read as if it began with `$.`. A path is parsed
once into segments; looking it up returns every value it selects (a wildcard selects many).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reqscope.core.errors import ReplayError


@dataclass(frozen=True, slots=True)
class Segment:
    """One step of a path. kind: "key" (name) | "index" (number) | "any" (`*`) |
    "descend" (`..`: the following step at any depth)."""

    kind: str
    name: str = ""
    number: int = 0

    def __str__(self) -> str:
        if self.kind == "key":
            return f".{self.name}" if _PLAIN_KEY.fullmatch(self.name) else f"[{self.name!r}]"
        if self.kind == "index":
            return f"[{self.number}]"
        if self.kind == "any":
            return "[*]"
        return ".."


Path = tuple[Segment, ...]

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_BRACKET = re.compile(r"\[\s*(?:(-?\d+)|\*|'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")\s*\]")
_DOT_KEY = re.compile(r"[^.\[\]]+")


@lru_cache(maxsize=1024)
def parse_path(text: str) -> Path:
    """Parse a JSONPath or JSON pointer; raises ReplayError saying what is wrong and where."""
    source = text.strip()
    if source.startswith("/") or source == "":
        return _parse_pointer(source)
    if not source.startswith("$"):
        source = "$." + source
    segments: list[Segment] = []
    i = 1
    while i < len(source):
        if source.startswith("..", i):
            segments.append(Segment("descend"))
            i += 2
            if i < len(source) and source[i] == "[":
                continue
            i = _dot_key(source, i, segments, text)
        elif source[i] == ".":
            i = _dot_key(source, i + 1, segments, text)
        elif source[i] == "[":
            match = _BRACKET.match(source, i)
            if match is None:
                raise ReplayError(f"invalid JSON path {text!r}: bad [...] at character {i + 1}")
            if match.group(1) is not None:
                segments.append(Segment("index", number=int(match.group(1))))
            elif match.group(2) is not None or match.group(3) is not None:
                raw = match.group(2) if match.group(2) is not None else match.group(3)
                segments.append(Segment("key", name=re.sub(r"\\(.)", r"\1", raw)))
            else:
                segments.append(Segment("any"))
            i = match.end()
        else:
            raise ReplayError(
                f"invalid JSON path {text!r}: unexpected {source[i]!r} at character {i + 1}"
            )
    if segments and segments[-1].kind == "descend":
        raise ReplayError(f"invalid JSON path {text!r}: '..' needs a name after it")
    return tuple(segments)


def _dot_key(source: str, i: int, segments: list[Segment], text: str) -> int:
    if source.startswith("*", i):
        segments.append(Segment("any"))
        return i + 1
    match = _DOT_KEY.match(source, i)
    if match is None:
        raise ReplayError(f"invalid JSON path {text!r}: a name is missing at character {i + 1}")
    segments.append(Segment("key", name=match.group(0)))
    return match.end()


def _parse_pointer(text: str) -> Path:
    if text == "":
        return ()
    parts = text[1:].split("/")
    segments: list[Segment] = []
    for part in parts:
        name = part.replace("~1", "/").replace("~0", "~")
        segments.append(Segment("key", name=name))
    return tuple(segments)


def format_path(path: Path) -> str:
    """A concrete path as JSONPath text (`$.items[0].id`), for messages and diffs."""
    return "$" + "".join(str(segment) for segment in path)


def find(document: Any, path: Path) -> list[Any]:
    """Every value `path` selects in a parsed JSON document (empty when none)."""
    return [value for _, value in _walk(document, path, ())]


def _walk(node: Any, path: Path, here: Path) -> Iterator[tuple[Path, Any]]:
    if not path:
        yield here, node
        return
    step, rest = path[0], path[1:]
    if step.kind == "descend":
        yield from _descend(node, rest, here)
        return
    for child_path, child in _children(node, step, here):
        yield from _walk(child, rest, child_path)


def _descend(node: Any, rest: Path, here: Path) -> Iterator[tuple[Path, Any]]:
    """`..step`: apply `step` here and at every depth below (document order)."""
    yield from _walk(node, rest, here)
    for child_path, child in _children(node, Segment("any"), here):
        yield from _descend(child, rest, child_path)


def _children(node: Any, step: Segment, here: Path) -> Iterator[tuple[Path, Any]]:
    if isinstance(node, dict):
        if step.kind == "key" and step.name in node:
            yield (*here, step), node[step.name]
        elif step.kind == "any":
            for key, value in node.items():
                yield (*here, Segment("key", name=key)), value
        elif step.kind == "index" and str(step.number) in node:
            # A pointer's `/0` on an object means the key "0".
            yield (*here, Segment("key", name=str(step.number))), node[str(step.number)]
    elif isinstance(node, list):
        if step.kind == "index" or (step.kind == "key" and step.name.lstrip("-").isdigit()):
            number = step.number if step.kind == "index" else int(step.name)
            if -len(node) <= number < len(node):
                index = number % len(node)
                yield (*here, Segment("index", number=index)), node[index]
        elif step.kind == "any":
            for index, value in enumerate(node):
                yield (*here, Segment("index", number=index)), value


def matches(pattern: Path, concrete: Path) -> bool:
    """True when a concrete path (keys and indexes only) is `pattern` or lies under it; `*`
    stands for any one step and `..` for any number of steps."""
    if not pattern:
        return True
    step = pattern[0]
    if step.kind == "descend":
        return any(matches(pattern[1:], concrete[i:]) for i in range(len(concrete) + 1))
    if not concrete:
        return False
    here = concrete[0]
    if step.kind == "any" or step == here:
        return matches(pattern[1:], concrete[1:])
    if step.kind == "index" and here.kind == "index":
        return False
    # Pointer segments are keys even for array positions: `/items/0` matches `$.items[0]`.
    if step.kind == "key" and here.kind == "index" and step.name == str(here.number):
        return matches(pattern[1:], concrete[1:])
    return False


__all__ = ["Path", "Segment", "find", "format_path", "matches", "parse_path"]
