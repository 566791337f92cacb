"""Pretty-printing JSON without parsing it: a re-indenter over the raw text built from C-level
string operations, because json.loads + json.dumps(indent=2) takes ~2.7 s and ~500 MB for a
20 MB body, and a regex tokeniser ~1.5 s. It produces json.dumps(indent=2)'s layout but keeps
every token as sent (numbers and escapes unchanged), block by block, so the first lines can
show before the rest is done. It checks structure (strings closed, brackets balanced, only
JSON characters outside strings), not full JSON grammar."""

from __future__ import annotations

from itertools import accumulate, chain, repeat
from operator import add, itemgetter
from typing import NamedTuple

_DROP_WHITESPACE = str.maketrans("", "", " \t\r\n")
_DROP_JSON_OUTSIDE = str.maketrans("", "", "{}[],:\x000123456789+-.eEtrufalsn")
_OPENS = {"{": 1, "[": 1}
_CLOSES = {"}": -1, "]": -1}


class ReindentState(NamedTuple):
    """The re-indenter between two blocks: raw position, bracket depth, unfinished line."""

    pos: int
    depth: int
    partial: str


class NotJsonError(ValueError):
    """The text stopped looking like JSON; the document falls back to the raw text."""


def merge_escaped_quotes(pieces: list[str]) -> list[str]:
    """Rejoin pieces split at an escaped quote (one preceded by an odd run of backslashes)."""
    merged: list[str] = []
    pending: str | None = None
    for piece in pieces:
        pending = piece if pending is None else f'{pending}"{piece}'
        if (len(pending) - len(pending.rstrip("\\"))) % 2:
            continue
        merged.append(pending)
        pending = None
    if pending is not None:
        merged.append(pending)
    return merged


class JsonReindenter:
    """Pretty-prints JSON block by block in the layout of json.dumps(indent=2), keeping each
    token as sent (numbers and escapes unchanged). Blocks are cut at a quote so each starts
    outside a string, which lets str.split('"') tell strings from structure."""

    def __init__(self, text: str, block_chars: int = 64 * 1024) -> None:
        self.block_chars = block_chars
        self.text = text
        self.pos = 0
        self.depth = 0
        self.partial = ""  # the line cut by the block boundary, finished by the next block

    @property
    def done(self) -> bool:
        return self.pos >= len(self.text)

    @property
    def state(self) -> ReindentState:
        """Where the next block starts: restoring it makes next_block() return the same lines
        again, which lets a document drop lines it has shown and make them again on demand."""
        return ReindentState(self.pos, self.depth, self.partial)

    @classmethod
    def resume(cls, text: str, state: ReindentState, block_chars: int) -> JsonReindenter:
        reindenter = cls(text, block_chars)
        reindenter.pos, reindenter.depth, reindenter.partial = state
        return reindenter

    def next_block(self) -> list[str]:
        """Indented complete lines of the next block; raises NotJsonError."""
        text, pos = self.text, self.pos
        size = self.block_chars
        while True:
            end = min(pos + size, len(text))
            block = text[pos:end]
            if "\x00" in block:
                raise NotJsonError
            pieces = block.split('"')
            if '\\"' in block:
                pieces = merge_escaped_quotes(pieces)
            cut = end
            if len(pieces) % 2 == 0:  # ends inside a string: leave it for the next block
                if end == len(text):
                    raise NotJsonError
                cut = end - len(pieces.pop()) - 1
            elif end < len(text):
                if len(pieces) > 1:  # cut after the last string
                    cut = end - len(pieces[-1])
                    pieces[-1] = ""
                elif (comma := block.rfind(",")) >= 0:  # no string: cut after a comma
                    cut = pos + comma + 1
                    pieces = [block[: comma + 1]]
                else:
                    cut = pos
            if cut > pos or end == len(text):
                break
            size *= 2
        self.pos = cut
        return self._indent(pieces, last=cut == len(text))

    def _indent(self, pieces: list[str], *, last: bool) -> list[str]:
        if "\n" in "".join(pieces[1::2]):
            raise NotJsonError  # a raw newline inside a string
        flat = "\x00".join(pieces[0::2]).translate(_DROP_WHITESPACE)
        if flat.translate(_DROP_JSON_OUTSIDE):
            raise NotJsonError  # something outside strings that JSON does not have
        flat = (
            flat.replace("{}", "\x01")
            .replace("[]", "\x02")
            .replace(",", ",\n")
            .replace("{", "{\n")
            .replace("[", "[\n")
            .replace("}", "\n}")
            .replace("]", "\n]")
            .replace(":", ": ")
            .replace("\x01", "{}")
            .replace("\x02", "[]")
        )
        pieces[0::2] = flat.split("\x00")
        lines = '"'.join(pieces).split("\n")
        lines[0] = self.partial + lines[0]
        self.partial = "" if last else lines.pop()
        if last and lines == [""]:
            return []
        if "" in lines:
            raise NotJsonError
        opens = list(map(_OPENS.get, map(itemgetter(-1), lines), repeat(0)))
        closes = map(_CLOSES.get, map(itemgetter(0), lines), repeat(0))
        depths = list(accumulate(map(add, chain((self.depth,), opens), closes)))
        if depths and min(depths) < 0:
            raise NotJsonError
        self.depth = depths[-1] + opens[-1] if depths else self.depth
        if last and self.depth != 0:
            raise NotJsonError
        indents = ["  " * level for level in range(max(depths, default=0) + 1)]
        return list(map(add, map(indents.__getitem__, depths), lines))
