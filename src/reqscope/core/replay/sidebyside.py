"""Two exchanges of the same request as aligned rows for a side-by-side view: the status,
the headers matched by name, then the body line by line (JSON pretty-printed first, so a
change shows as the lines that changed). Pure data for the app's diff screen, which renders
only the rows on screen.

Row tags: "equal", "changed" (both sides, different), "removed" (left only), "added" (right
only), "section" (a heading row). Both exchanges should be redacted by the caller.
"""

from __future__ import annotations

import contextlib
import difflib
import json
from dataclasses import dataclass

from reqscope.core.model import Exchange, Response
from reqscope.core.replay.compare import outcome_text

EQUAL, CHANGED, REMOVED, ADDED, SECTION = "equal", "changed", "removed", "added", "section"
# Beyond this many lines per side, lines are paired by position: difflib's matching grows
# faster than linearly, and a big body is usually the same document with values changed.
ALIGN_MAX_LINES = 50_000


@dataclass(frozen=True, slots=True)
class DiffRow:
    left: str
    right: str
    tag: str


@dataclass(frozen=True, slots=True)
class SideBySide:
    rows: tuple[DiffRow, ...]
    changed: int  # rows that differ (not equal, not section)

    def next_change(self, after: int) -> int | None:
        """The index of the first differing row after `after` (for "next change")."""
        for index in range(after + 1, len(self.rows)):
            if self.rows[index].tag in (CHANGED, REMOVED, ADDED):
                return index
        return None


def side_by_side(left: Exchange, right: Exchange) -> SideBySide:
    rows: list[DiffRow] = [DiffRow("status", "status", SECTION)]
    was, now = outcome_text(left), outcome_text(right)
    rows.append(DiffRow(was, now, EQUAL if was == now else CHANGED))
    rows.append(DiffRow("headers", "headers", SECTION))
    rows += _header_rows(left.response, right.response)
    rows.append(DiffRow("body", "body", SECTION))
    rows += _body_rows(_body_lines(left.response), _body_lines(right.response))
    changed = sum(1 for row in rows if row.tag in (CHANGED, REMOVED, ADDED))
    return SideBySide(tuple(rows), changed)


def _header_rows(left: Response | None, right: Response | None) -> list[DiffRow]:
    def lines(response: Response | None) -> dict[str, list[str]]:
        grouped: dict[str, list[str]] = {}
        for name, value in response.headers if response else ():
            grouped.setdefault(name.lower(), []).append(f"{name}: {value}")
        return grouped

    was, now = lines(left), lines(right)
    rows: list[DiffRow] = []
    for key in [*was, *(k for k in now if k not in was)]:
        old, new = was.get(key, []), now.get(key, [])
        for index in range(max(len(old), len(new))):
            a = old[index] if index < len(old) else ""
            b = new[index] if index < len(new) else ""
            tag = EQUAL if a == b else REMOVED if not b else ADDED if not a else CHANGED
            rows.append(DiffRow(a, b, tag))
    return rows


def _body_lines(response: Response | None) -> list[str]:
    if response is None or not response.body:
        return []
    if response.is_binary:
        return [f"({len(response.body)} bytes of binary data)"]
    text = response.text or response.body.decode("utf-8", "replace")
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        with contextlib.suppress(ValueError):  # not JSON after all: shown as it is
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    return text.splitlines()


def _body_rows(old: list[str], new: list[str]) -> list[DiffRow]:
    if old == new:
        return [DiffRow(line, line, EQUAL) for line in old]
    if max(len(old), len(new)) > ALIGN_MAX_LINES:
        return _by_position(old, new)
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            rows += [DiffRow(line, line, EQUAL) for line in old[a1:a2]]
        elif op == "delete":
            rows += [DiffRow(line, "", REMOVED) for line in old[a1:a2]]
        elif op == "insert":
            rows += [DiffRow("", line, ADDED) for line in new[b1:b2]]
        else:
            rows += _by_position(old[a1:a2], new[b1:b2])
    return rows


def _by_position(old: list[str], new: list[str]) -> list[DiffRow]:
    rows: list[DiffRow] = []
    for index in range(max(len(old), len(new))):
        a = old[index] if index < len(old) else None
        b = new[index] if index < len(new) else None
        if a is None:
            rows.append(DiffRow("", b or "", ADDED))
        elif b is None:
            rows.append(DiffRow(a, "", REMOVED))
        else:
            rows.append(DiffRow(a, b, EQUAL if a == b else CHANGED))
    return rows


__all__ = [
    "ADDED",
    "CHANGED",
    "EQUAL",
    "REMOVED",
    "SECTION",
    "DiffRow",
    "SideBySide",
    "side_by_side",
]
