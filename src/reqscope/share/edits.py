"""A driving guest's edit, applied to the host's request without ever handing the guest a secret.

A guest edits the request it was shown, in which every credential is a reference to a secret
variable that exists only in the snapshot (`Bearer {{authorization_token}}`). Applying that text
as it is would replace the host's token with a dangling reference. So each part the guest left
exactly as shown keeps the host's original (with its secret); a part the guest changed is the
guest's text. A reference the guest types itself is never resolved to a host secret: it can
only point at values the host chose to reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TypeVar

from reqscope.core.model import Request, Session
from reqscope.core.redact import Redactor
from reqscope.core.session_secrets import protect_secrets

T = TypeVar("T")


def shown_to_guests(host: Request, redactor: Redactor | None = None) -> Request:
    """The host's request as a guest sees it: the snapshot's redaction (the request alone,
    protected with the host's redactor)."""
    session = protect_secrets(Session(requests=(host,)), redactor)
    return session.requests[0]


def apply_guest_edit(edited: Request, host: Request, redactor: Redactor | None = None) -> Request:
    """The host's new request after a guest turned `shown_to_guests(host, redactor)` into
    `edited`."""
    shown = shown_to_guests(host, redactor)
    headers = tuple(_matched(edited.headers, shown.headers, host.headers))
    form = tuple(_matched(edited.form, shown.form, host.form))
    auth = edited.auth
    if auth == shown.auth:
        auth = host.auth
    else:
        auth = replace(
            auth,
            token=host.auth.token if auth.token == shown.auth.token else auth.token,
            password=host.auth.password if auth.password == shown.auth.password else auth.password,
        )
    options = edited.options
    if options.proxy == shown.options.proxy:
        options = replace(options, proxy=host.options.proxy)
    return replace(
        edited,
        url=host.url if edited.url == shown.url else edited.url,
        headers=headers,
        body=host.body if edited.body == shown.body else edited.body,
        form=form,
        auth=auth,
        options=options,
    )


def _matched(edited: Sequence[T], shown: Sequence[T], host: Sequence[T]) -> Iterator[T]:
    """Each edited item that is still exactly as shown (wherever it moved) is the host's
    original; anything else is the guest's."""
    unused = list(range(len(shown)))
    for item in edited:
        index = next((i for i in unused if shown[i] == item), None)
        if index is None:
            yield item
        else:
            unused.remove(index)
            yield host[index]
