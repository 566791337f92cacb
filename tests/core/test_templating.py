from __future__ import annotations

from pathlib import Path

import pytest

from reqscope.core.errors import TemplateError
from reqscope.core.model import (
    Auth,
    AuthKind,
    FormField,
    Header,
    Request,
    RequestOptions,
    Variable,
)
from reqscope.core.redact import basic_credentials
from reqscope.core.templating import (
    VariableUse,
    escape,
    expand_request,
    expand_text,
    find_variables,
    has_references,
    load_env_file,
    variables_in,
)

VARS = (
    Variable("host", "127.0.0.1"),
    Variable("port", "8080"),
    Variable("base", "http://{{host}}:{{ port }}"),
    Variable("token", "s3cr3t-token", secret=True),
)


def test_expands_every_part_of_a_request() -> None:
    request = Request(
        name="login",
        url="{{base}}/login",
        headers=(Header("X-{{host}}", "{{port}}"),),
        body='{"port": "{{port}}"}',
        form=(FormField("f{{port}}", "{{host}}", file="{{env.DIR}}/a.png", filename="{{port}}"),),
        auth=Auth(AuthKind.BASIC, username="{{host}}", password="{{env.PASS}}"),
        options=RequestOptions(
            proxy="http://{{host}}:3128",
            ca_bundle="{{env.DIR}}/ca.pem",
            client_cert="{{env.DIR}}/c.pem",
            client_key="{{env.DIR}}/k.pem",
        ),
    )
    out = expand_request(request, VARS, {"DIR": "/tmp/x", "PASS": "hunter22"}).request
    assert out.url == "http://127.0.0.1:8080/login"
    assert out.headers == (Header("X-127.0.0.1", "8080"),)
    assert out.body == '{"port": "8080"}'
    assert out.form == (FormField("f8080", "127.0.0.1", file="/tmp/x/a.png", filename="8080"),)
    assert (out.auth.username, out.auth.password) == ("127.0.0.1", "hunter22")
    assert out.options.proxy == "http://127.0.0.1:3128"
    assert out.options.ca_bundle == "/tmp/x/ca.pem"
    assert out.options.client_cert == "/tmp/x/c.pem"
    assert out.options.client_key == "/tmp/x/k.pem"


def test_whitespace_inside_braces_and_env_default_is_os_environ(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REQSCOPE_TEST_VALUE", "from-env")
    out = expand_request(Request(url="{{  env.REQSCOPE_TEST_VALUE }}/{{ host}}"), VARS).request
    assert out.url == "from-env/127.0.0.1"


def test_escape_writes_literal_braces_and_dollar_is_plain() -> None:
    body = r'\{{host}} {{host}} \{{"a": 1}} {{"json": true}} $HOME ${HOME} \n'
    out = expand_request(Request(body=body), VARS, {}).request
    assert out.body == r'{{host}} 127.0.0.1 {{"a": 1}} {{"json": true}} $HOME ${HOME} \n'
    assert expand_text(escape("{{host}} and {{x}}"), VARS, {}) == "{{host}} and {{x}}"


def test_values_are_not_rescanned_after_substitution() -> None:
    variables = (Variable("a", r"\{{b}}"), Variable("b", "B"))
    assert expand_text("{{a}}", variables, {}) == "{{b}}"
    assert expand_text("{{env.X}}", (), {"X": "{{b}}"}) == "{{b}}"  # env values are literal


def test_undefined_variable_names_it_and_where_with_a_suggestion() -> None:
    request = Request(name="login", headers=(Header("Authorization", "Bearer {{tokne}}"),))
    with pytest.raises(TemplateError) as err:
        expand_request(request, VARS, {})
    message = str(err.value)
    assert "undefined variable 'tokne'" in message
    assert "in header 'Authorization' of request 'login'" in message
    assert "did you mean 'token'?" in message


def test_undefined_variable_inside_another_variable_names_both() -> None:
    variables = (Variable("base", "http://{{hots}}"),)
    with pytest.raises(TemplateError, match=r"'hots' in variable 'base', used in URL of request"):
        expand_request(Request(url="{{base}}/x"), variables, {})


def test_undefined_env_variable() -> None:
    with pytest.raises(
        TemplateError, match=r"undefined environment variable 'API_TOKNE'.*API_TOKEN"
    ):
        expand_request(Request(body="{{env.API_TOKNE}}"), (), {"API_TOKEN": "x"})


def test_cycles_are_reported_with_their_path() -> None:
    variables = (Variable("a", "{{b}}"), Variable("b", "x{{c}}"), Variable("c", "{{a}}"))
    with pytest.raises(TemplateError, match=r"variable cycle a -> b -> c -> a"):
        expand_request(Request(url="{{a}}"), variables, {})
    with pytest.raises(TemplateError, match=r"variable cycle self -> self"):
        expand_text("{{self}}", (Variable("self", "{{self}}"),), {})


def test_disabled_parts_are_not_expanded() -> None:
    request = Request(
        headers=(Header("X-Off", "{{missing}}", enabled=False),),
        form=(FormField("f", "{{missing}}", enabled=False),),
    )
    out = expand_request(request, (), {}).request
    assert out.headers == request.headers
    assert out.form == request.form


def test_secrets_are_collected_from_variables_env_and_credential_places() -> None:
    request = Request(
        url="http://h/x?api_key=literal-key&q=1",
        headers=(
            Header("Authorization", "Bearer {{token}}"),
            Header("X-Api-Key", "{{env.KEY}}"),
            Header("Cookie", "sid=cookie-value; theme=dark"),
            Header("Accept", "application/json"),
        ),
        auth=Auth(AuthKind.BASIC, username="alice", password="pa55word"),
    )
    unused_secret = Variable("other", "unused-secret", secret=True)
    secrets = expand_request(request, (*VARS, unused_secret), {"KEY": "env-key"}).secrets
    assert {
        "s3cr3t-token",
        "Bearer s3cr3t-token",
        "env-key",
        "literal-key",
        "cookie-value",
        "pa55word",
        basic_credentials("alice", "pa55word"),
        "unused-secret",
    } <= secrets
    assert "application/json" not in secrets
    assert "127.0.0.1" not in secrets


def test_literal_authorization_is_a_secret_too() -> None:
    request = Request(headers=(Header("Authorization", "Basic " + basic_credentials("u", "pw12")),))
    secrets = expand_request(request, (), {}).secrets
    assert basic_credentials("u", "pw12") in secrets
    assert "pw12" in secrets


def test_secret_variable_without_value_comes_from_the_environment() -> None:
    variables = (Variable("api_token", "", secret=True),)
    request = Request(headers=(Header("Authorization", "Bearer {{api_token}}"),))
    out = expand_request(request, variables, {"API_TOKEN": "from-env-1"})
    assert out.request.headers[0].value == "Bearer from-env-1"
    assert "from-env-1" in out.secrets
    with pytest.raises(TemplateError, match=r"secret variable 'api_token' has no value.*API_TOKEN"):
        expand_request(request, variables, {})


def test_variables_in_and_find_variables() -> None:
    assert variables_in("{{a}} {{ env.B }} \\{{c}} {{a}} {{not a name}}") == ["a", "env.B"]
    assert has_references("x {{a}}") and not has_references("\\{{a}} {{ }}")
    request = Request(
        url="{{base}}/x",
        headers=(Header("Authorization", "Bearer {{env.T}}"), Header("X", "{{off}}", False)),
    )
    uses = find_variables(request)
    assert VariableUse("base", "URL") in uses
    assert VariableUse("env.T", "header 'Authorization'") in uses
    assert all(use.name != "off" for use in uses)
    assert [use.is_env for use in uses] == [False, True]


ENV_FILE = """\
# a comment

export API_TOKEN=abc123
PLAIN = value with spaces   # trailing comment
HASH=a#b
EMPTY=
SINGLE='literal \\n $HOME # not a comment'
DOUBLE="line1\\nline2 \\"quoted\\" \\\\ \\t end"  # comment
MULTI="first
second"
dotted.name-x=1
"""


def test_load_env_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(ENV_FILE, encoding="utf-8")
    assert load_env_file(path) == {
        "API_TOKEN": "abc123",
        "PLAIN": "value with spaces",
        "HASH": "a#b",
        "EMPTY": "",
        "SINGLE": "literal \\n $HOME # not a comment",
        "DOUBLE": 'line1\nline2 "quoted" \\ \t end',
        "MULTI": "first\nsecond",
        "dotted.name-x": "1",
    }


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("A=1\nno equals sign\n", 2, "expected KEY=value"),
        ("A=1\n\n1BAD=2\n", 3, "invalid variable name"),
        ('A="open\nstill open\n', 1, "unterminated"),
        ('A="x" trailing\n', 1, "after the closing quote"),
        ('A="bad \\q escape"\n', 1, "unknown escape"),
    ],
)
def test_env_file_errors_name_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    path = tmp_path / "bad.env"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TemplateError) as err:
        load_env_file(path)
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert message in str(err.value)


def test_env_file_unreadable(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not found"):
        load_env_file(tmp_path / "missing.env")
    with pytest.raises(TemplateError, match="directory"):
        load_env_file(tmp_path)
    (tmp_path / "latin.env").write_bytes(b"A=\xe9\n")
    with pytest.raises(TemplateError, match="not UTF-8"):
        load_env_file(tmp_path / "latin.env")
