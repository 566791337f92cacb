"""The little language of curl's `-F` argument: `name=value`, `name=@file`, `name=<file`, each
with `;type=`, `;filename=`, `;headers=` and `;encoder=` parameters and `"quoted"` words (a
backslash escapes `"` and `\\` inside them). Rules follow curl 7.88's tool_formparse.c as
observed against the real binary; export writes arguments this parser reads back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reqscope.core.errors import InteropError
from reqscope.core.model import FormField

_PARAMETERS = ("type=", "filename=", "headers=", "encoder=")


@dataclass
class ParsedFormArgument:
    form_field: FormField
    value_file: str = ""  # `name=<file`: the value is this file's content
    warnings: list[str] = field(default_factory=list)


def parse_form_argument(argument: str, *, literal: bool, label: str) -> ParsedFormArgument:
    name, equals, content = argument.partition("=")
    if not equals:
        raise InteropError(f"{label} {argument!r}: expected NAME=CONTENT")
    if literal:  # --form-string: no @, < or ; meaning at all
        return ParsedFormArgument(FormField(name=name, value=content))
    warnings: list[str] = []
    if content.startswith("@"):
        file, rest = _word(content[1:], ",")
        if rest.startswith(","):
            warnings.append(f"{label} {name}=@...,...: only the first file is imported")
            rest = rest[rest.find(";") :] if ";" in rest else ""
        params = _parameters(rest, label, warnings)
        form_field = FormField(
            name=name,
            file=file,
            filename=params.get("filename", ""),
            content_type=params.get("type", ""),
        )
        return ParsedFormArgument(form_field, warnings=warnings)
    if content.startswith("<"):
        file, rest = _word(content[1:], "")
        params = _parameters(rest, label, warnings)
        _warn_text_filename(params, name, label, warnings)
        form_field = FormField(name=name, content_type=params.get("type", ""))
        return ParsedFormArgument(form_field, value_file=file, warnings=warnings)
    value, rest = _word(content, "")
    params = _parameters(rest, label, warnings)
    _warn_text_filename(params, name, label, warnings)
    form_field = FormField(name=name, value=value, content_type=params.get("type", ""))
    return ParsedFormArgument(form_field, warnings=warnings)


def form_argument(form_field: FormField) -> tuple[str, str]:
    """The option and argument that make curl send this field (inverse of the parser)."""
    name = form_field.name
    if form_field.file:
        argument = f"{name}=@{_quote(form_field.file)}"
        if form_field.filename:
            argument += f";filename={_quote(form_field.filename)}"
        if form_field.content_type:
            argument += f";type={form_field.content_type}"
        return "-F", argument
    value = form_field.value
    if not form_field.content_type:
        if _plain(value):
            return "-F", f"{name}={value}"
        return "--form-string", f"{name}={value}"
    return "-F", f"{name}={_quote(value)};type={form_field.content_type}"


def _plain(value: str) -> bool:
    return not value.startswith(("@", "<", '"')) and ";" not in value


def _quote(word: str) -> str:
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _word(text: str, end_char: str) -> tuple[str, str]:
    """curl's get_param_word: a `"quoted"` word or text up to `;` (or `end_char`); returns the
    word and the rest, which starts at the separator."""
    stops = ";" + end_char
    if text.startswith('"'):
        out: list[str] = []
        index = 1
        while index < len(text):
            char = text[index]
            if char == "\\" and text[index + 1 : index + 2] in ('"', "\\"):
                out.append(text[index + 1])
                index += 2
                continue
            if char == '"':
                rest = text[index + 1 :]
                cut = min((rest.find(c) for c in stops if c in rest), default=len(rest))
                return "".join(out), rest[cut:]
            out.append(char)
            index += 1
        # no closing quote: curl reads it as an unquoted word
    cut = min((text.find(c) for c in stops if c in text), default=len(text))
    return text[:cut], text[cut:]


def _parameters(rest: str, label: str, warnings: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    while rest.startswith(";"):
        rest = rest[1:].lstrip(" \t")
        if rest.startswith("type="):
            value, rest = _type_value(rest[len("type=") :])
            params["type"] = value
            continue
        key = next((p for p in _PARAMETERS if rest.startswith(p)), "")
        value, rest = _word(rest[len(key) :], "")
        if key == "filename=":
            params["filename"] = value
        elif key == "headers=":
            warnings.append(f"{label} ;headers={value}: part headers are not supported, ignored")
        elif key == "encoder=":
            warnings.append(f"{label} ;encoder={value}: part encoders are not supported, ignored")
        elif value:
            warnings.append(f"{label}: unknown form parameter {value!r} ignored (as curl does)")
    return params


def _type_value(text: str) -> tuple[str, str]:
    """A type runs to the next `;` that starts another parameter (`text/plain;charset=x`
    stays whole, as curl sends it)."""
    index = 0
    while True:
        cut = text.find(";", index)
        if cut < 0:
            return text.strip(), ""
        following = text[cut + 1 :].lstrip(" \t")
        if following.startswith(_PARAMETERS):
            return text[:cut].strip(), text[cut:]
        index = cut + 1


def _warn_text_filename(params: dict[str, str], name: str, label: str, warnings: list[str]) -> None:
    if "filename" in params:
        warnings.append(f"{label} {name}: a filename on a text field is not supported, ignored")
