"""reqscope's pure core: models, HTTP engine, templating, redaction, sessions, diagnosis,
interop and replay. Never imports Textual or Rich (a test proves it). Names are resolved
lazily so `import reqscope.core` stays cheap for the CLI.
"""

from __future__ import annotations

import importlib
from typing import Any

from reqscope.core.errors import ReqscopeError
from reqscope.core.model import (
    Diagnosis,
    Exchange,
    Finding,
    Request,
    Response,
    Session,
)

_LAZY = {
    "Engine": "reqscope.core.engine",
    "expand_request": "reqscope.core.templating",
    "Redactor": "reqscope.core.redact",
    "load_session": "reqscope.core.store",
    "save_session": "reqscope.core.store",
    "diagnose": "reqscope.core.diagnosis",
}

__all__ = [
    "Diagnosis",
    "Engine",
    "Exchange",
    "Finding",
    "Redactor",
    "ReqscopeError",
    "Request",
    "Response",
    "Session",
    "diagnose",
    "expand_request",
    "load_session",
    "save_session",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'reqscope.core' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
