"""Text fields of a Request are templates: `{{env.NAME}}` is a reference, `\\{{` a literal
`{{` (docs/session-format.md). Import and export move between that and shell text, where a
reference is `$NAME` and everything else is literal; these helpers keep the two apart."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from reqscope.core.model import Request

# The grammar of reqscope.core.templating, repeated here as segments rather than expansion.
_REFERENCE = re.compile(r"(\\?)\{\{\s*([A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z0-9_\-]+)*)\s*\}\}")
ENV_PREFIX = "env."


@dataclass(frozen=True, slots=True)
class Segment:
    """A literal run of text, or (with `reference` set) one `{{name}}`."""

    text: str = ""
    reference: str = ""


def escape_literal(text: str) -> str:
    """Template text that expands to exactly `text`."""
    return text.replace("{{", "\\{{")


def env_reference(name: str) -> str:
    return "{{" + ENV_PREFIX + name + "}}"


def segments(template: str) -> list[Segment]:
    """Split template text into literal runs (unescaped) and references."""
    out: list[Segment] = []
    last = 0
    for match in _REFERENCE.finditer(template):
        if match.group(1):
            continue
        if match.start() > last:
            out.append(Segment(_unescape(template[last : match.start()])))
        out.append(Segment(reference=match.group(2)))
        last = match.end()
    if last < len(template):
        out.append(Segment(_unescape(template[last:])))
    return out


def literal_text(template: str) -> str | None:
    """The text a template stands for if it has no references, else None."""
    parts = segments(template)
    if any(part.reference for part in parts):
        return None
    return "".join(part.text for part in parts)


def _unescape(text: str) -> str:
    return text.replace("\\{{", "{{")


def inline_values(template: str, values: dict[str, str]) -> str:
    """Replace references to the named (non-secret) session variables by their values,
    leaving every other reference as it is."""
    out: list[str] = []
    for part in segments(template):
        if part.reference and part.reference in values:
            out.append(values[part.reference])
        elif part.reference:
            out.append("{{" + part.reference + "}}")
        else:
            out.append(escape_literal(part.text))
    return "".join(out)


def inline_request_values(request: Request, values: dict[str, str]) -> Request:
    """The request with the named (plain) variables written in, for a command that will run
    without the session; other references (secrets, `{{env.X}}`) stay and export as `${X}`."""

    def inline(text: str) -> str:
        return inline_values(text, values)

    return replace(
        request,
        url=inline(request.url),
        headers=tuple(
            replace(h, name=inline(h.name), value=inline(h.value)) for h in request.headers
        ),
        body=inline(request.body),
        form=tuple(replace(f, value=inline(f.value), file=inline(f.file)) for f in request.form),
        auth=replace(
            request.auth,
            token=inline(request.auth.token),
            username=inline(request.auth.username),
            password=inline(request.auth.password),
        ),
    )
