from __future__ import annotations

import contextlib
import shlex
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reqscope.core.errors import InteropError
from reqscope.core.interop.shell import split_command


def words(text: str) -> list[str]:
    return split_command(text).words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("curl  -s\t'a b'", ["curl", "-s", "a b"]),
        ("a'b'\"c\"d", ["abcd"]),
        ("''  \"\"", ["", ""]),
        ("'it'\\''s'", ["it's"]),
        ('"a \\" \\\\ \\$ \\` \\x"', ['a " \\ $ ` \\x']),
        ("a\\ b \\'c", ["a b", "'c"]),
        ("curl \\\n  -v \\\r\n  x", ["curl", "-v", "x"]),
        ('"multi\\\nline"', ["multiline"]),
        ("$'a\\nb\\t\\x41\\101\\u00e9\\U0001F600\\'\\\\\\cA\\z'", ["a\nb\tAAé😀'\\\x01\\z"]),
        ("$'\\xc3\\xa9'", ["é"]),
        ('$"plain"', ["plain"]),
        ("a#b #comment\n", ["a#b"]),
        ("# only a comment\ncurl x", ["curl", "x"]),
        ("cost $ 5", ["cost", "$", "5"]),
        ('"$TOKEN" ${HOME}x a$B', ["{{env.TOKEN}}", "{{env.HOME}}x", "a{{env.B}}"]),
        ("'$NOT' '{{lit}}'", ["$NOT", "\\{{lit}}"]),
    ],
)
def test_words_like_a_posix_shell(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_a_second_command_is_noted_not_imported() -> None:
    result = split_command("curl a | jq . ; echo done")
    assert result.words == ["curl", "a"]
    assert "ignored after '|'" in result.notes[0]
    result = split_command("curl a\ncurl b")
    assert result.words == ["curl", "a"] and "line break" in result.notes[0]


def test_output_redirections_are_skipped_with_a_note() -> None:
    result = split_command("curl x > out.txt 2>&1 -v")
    assert result.words == ["curl", "x", "-v"]
    assert result.notes == [
        "output redirection ignored: >out.txt",
        "output redirection ignored: >1",
    ]


def test_a_caret_quote_inside_single_quotes_is_posix_text() -> None:
    """What the curl export writes for a form value `^` (found by the round-trip test)."""
    assert words("curl https://0.test/ -F '0=\"^\";type=text/plain'") == [
        "curl",
        "https://0.test/",
        "-F",
        '0="^";type=text/plain',
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("curl 'open", "line 1 column 6: unterminated single quote"),
        ('curl \\\n "open', "line 2 column 2: unterminated double quote"),
        ("curl $'x", "unterminated $'...' quote"),
        ("curl $(cat f)", "command substitution $(...)"),
        ("curl `cat f`", "backticks"),
        ("curl ${A:-b}", "plain ${NAME}"),
        ("curl $1", "$1 has no value"),
        ("curl -d @- < body.json", "input redirection"),
        ("curl $'\\xff'", "do not form UTF-8"),
        ("curl $'\\ud800'", "not a Unicode character"),
        ('curl ^"https://x/^" ^\n  -H ^"a: b^"', "cmd.exe"),
    ],
)
def test_errors_name_what_and_where(text: str, message: str) -> None:
    with pytest.raises(InteropError) as caught:
        split_command(text)
    assert message in str(caught.value)


SAFE = st.text(alphabet=string.ascii_letters + string.digits + " '\"\\\t-_=@:/?&!*", max_size=30)


@given(st.lists(SAFE, max_size=6))
def test_agrees_with_shlex_on_what_shlex_quotes(parts: list[str]) -> None:
    """shlex.join writes POSIX quoting; splitting it back must give the same words."""
    assert words(shlex.join(parts)) == [p.replace("{{", "\\{{") for p in parts]


@given(st.text(max_size=200))
def test_fuzz_only_interop_errors(text: str) -> None:
    with contextlib.suppress(InteropError):
        split_command(text)
