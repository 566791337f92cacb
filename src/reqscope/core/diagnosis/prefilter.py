"""A literal prefilter for body regexes: the strings of which at least one must occur in any
text a regex matches, found once from the regex's parse tree.

Python's `re` walks every position of the text for each pattern, so 200+ case-insensitive
patterns over a 48 KiB body window cost about 100 ms. A substring test (`in`) is a fast
memory scan: checking the required literals against the case-folded body first skips nearly
every regex that cannot match. The prefilter is only ever a necessary condition, so results
are exactly those of the regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)


@dataclass(frozen=True, slots=True)
class BodyPattern:
    """A compiled body regex and the literals (case-folded) it cannot match without."""

    regex: re.Pattern[str]
    literals: tuple[str, ...] = ()  # empty: no usable literal, always run the regex

    def search(self, text: str, folded: str) -> re.Match[str] | None:
        """`regex.search(text)`, skipped when `folded` (text.casefold()) lacks every literal."""
        if self.literals and not any(lit in folded for lit in self.literals):
            return None
        return self.regex.search(text)


def body_pattern(regex: re.Pattern[str]) -> BodyPattern:
    try:
        parsed = sre_parse.parse(regex.pattern, regex.flags)
    except (re.error, RecursionError):  # cannot happen for a compiled regex; stay safe
        return BodyPattern(regex)
    literals = _required(list(parsed)) or []
    return BodyPattern(regex, tuple(sorted(set(literals))))


def _quality(candidates: list[str]) -> tuple[int, int]:
    """Longer literals reject more text; fewer alternatives cost fewer scans."""
    return (min(len(c) for c in candidates), -len(candidates))


def _required(items: list[tuple[Any, Any]]) -> list[str] | None:
    """The best set of alternative literals one of which every match contains, or None."""
    best: list[str] | None = None
    run: list[str] = []

    def consider(candidates: list[str] | None) -> None:
        nonlocal best
        if candidates and (best is None or _quality(candidates) > _quality(best)):
            best = candidates

    def flush() -> None:
        if run:
            consider(["".join(run)])
            run.clear()

    for op, av in items:
        if op is sre.LITERAL and av < 128:
            run.append(chr(av).casefold())
            continue
        if op is sre.AT:  # zero width: the literals around it stay adjacent in the text
            continue
        flush()
        if op is sre.SUBPATTERN:
            consider(_required(list(av[-1])))
        elif op is sre.ATOMIC_GROUP:
            consider(_required(list(av)))
        elif op is sre.BRANCH:
            branches = [_required(list(branch)) for branch in av[1]]
            if all(branches):
                consider(sorted({lit for branch in branches if branch for lit in branch}))
        elif op in _REPEATS and av[0] >= 1:
            consider(_required(list(av[2])))
    flush()
    return best
