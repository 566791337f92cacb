"""Body regexes made cheap: the literals every match must contain, found once from each regex's
parse tree, and a per-exchange `BodyScan` that answers every rule's body regex from one
prepared copy of the body window.

Python's `re` tries every position of the text for each pattern, and a case-insensitive
pattern that starts with a letter cannot skip ahead (about 20 ns a position: 1 ms per pattern
over a 48 KiB window). With ~550 body patterns in the knowledge base that is what diagnosis
time grew with. The scan therefore:

- folds the window once (`fold`, length-preserving, so positions carry over to the text);
- indexes its words once, so most required literals are rejected by a set lookup instead of a
  scan of the whole window;
- runs a regex only when one of its literals is present, and then only from where a match can
  start: a literal found at `q` and at most `reach` characters into a match bounds the start
  to `[q - reach, q]`;
- remembers each regex's answer, since several rules share a pattern.

Every shortcut rests on a necessary condition, so the answer is always `regex.search(text)`'s;
`PlainScan` is that reference, which the tests compare the fast path against.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, Protocol

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
# Non-ASCII characters that a case-insensitive `re` literal of ASCII matches (İ and ı match
# "i", ſ matches "s", the Kelvin sign matches "k"). test_diagnosis_speedpaths.py re-derives
# this table from the running Python's `re`.
IGNORECASE_ASCII_EXTRAS = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}
_WORD_RE = re.compile(r"[a-z0-9_]+")
_NOT_WORD_BYTES = bytes(
    c if chr(c).isascii() and (chr(c).isalnum() or c == 0x5F) else 0x20 for c in range(256)
)
WORD_INDEX_MIN_CHARS = 4096  # below this, testing the literals a rule needs is cheaper
_MIN_ANCHOR = 3  # a shorter literal occurs too often to be worth running the regex near it
_MATCH_ATTEMPT_COST = 32  # one `regex.match` call costs about this many positions of search


class Searcher(Protocol):
    """What conditions ask of a body: the first match of a pattern, or None; and whether one
    of some literals may be in it (False only when none is)."""

    def search(self, pattern: BodyPattern) -> re.Match[str] | None: ...

    def may_contain(self, literals: tuple[str, ...]) -> bool: ...


def fold(text: str) -> str:
    """`text` lower-cased without changing its length, with every character that a
    case-insensitive `re` literal of ASCII matches turned into that ASCII letter, so an ASCII
    literal is in `fold(text)` whenever a regex requiring it can match `text`."""
    if not text.isascii():
        for char, ascii_char in IGNORECASE_ASCII_EXTRAS.items():
            if char in text:
                text = text.replace(char, ascii_char)
    return text.lower()


@dataclass(frozen=True, slots=True)
class LiteralWords:
    """What a body's words must include if a literal occurs in it: its whole words (`key`,
    the longest, and the `others`), and its `partial` words, each a whole word of the body or
    a part of one. A partial word comes with its probe of the body's words joined by newlines
    (and framed by them): the literal's first word must end a word (word-newline), its last
    must start one (newline-word), a one-word literal may sit anywhere inside one."""

    key: str = ""
    others: tuple[str, ...] = ()
    partial: tuple[tuple[str, str], ...] = ()  # (word, probe)


def literal_words(literal: str) -> LiteralWords:
    whole: list[str] = []
    partial: list[tuple[str, str]] = []
    for match in _WORD_RE.finditer(literal):
        word = match.group()
        open_left, open_right = match.start() == 0, match.end() == len(literal)
        if not open_left and not open_right:
            whole.append(word)
        else:
            probe = ("" if open_left else "\n") + word + ("" if open_right else "\n")
            partial.append((word, probe))
    key = max(whole, key=len, default="")
    others = tuple(dict.fromkeys(w for w in whole if w != key))
    return LiteralWords(key, others, tuple(partial))


@dataclass(frozen=True, slots=True, eq=False)
class BodyPattern:
    """A compiled body regex, the literals (folded) it cannot match without, and how far into
    a match those literals can start. Compared by identity: `body_pattern` interns them."""

    regex: re.Pattern[str]
    literals: tuple[str, ...] = ()  # empty: no usable literal, always run the regex
    reach: int | None = None  # a literal starts at most this far into a match; None: unknown
    words: tuple[LiteralWords, ...] = field(default=(), repr=False)  # one per literal

    def search(self, text: str, folded: str) -> re.Match[str] | None:
        """`regex.search(text)`, skipped when `folded` (`fold(text)`) lacks every literal."""
        if self.literals and not any(lit in folded for lit in self.literals):
            return None
        return self.regex.search(text)


_INTERNED: dict[tuple[str, int], BodyPattern] = {}


def body_pattern(regex: re.Pattern[str]) -> BodyPattern:
    """The prefiltered form of `regex`; the same object for the same pattern and flags, so a
    scan's answer for one rule serves every rule that uses the pattern."""
    key = (regex.pattern, regex.flags)
    known = _INTERNED.get(key)
    if known is None:
        known = _INTERNED.setdefault(key, _analyse(regex))
    return known


def _analyse(regex: re.Pattern[str]) -> BodyPattern:
    try:
        parsed = sre_parse.parse(regex.pattern, regex.flags)
    except (re.error, RecursionError):  # cannot happen for a compiled regex; stay safe
        return BodyPattern(regex)
    best = _Required(parsed.state).best(list(parsed))
    if best is None:
        return BodyPattern(regex)
    literals = tuple(sorted(set(best[0])))
    return BodyPattern(regex, literals, best[1], tuple(literal_words(lit) for lit in literals))


Candidates = tuple[list[str], int | None]  # alternative literals, and how far into a match


def _quality(found: Candidates) -> tuple[bool, int, int]:
    """A known reach lets the regex run only near the literal (unless the literal is too
    short to be rare); longer literals reject more text; fewer alternatives cost fewer scans."""
    literals, reach = found
    shortest = min(len(c) for c in literals)
    return (reach is not None and shortest >= _MIN_ANCHOR, shortest, -len(literals))


class _Required:
    """Finds, in a parse tree, the best set of alternative literals one of which every match
    contains, and the furthest a match can extend before that literal starts."""

    def __init__(self, state: Any) -> None:
        self.state = state

    def width(self, item: tuple[Any, Any]) -> int | None:
        high = int(sre_parse.SubPattern(self.state, [item]).getwidth()[1])
        return None if high >= sre.MAXREPEAT else high

    def best(self, items: list[tuple[Any, Any]]) -> Candidates | None:
        best: Candidates | None = None
        run: list[str] = []
        run_start: int | None = 0
        before: int | None = 0  # the widest text the items so far can match

        def consider(found: Candidates | None, offset: int | None) -> None:
            nonlocal best
            if found is None or not found[0]:
                return
            reach = None if offset is None or found[1] is None else offset + found[1]
            candidate = (found[0], reach)
            if best is None or _quality(candidate) > _quality(best):
                best = candidate

        def flush() -> None:
            if run:
                consider((["".join(run)], 0), run_start)
                run.clear()

        for op, av in items:
            if op is sre.LITERAL and av < 128:
                if not run:
                    run_start = before
                run.append(chr(av).casefold())
                before = None if before is None else before + 1
                continue
            if op is sre.AT:  # zero width: the literals around it stay adjacent in the text
                continue
            flush()
            if op is sre.SUBPATTERN:
                consider(self.best(list(av[-1])), before)
            elif op is sre.ATOMIC_GROUP:
                consider(self.best(list(av)), before)
            elif op is sre.BRANCH:
                branches = [self.best(list(branch)) for branch in av[1]]
                if all(branches):
                    merged = sorted({lit for b in branches if b for lit in b[0]})
                    reaches = [b[1] for b in branches if b]
                    reach = None if None in reaches else max(r for r in reaches if r is not None)
                    consider((merged, reach), before)
            elif op in _REPEATS and av[0] >= 1:
                consider(self.best(list(av[2])), before)  # the first repetition holds one
            width = self.width((op, av))
            before = None if before is None or width is None else before + width
        flush()
        return best


class LiteralTable:
    """Every literal of a set of body patterns, arranged so that one pass over a body's words
    tells which of them occur in it."""

    def __init__(self, patterns: Iterable[BodyPattern]) -> None:
        found: dict[str, LiteralWords] = {}
        for pattern in patterns:
            found.update(zip(pattern.literals, pattern.words, strict=True))
        self.known = frozenset(found)
        self.by_key: dict[str, list[tuple[str, LiteralWords]]] = {}
        self.keyless: list[tuple[str, LiteralWords]] = []
        for literal, words in found.items():
            if words.key:
                self.by_key.setdefault(words.key, []).append((literal, words))
            else:
                self.keyless.append((literal, words))

    def possible(self, folded: str) -> frozenset[str]:
        """The literals that may occur in `folded` (a `fold`ed text): every literal that does
        is in the answer; one that is not in it certainly does not occur."""
        # ASCII bytes with every non-word byte (and every non-ASCII character, which no ASCII
        # literal contains) turned into a space, split: C speed, no regex.
        raw = folded.encode("ascii", "replace").translate(_NOT_WORD_BYTES)
        words = {w.decode("ascii") for w in set(raw.split())}
        joined = "\n" + "\n".join(words) + "\n"
        entries = [e for key in words.intersection(self.by_key) for e in self.by_key[key]]
        entries.extend(self.keyless)
        probed: dict[str, bool] = {}  # literals share words: probe each once
        found = []
        for literal, needs in entries:
            if not all(w in words for w in needs.others):
                continue
            for word, probe in needs.partial:
                hit = probed.get(probe)
                if hit is None:
                    hit = probed[probe] = word in words or probe in joined
                if not hit:
                    break
            else:
                found.append(literal)
        return frozenset(found)


class PlainScan:
    """The reference: every pattern searched over the whole text, no shortcut."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def search(self, pattern: BodyPattern) -> re.Match[str] | None:
        return pattern.regex.search(self.text)

    def may_contain(self, literals: tuple[str, ...]) -> bool:
        return True


class BodyScan:
    """One exchange's body window, prepared once (lazily) and shared by every rule: the folded
    copy, which of the knowledge base's literals may occur in it, where those asked about
    first occur, and each regex's answer."""

    __slots__ = ("_folded", "_found_at", "_possible", "_results", "table", "text")

    def __init__(self, text: str, table: LiteralTable | None = None) -> None:
        self.text = text
        self.table = table  # None: literals are looked up one by one
        self._folded: str | None = None
        self._possible: frozenset[str] | None = None
        # literal -> its positions in `folded` found so far, in order; a final -1: no more
        self._found_at: dict[str, list[int]] = {}
        self._results: dict[BodyPattern, re.Match[str] | None] = {}

    @property
    def folded(self) -> str:
        if self._folded is None:
            self._folded = fold(self.text)
        return self._folded

    def search(self, pattern: BodyPattern) -> re.Match[str] | None:
        """Exactly `pattern.regex.search(self.text)`."""
        results = self._results
        if pattern in results:
            return results[pattern]
        found: re.Match[str] | None = None
        if not pattern.literals:
            found = pattern.regex.search(self.text)
        else:
            candidates = self._candidates(pattern.literals)
            if candidates and pattern.reach is not None:
                found = self._search_near(pattern.regex, candidates, pattern.reach)
            elif any(self._occurrence(lit, 0) >= 0 for lit in candidates):
                found = pattern.regex.search(self.text)
        results[pattern] = found
        return found

    def may_contain(self, literals: tuple[str, ...]) -> bool:
        return bool(self._candidates(literals))

    def _candidates(self, literals: tuple[str, ...]) -> list[str]:
        """The ones of `literals` that may occur (exactly those that do, for a short body)."""
        possible = self._possible
        if possible is None:
            if self.table is None or len(self.text) < WORD_INDEX_MIN_CHARS:
                # A short body: a direct test of the few literals a rule needs is cheapest.
                folded = self.folded
                return [lit for lit in literals if lit in folded]
            possible = self._possible = self.table.possible(self.folded)
        known = self.table.known if self.table is not None else frozenset()
        return [lit for lit in literals if lit in possible or lit not in known]

    def _occurrence(self, literal: str, index: int) -> int:
        """Where the `index`-th occurrence of `literal` starts in `folded`, or -1. Found
        once and shared: several patterns often wait on the same literal."""
        found = self._found_at.get(literal)
        if found is None:
            found = self._found_at[literal] = [self.folded.find(literal)]
        while len(found) <= index:
            if found[-1] < 0:
                return -1
            found.append(self.folded.find(literal, found[-1] + 1))
        return found[index]

    def _search_near(
        self, regex: re.Pattern[str], literals: list[str], reach: int
    ) -> re.Match[str] | None:
        """The leftmost match, trying only starts within `reach` before a literal occurrence
        (in position order), or one plain search from there once that would cost more."""
        text = self.text
        # literal -> (which occurrence is next, where it starts)
        upcoming = {lit: (0, at) for lit in literals if (at := self._occurrence(lit, 0)) >= 0}
        tried = 0  # every candidate start below this has been tried
        attempts = 0
        while upcoming:
            literal = min(upcoming, key=lambda lit: upcoming[lit][1])
            index, at = upcoming[literal]
            low = max(tried, at - reach)
            if (attempts + at + 1 - low) * _MATCH_ATTEMPT_COST > len(text) - low:
                return regex.search(text, low)
            for start in range(low, at + 1):
                found = regex.match(text, start)
                if found is not None:
                    return found
            attempts += max(0, at + 1 - low)
            tried = max(tried, at + 1)
            following = self._occurrence(literal, index + 1)
            if following < 0:
                del upcoming[literal]
            else:
                upcoming[literal] = (index + 1, following)
        return None
