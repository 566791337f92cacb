from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reqscope.core.errors import InteropError
from reqscope.core.interop.curl import looks_like_curl, request_from_curl
from reqscope.core.model import Auth, AuthKind, BodyKind, FormField, Header


def test_options_map_to_request_options() -> None:
    imported = request_from_curl(
        "curl -kL --max-redirs 4 -m 2.5 --connect-timeout 1 --http2 -x proxy.local:3128 "
        "--cacert ca.pem --cert client.pem --key client.key https://x.test/a"
    )
    options = imported.request.options
    assert (options.verify, options.follow_redirects, options.max_redirects) == (False, True, 4)
    assert (options.timeout, options.connect_timeout, options.http2) == (2.5, 1.0, True)
    assert options.proxy == "http://proxy.local:3128"
    assert (options.ca_bundle, options.client_cert, options.client_key) == (
        "ca.pem",
        "client.pem",
        "client.key",
    )
    assert imported.warnings == []


def test_without_location_redirects_are_not_followed_and_with_it_curls_limit_applies() -> None:
    assert not request_from_curl("curl x.test").request.options.follow_redirects
    assert request_from_curl("curl -L x.test").request.options.max_redirects == 50
    assert not request_from_curl("curl -L --no-location x.test").request.options.follow_redirects


def test_scheme_less_url_gets_http_like_curl() -> None:
    assert request_from_curl("curl example.com/p").request.url == "http://example.com/p"
    request = request_from_curl("curl --proto-default https example.com").request
    assert request.url == "https://example.com"


def test_no_op_options_are_accepted_silently() -> None:
    imported = request_from_curl(
        "curl -sSv -i -o out.bin -O -D - -w '%{http_code}' --fail --compressed -#"
        " --no-progress-meter --create-dirs http://x.test"
    )
    assert imported.warnings == []


def test_options_reqscope_cannot_honour_are_named() -> None:
    imported = request_from_curl(
        "curl --retry 3 --resolve x.test:80:127.0.0.1 --digest -u a:b --http3 http://x.test"
    )
    joined = "\n".join(imported.warnings)
    for name in ("--retry", "--resolve", "--digest", "--http3"):
        assert name in joined


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("curl --bogus x", "option --bogus: is unknown to curl"),
        ("curl --request=POST x", "curl does not accept --name=value"),
        ("curl --compress x", "is ambiguous"),
        ("curl -W x", "option -W: is unknown"),
        ("curl x -H", "option -H: requires parameter"),
        ("curl x --data", "option --data: requires parameter"),
        ("curl -s", "no URL"),
        ("wget http://x", "not a curl command"),
        ("", "empty command"),
        ("curl x -d a -F b=c", "-F together with -d"),
        ("curl x -I -d a", "-I (HEAD) together with a request body"),
        ("curl x -m soon", "expected a number"),
        ("curl x -d @missing.txt", "--data @missing.txt: no such file"),
        ("curl x -F novalue", "expected NAME=CONTENT"),
        ("curl x -d @-", "reading stdin is not supported"),
        ("curl x -d @$FILE", "environment variable is not allowed"),
        ("curl x -H 'a: \udcff'", "the command is not UTF-8 text (at character 15)"),
    ],
)
def test_errors_name_the_option(command: str, message: str) -> None:
    with pytest.raises(InteropError) as caught:
        request_from_curl(command)
    assert message in str(caught.value)


def test_unambiguous_prefixes_and_bundles_like_curl_7() -> None:
    request = request_from_curl("curl --verb --insec x.test -sSHX-A:1 -XPUT --data-raw x").request
    assert request.method == "PUT"
    assert request.headers[0] == Header("X-A", "1")
    assert not request.options.verify


def test_double_dash_ends_options_and_urls_go_anywhere() -> None:
    imported = request_from_curl("curl -H 'A: 1' x.test/first -v -- -not-an-option")
    assert imported.request.url == "http://x.test/first"
    assert "several URLs" in imported.warnings[0]


def test_header_forms() -> None:
    request = request_from_curl(
        "curl x.test -H 'X-Empty;' -H 'Accept:' -H 'X-Sp:   v ' -H 'bogus' -A agent"
    ).request
    assert request.headers == (
        Header("X-Empty", ""),
        Header("X-Sp", "v "),
        Header("User-Agent", "agent"),
    )


def test_removing_a_default_header_is_a_warning() -> None:
    imported = request_from_curl("curl x.test -H 'Accept:' -H 'User-Agent:'")
    assert sum("cannot remove" in w for w in imported.warnings) == 2


def test_auth_mapping() -> None:
    assert request_from_curl("curl -u 'ann:p:w' x").request.auth == Auth(
        AuthKind.BASIC, username="ann", password="p:w"
    )
    imported = request_from_curl("curl -u ann x")
    assert imported.request.auth.password == "" and "prompt" in imported.warnings[0]
    both = request_from_curl("curl -u a:b --oauth2-bearer T x").request.auth
    assert both == Auth(AuthKind.BEARER, token="T")
    header = request_from_curl("curl -u a:b -H 'Authorization: Bearer Z' x")
    assert header.request.auth == Auth() and header.warnings


def test_env_variables_become_references_and_literal_braces_are_escaped() -> None:
    request = request_from_curl(
        """curl "https://x.test/$PATH_PART?t=${TOKEN}" -H "X-Key: $API_KEY" -d '{{not}}'"""
    ).request
    assert request.url == "https://x.test/{{env.PATH_PART}}?t={{env.TOKEN}}"
    assert request.headers[0] == Header("X-Key", "{{env.API_KEY}}")
    assert request.body == "\\{{not}}"


def test_form_fields(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("from file\n", encoding="utf-8")
    imported = request_from_curl(
        'curl x -F a=1 -F \'f=@"my file.bin";filename="x;y.bin";type=application/x-y\''
        " -F 'n=<note.txt' -F 't=v;type=text/z;charset=utf-8' --form-string 's=@raw;x'"
        " -F 'k=v;headers=\"X: 1\"' -F 'm=@a.txt,b.txt'",
        base_dir=tmp_path,
    )
    request = imported.request
    assert request.body_kind is BodyKind.MULTIPART and request.method == "POST"
    assert request.form == (
        FormField("a", "1"),
        FormField("f", file="my file.bin", filename="x;y.bin", content_type="application/x-y"),
        FormField("n", "from file\n"),
        FormField("t", "v", content_type="text/z;charset=utf-8"),
        FormField("s", "@raw;x"),
        FormField("k", "v"),
        FormField("m", file="a.txt"),
    )
    assert any("headers" in w for w in imported.warnings)
    assert any("only the first file" in w for w in imported.warnings)


def test_windows_drive_and_escaped_colon_in_cert() -> None:
    options = request_from_curl(r"curl --cert 'C\:\certs\me.pem:pw' x").request.options
    assert options.client_cert == "C:\\certs\\me.pem"


def test_prompt_and_next_and_pipes() -> None:
    imported = request_from_curl("$ curl x.test/a --next x.test/b | jq .")
    assert imported.request.url == "http://x.test/a"
    assert any("--next" in w for w in imported.warnings)
    assert any("'|'" in w for w in imported.warnings)


def test_get_with_data_goes_to_the_query_before_a_fragment() -> None:
    request = request_from_curl(
        "curl -G 'x.test/s?a=1#top' -d b=2 --data-urlencode 'c=d e'"
    ).request
    assert request.url == "http://x.test/s?a=1&b=2&c=d+e#top"
    assert request.body_kind is BodyKind.NONE and request.method == "GET"


def test_globbing_characters_warn_unless_globoff() -> None:
    assert request_from_curl("curl 'x.test/[1-3]'").warnings
    assert request_from_curl("curl -g 'x.test/[1-3]'").warnings == []


def test_binary_data_file_is_kept_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "blob").write_bytes(b"\xff\x00\xfe")
    body = request_from_curl("curl x --data-binary @blob", base_dir=tmp_path).request.body
    assert body.encode("utf-8", "surrogateescape") == b"\xff\x00\xfe"


OPTION_WORDS = st.sampled_from(
    [
        "-X",
        "-H",
        "-d",
        "--data-urlencode",
        "-F",
        "-u",
        "-b",
        "--json",
        "-G",
        "-I",
        "-L",
        "-k",
        "-sS",
        "--url",
        "-m",
        "--max-redirs",
        "-x",
        "--cert",
        "-T",
        "--",
        "-",
        "-e",
        "-A",
        "-r",
    ]
)
VALUE_WORDS = st.text(alphabet="ab=@<;:\"'{}$\\ -x.,/", max_size=12)


@settings(max_examples=300)
@given(st.lists(st.one_of(OPTION_WORDS, VALUE_WORDS), max_size=10))
def test_fuzz_parser_only_raises_interop_errors(parts: list[str]) -> None:
    import shlex

    with contextlib.suppress(InteropError):
        request_from_curl("curl " + shlex.join(parts), base_dir="/nonexistent-dir")


@given(st.text(max_size=120))
def test_fuzz_raw_text_only_raises_interop_errors(text: str) -> None:
    with contextlib.suppress(InteropError):
        request_from_curl("curl " + text, base_dir="/nonexistent-dir")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("curl https://x.test", True),
        ("  curl -X POST x", True),
        ("$ curl x", True),
        ("# from the docs\n\ncurl \\\n  https://x.test", True),
        ("/usr/bin/curl x", True),
        ("curl.exe -s x", True),
        ("curl", False),
        ("curl\n", False),
        ("curly.example.com/a", False),
        ("https://x.test/curl a", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_looks_like_curl(text: str, expected: bool) -> None:
    assert looks_like_curl(text) is expected


def test_looks_like_curl_is_fast_on_huge_pastes() -> None:
    assert not looks_like_curl("\n" * 200_000 + "x")
    assert not looks_like_curl(" \n# c" * 100_000)


@given(st.text(max_size=200), st.text(min_size=1, max_size=30))
def test_fuzz_looks_like_curl(text: str, argument: str) -> None:
    if "curl" not in text:
        assert not looks_like_curl(text)
    import shlex

    assert looks_like_curl(f"curl {shlex.quote(argument)}{text}")
