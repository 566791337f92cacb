from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reqscope.core.urls import (
    add_param,
    edit_param,
    make_param,
    query_params,
    remove_param,
    set_param,
    split_url,
    with_query_params,
)


def names_values(url: str) -> list[tuple[str, str, bool]]:
    return [(p.name, p.value, p.has_value) for p in query_params(url)]


def test_order_duplicates_and_blank_values_are_kept() -> None:
    url = "https://api.example/x?b=2&a=1&b=3&flag&empty="
    assert names_values(url) == [
        ("b", "2", True),
        ("a", "1", True),
        ("b", "3", True),
        ("flag", "", False),
        ("empty", "", True),
    ]
    assert with_query_params(url, query_params(url)) == url


def test_templates_are_neither_split_nor_decoded() -> None:
    url = "{{base}}/search?q={{ term & more }}&token={{env.TOKEN}}#{{frag}}"
    assert names_values(url) == [("q", "{{ term & more }}", True), ("token", "{{env.TOKEN}}", True)]
    assert split_url(url).fragment == "{{frag}}"
    # A `?` inside the base template is not the start of the query.
    assert split_url("{{host?x}}/p?a=1").base == "{{host?x}}/p"


def test_editing_one_parameter_keeps_every_other_byte() -> None:
    url = "http://h/p?x=%2F%2f&q=caf%C3%A9&y=a+b#top"
    assert names_values(url)[1] == ("q", "café", True)
    edited = set_param(url, 1, value="tea time")
    assert edited == "http://h/p?x=%2F%2f&q=tea%20time&y=a+b#top"
    # Renaming keeps the value's original encoding.
    assert set_param(url, 0, name="path") == "http://h/p?path=%2F%2f&q=caf%C3%A9&y=a+b#top"


def test_typed_separators_are_encoded() -> None:
    url = add_param("http://h/p", "a&b", "1=2#3+4 5")
    assert url == "http://h/p?a%26b=1%3D2%233%2B4%205"
    assert names_values(url) == [("a&b", "1=2#3+4 5", True)]


def test_add_to_bare_question_mark_and_remove_last_drops_it() -> None:
    assert add_param("http://h/?", "a", "1") == "http://h/?a=1"
    assert add_param("http://h/#f", "a") == "http://h/?a=#f"
    assert remove_param("http://h/?a=1#f", 0) == "http://h/#f"
    assert remove_param("http://h/?a=1&b=2&a=3", 1) == "http://h/?a=1&a=3"


def test_value_on_bare_flag_gains_equals_and_unchanged_edit_is_identity() -> None:
    flag = query_params("http://h/?debug")[0]
    assert edit_param(flag, value="1").raw == "debug=1"
    assert edit_param(flag, value="").raw == "debug"
    url = "http://h/?a=1&&b=2"
    assert with_query_params(url, query_params(url)) == url
    assert set_param(url, 0, value="1") == url


def test_make_param_without_value() -> None:
    assert make_param("x", "ignored", has_value=False).raw == "x"


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@given(st.lists(st.tuples(text.filter(bool), text), max_size=5))
def test_typed_parameters_read_back_exactly(pairs: list[tuple[str, str]]) -> None:
    url = with_query_params("http://h/p#frag", [make_param(n, v) for n, v in pairs])
    assert [(p.name, p.value) for p in query_params(url)] == pairs
    assert split_url(url).fragment == "frag"
    # What a server would parse agrees with what the table shows.
    if not any("{{" in n + v for n, v in pairs):
        assert parse_qsl(split_url(url).query or "", keep_blank_values=True) == pairs


@pytest.mark.parametrize("url", ["", "http://h", "http://h/p?", "{{base}}", "?"])
def test_urls_without_parameters(url: str) -> None:
    assert query_params(url) == ()
    assert with_query_params(url, ()) == url
