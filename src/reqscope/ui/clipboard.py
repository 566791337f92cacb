"""What the copy actions put on the clipboard. No Textual here: the app sends the text with
`copy_to_clipboard` (OSC 52, so it works over SSH), these functions decide what the text is.

A copied curl command is meant to be pasted into a shell, where `{{lab}}` means nothing: plain
session variables are written in. Secrets are not: by default they become `${NAME}` references
(curl_export's rule) and any secret value seen elsewhere is masked; only "copy with secrets"
expands everything, secret values included.
"""

from __future__ import annotations

from collections.abc import Iterable

from reqscope.core.model import Exchange, Request, Variable
from reqscope.core.redact import Redactor
from reqscope.ui.sending import VariableContext


def curl_command(
    request: Request,
    context: VariableContext,
    session_variables: Iterable[Variable],
    *,
    include_secrets: bool = False,
    redactor: Redactor | None = None,
) -> str:
    """The request as a multi-line curl command. With `include_secrets` every template is
    expanded (raises `TemplateError` naming an undefined variable, as a send would)."""
    from reqscope.core.interop.curl_export import to_curl
    from reqscope.core.interop.templates import inline_request_values

    if include_secrets:
        expanded = context.expand(request, session_variables).request
        return to_curl(expanded, include_secrets=True, multiline=True)
    values = {v.name: v.value for v in context.variables(session_variables) if not v.secret}
    return to_curl(
        inline_request_values(request, values),
        include_secrets=False,
        redactor=redactor,
        multiline=True,
    )


def response_header_names(exchange: Exchange | None) -> list[str]:
    """The response's header names in order, each once (what the copy prompt suggests)."""
    if exchange is None or exchange.response is None:
        return []
    return list(dict.fromkeys(name for name, _ in exchange.response.headers))


def response_header_value(
    exchange: Exchange | None,
    name: str,
    redactor: Redactor,
    *,
    include_secrets: bool = False,
) -> str | None:
    """Every value of response header `name` (case-insensitive), one per line, masked by
    header name and by value unless `include_secrets`; None when the header is absent."""
    if exchange is None or exchange.response is None:
        return None
    values = exchange.response.header_values(name.strip())
    if not values:
        return None
    if not include_secrets:
        values = [redactor.header_value(name, value) for value in values]
    return "\n".join(values)
