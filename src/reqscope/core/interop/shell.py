"""POSIX shell word splitting, as far as a pasted command line needs it.

A curl command copied from a browser or from API docs is shell text: before curl sees a single
argument, the shell has removed quotes, joined continuation lines, dropped comments and expanded
`$VARIABLES`. This module does that part, like `sh` would, so the curl parser sees exactly the
arguments curl would have seen.

What a shell would do at run time cannot be done here: a `$VAR` or `${VAR}` becomes the template
reference `{{env.VAR}}` (reqscope expands it from the environment when sending), and command
substitution, globbing and input redirection are refused with a message that says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reqscope.core.errors import InteropError
from reqscope.core.interop.templates import env_reference, escape_literal

_SINGLE_QUOTED = re.compile(r"'[^']*'")
_CMD_EXE = re.compile(r'(?:^|\s)\^"| \^\r?\n')  # a word opening with ^", a ^ line end

_BLANKS = " \t\r"
_OPERATORS = "|&;"
_WORD_ENDS = _BLANKS + _OPERATORS + "\n<>"
_DOUBLE_QUOTE_ESCAPABLE = '$`"\\\n'
_NAME_START = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
_NAME_CHARS = _NAME_START + "0123456789"
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}


@dataclass(frozen=True, slots=True)
class _Reference:
    name: str


@dataclass
class ShellCommand:
    """The words of the first command in the text, and what the shell would have done
    besides running it (a pipe, a second command, an output redirection) as notes.

    Words are template text (see reqscope.core.interop.templates): `$NAME` became
    `{{env.NAME}}` and a literal `{{` is escaped, so nothing literal is mistaken for a
    reference later."""

    words: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def split_command(text: str) -> ShellCommand:
    """Split `text` into words like a POSIX shell (bash) does for a simple command.

    Raises InteropError for text that cannot be split faithfully (an unterminated quote, a
    command substitution, Windows cmd.exe quoting), naming the column.
    """
    return _Splitter(text).run()


class _Splitter:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.result = ShellCommand()
        self.word: list[str | _Reference] = []  # literal pieces and $NAME references
        self.in_word = False  # a quoted empty string is still a word

    # --- driver ---------------------------------------------------------------------------

    def run(self) -> ShellCommand:
        _refuse_cmd_exe(self.text)
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char in _BLANKS:
                self._end_word()
                self.pos += 1
            elif char == "\n" or char in _OPERATORS:
                self._end_word()
                if self._stop_at_end_of_command("a line break" if char == "\n" else repr(char)):
                    break
            elif char == "#" and not self.in_word:
                self._skip_comment()
            elif char in "<>":
                self._redirection(char)
            else:
                self._word_part()
        self._end_word()
        return self.result

    def _word_part(self) -> None:
        """One piece of a word: a quoted string, an escape, an expansion or a character."""
        char = self.text[self.pos]
        if char == "\\":
            self._backslash()
        elif char == "'":
            self._single_quoted()
        elif char == '"':
            self._double_quoted()
        elif char == "$":
            self._dollar(quoted=False)
        elif char == "`":
            raise self._error("command substitution with backticks is not supported")
        else:
            self.word.append(char)
            self.in_word = True
            self.pos += 1

    def _error(self, message: str, at: int | None = None) -> InteropError:
        where = self.pos if at is None else at
        line = self.text.count("\n", 0, where) + 1
        column = where - (self.text.rfind("\n", 0, where) + 1) + 1
        return InteropError(f"shell syntax, line {line} column {column}: {message}")

    def _word_text(self) -> str:
        pieces: list[str] = []
        literal: list[str] = []
        for piece in self.word:
            if isinstance(piece, _Reference):
                pieces.append(escape_literal("".join(literal)))
                pieces.append(env_reference(piece.name))
                literal = []
            else:
                literal.append(piece)
        pieces.append(escape_literal("".join(literal)))
        return "".join(pieces)

    def _end_word(self) -> None:
        if self.in_word:
            self.result.words.append(self._word_text())
        self.word = []
        self.in_word = False

    def _stop_at_end_of_command(self, what: str) -> bool:
        """After a newline or an operator: True if another command follows (it is noted and
        ignored, as only the first command is imported)."""
        rest = self.text[self.pos + 1 :]
        if not self.result.words or not _has_more_than_comments(rest):
            self.pos += 1
            return False
        ignored = rest.strip().splitlines()[0] if rest.strip() else ""
        self.result.notes.append(f"only the first command is imported; ignored after {what}: ")
        self.result.notes[-1] += ignored[:60]
        return True

    # --- quoting ----------------------------------------------------------------------------

    def _backslash(self) -> None:
        nxt = self.text[self.pos + 1 : self.pos + 2]
        if nxt == "\n":
            self.pos += 2  # line continuation
        elif self.text.startswith("\r\n", self.pos + 1):
            self.pos += 3  # a continuation pasted with Windows line ends
        elif nxt == "":
            self.pos += 1  # a trailing backslash: bash waits for more; nothing follows
        else:
            self.word.append(nxt)
            self.in_word = True
            self.pos += 2

    def _single_quoted(self) -> None:
        end = self.text.find("'", self.pos + 1)
        if end < 0:
            raise self._error("unterminated single quote")
        self.word.append(self.text[self.pos + 1 : end])
        self.in_word = True
        self.pos = end + 1

    def _double_quoted(self) -> None:
        start = self.pos
        self.pos += 1
        self.in_word = True
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == '"':
                self.pos += 1
                return
            if char == "\\":
                nxt = text[self.pos + 1 : self.pos + 2]
                if nxt == "\n":
                    self.pos += 2
                elif nxt and nxt in _DOUBLE_QUOTE_ESCAPABLE:
                    self.word.append(nxt)
                    self.pos += 2
                else:
                    self.word.append("\\")
                    self.pos += 1
            elif char == "$":
                self._dollar(quoted=True)
            elif char == "`":
                raise self._error("command substitution with backticks is not supported")
            else:
                self.word.append(char)
                self.pos += 1
        raise self._error("unterminated double quote", at=start)

    def _dollar(self, *, quoted: bool) -> None:
        text = self.text
        nxt = text[self.pos + 1 : self.pos + 2]
        self.in_word = True
        if nxt == "'" and not quoted:
            self._ansi_c_quoted()
        elif nxt == '"' and not quoted:
            self.pos += 1  # $"..." is a locale translation: the text itself in C locale
        elif nxt == "(":
            raise self._error("command substitution $(...) is not supported; run it first")
        elif nxt == "{":
            end = text.find("}", self.pos + 2)
            name = text[self.pos + 2 : end] if end > 0 else ""
            if not _is_name(name):
                raise self._error("only plain ${NAME} parameter expansions are supported")
            self.word.append(_Reference(name))
            self.pos = end + 1
        elif nxt and nxt in _NAME_START:
            end = self.pos + 1
            while end < len(text) and text[end] in _NAME_CHARS:
                end += 1
            self.word.append(_Reference(text[self.pos + 1 : end]))
            self.pos = end
        elif nxt and (nxt.isdigit() or nxt in "@*#?$!-"):
            raise self._error(f"the shell parameter ${nxt} has no value outside a shell")
        else:
            self.word.append("$")  # a lone `$` is literal
            self.pos += 1

    def _ansi_c_quoted(self) -> None:
        """`$'...'`: bash's ANSI-C quoting. Escapes build bytes (`\\xff`), so the result is
        decoded as UTF-8 at the end, as a UTF-8 terminal would."""
        start = self.pos
        text = self.text
        self.pos += 2
        out = bytearray()
        while self.pos < len(text):
            char = text[self.pos]
            if char == "'":
                self.pos += 1
                try:
                    self.word.append(out.decode("utf-8"))
                except UnicodeDecodeError:
                    raise self._error("$'...' escapes do not form UTF-8 text", at=start) from None
                return
            if char == "\\" and self.pos + 1 < len(text):
                out += self._ansi_c_escape()
            else:
                out += char.encode("utf-8", "surrogatepass")
                self.pos += 1
        raise self._error("unterminated $'...' quote", at=start)

    def _ansi_c_escape(self) -> bytes:
        text = self.text
        letter = text[self.pos + 1]
        self.pos += 2
        if letter in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[letter].encode()
        if letter in "01234567":
            digits = letter + _take(text, self.pos, "01234567", 2)
            self.pos += len(digits) - 1
            return bytes([int(digits, 8) & 0xFF])
        if letter in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[letter]
            digits = _take(text, self.pos, "0123456789abcdefABCDEF", width)
            if not digits:
                return ("\\" + letter).encode()
            self.pos += len(digits)
            value = int(digits, 16)
            if letter == "x":
                return bytes([value])
            if value > 0x10FFFF or 0xD800 <= value <= 0xDFFF:
                raise self._error(f"\\{letter}{digits} is not a Unicode character")
            return chr(value).encode("utf-8")
        if letter == "c" and self.pos < len(text):
            control = ord(text[self.pos]) & 0x1F
            self.pos += 1
            return bytes([control])
        return ("\\" + letter).encode("utf-8", "surrogatepass")

    # --- the rest of the grammar ----------------------------------------------------------

    def _skip_comment(self) -> None:
        end = self.text.find("\n", self.pos)
        self.pos = len(self.text) if end < 0 else end

    def _redirection(self, char: str) -> None:
        """`> file`, `2>&1`, `>> log`: they change where curl's output goes, not the request,
        so they are noted and skipped. `<` would feed the request body: refused."""
        if char == "<":
            raise self._error("input redirection '<' is not supported; use -d @FILE")
        if self._word_text().isdigit():
            self.word, self.in_word = [], False  # `2>`: the digits name a file descriptor
        self._end_word()
        self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] in ">&|":
            self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] in _BLANKS:
            self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] not in _WORD_ENDS:
            self._word_part()
        target = self._word_text()
        self.word, self.in_word = [], False
        self.result.notes.append(f"output redirection ignored: >{target}")


def _take(text: str, start: int, allowed: str, limit: int) -> str:
    end = start
    while end < len(text) and end - start < limit and text[end] in allowed:
        end += 1
    return text[start:end]


def _is_name(name: str) -> bool:
    return bool(name) and name[0] in _NAME_START and all(c in _NAME_CHARS for c in name)


def _has_more_than_comments(rest: str) -> bool:
    return any(line.strip() and not line.lstrip().startswith("#") for line in rest.splitlines())


def _refuse_cmd_exe(text: str) -> None:
    """Chrome's "Copy as cURL (cmd)" quotes for cmd.exe (words opening with `^"`, `^` line
    ends), a different language whose result also depends on the Windows argument parser:
    refuse it clearly. A `^` inside single quotes is POSIX text (a form value `"^"`)."""
    bare = _SINGLE_QUOTED.sub("''", text)
    if _CMD_EXE.search(bare) or bare.rstrip().endswith(" ^"):
        raise InteropError(
            "this looks like a Windows cmd.exe command (^ quoting); "
            "copy it as 'cURL (bash)' instead"
        )
