"""The compiled knowledge base kept on disk: a second run loads what the first compiled and
diagnoses exactly as the compiled one does; any change to the rule files, a damaged cache or
a cache directory others can write to means compiling again, never an error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from reqscope.core.diagnosis import diagnose_full
from reqscope.core.diagnosis.examples import example_exchange
from reqscope.core.diagnosis.kb import KnowledgeBase, builtin_rule_files, load_rule_files
from reqscope.core.diagnosis.kb_cache import cache_dir, cached_knowledge_base

RULE = """
[[rule]]
id = "mine.teapot"
cause = "waf_blocked"
title = "A teapot refused"
weight = 0.9
[rule.when]
status = [418]
[[rule.fixes]]
text = "Ask for coffee elsewhere."
[[rule.examples]]
request = { url = "https://tea.example/" }
response.status = 418
expect = "top"
"""


class Compiler:
    """Compiles the given files, counting how often it had to."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self.calls = 0

    def __call__(self) -> KnowledgeBase:
        self.calls += 1
        return load_rule_files(self.files, [])


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    return home


def test_a_second_run_loads_what_the_first_compiled_and_diagnoses_the_same(
    cache_home: Path,
) -> None:
    files = builtin_rule_files()
    first, second = Compiler(files), Compiler(files)
    compiled = cached_knowledge_base(files, first)
    loaded = cached_knowledge_base(files, second)
    assert (first.calls, second.calls) == (1, 0)
    assert loaded is not compiled
    assert [r.id for r in loaded.rules] == [r.id for r in compiled.rules]
    assert oct(cache_dir().stat().st_mode & 0o777) == "0o700"
    for rule in compiled.rules:  # every example, through both, to the same findings
        for example in rule.examples:
            exchange, history = example_exchange(example)
            assert diagnose_full(exchange, history, kb=loaded) == diagnose_full(
                exchange, history, kb=compiled
            ), rule.id


def test_an_edited_or_added_rule_file_is_compiled_again(cache_home: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text(RULE)
    files = [*builtin_rule_files(), mine]
    cached_knowledge_base(files, Compiler(files))
    mine.write_text(RULE.replace("A teapot refused", "A teapot said no"))
    os.utime(mine, ns=(1, 1))  # whatever the clock's resolution: another modification time
    again = Compiler(files)
    knowledge = cached_knowledge_base(files, again)
    assert again.calls == 1
    assert knowledge.rules[-1].title == "A teapot said no"


def test_a_damaged_cache_is_compiled_again(cache_home: Path) -> None:
    files = builtin_rule_files()
    cached_knowledge_base(files, Compiler(files))
    (cached,) = cache_dir().glob("kb-*.pickle")
    cached.write_bytes(cached.read_bytes()[:1000])  # cut short, as a full disk would
    again = Compiler(files)
    assert cached_knowledge_base(files, again).rules
    assert again.calls == 1
    assert cached.stat().st_size > 1000  # written whole again


def test_a_cache_directory_others_can_write_to_is_neither_read_nor_written(
    cache_home: Path,
) -> None:
    files = builtin_rule_files()
    cached_knowledge_base(files, Compiler(files))
    cache_dir().chmod(0o777)
    for _ in range(2):
        again = Compiler(files)
        cached_knowledge_base(files, again)
        assert again.calls == 1


def test_no_place_to_cache_is_no_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # a directory cannot be made under it
    files = builtin_rule_files()
    compiler = Compiler(files)
    assert cached_knowledge_base(files, compiler).rules
    assert cached_knowledge_base(files, compiler).rules
    assert compiler.calls == 2
