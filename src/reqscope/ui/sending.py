"""What one send does off the event loop, and the variable context it expands against.

No Textual here: the app calls `send_and_diagnose` from a thread worker and renders the
`SendResult`. The heavy modules (httpx via the engine, the diagnosis knowledge base, pygments
via the body document) are imported on first use, so the app paints before loading them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from reqscope.core.model import Diagnosis, Exchange, Request, Variable

if TYPE_CHECKING:
    from reqscope.core.body import BodyDocument
    from reqscope.core.engine import Engine
    from reqscope.core.redact import Redactor
    from reqscope.core.templating import Expansion


@dataclass(frozen=True, slots=True)
class VariableContext:
    """Where `{{...}}` values come from: session variables (with run-time overrides such as
    the demo's lab URL), then an `--env-file`, then the process environment."""

    overrides: Mapping[str, str] = field(default_factory=dict)
    env_file: Mapping[str, str] = field(default_factory=dict)
    environ: Mapping[str, str] | None = None  # None: os.environ at the time of use

    def variables(self, session_variables: Iterable[Variable]) -> tuple[Variable, ...]:
        result = [
            replace(v, value=self.overrides[v.name]) if v.name in self.overrides else v
            for v in session_variables
        ]
        known = {v.name for v in result}
        result.extend(
            Variable(name, value) for name, value in self.overrides.items() if name not in known
        )
        return tuple(result)

    def env(self) -> dict[str, str]:
        return {**(os.environ if self.environ is None else self.environ), **self.env_file}

    def expand(self, request: Request, session_variables: Iterable[Variable]) -> Expansion:
        """The request ready to send; raises `TemplateError` naming what is undefined."""
        from reqscope.core.templating import expand_request

        return expand_request(request, self.variables(session_variables), self.env())


@dataclass(frozen=True, slots=True)
class SendResult:
    exchange: Exchange
    diagnosis: Diagnosis
    document: BodyDocument | None


class EngineHolder:
    """One Engine per app session, created on the first send (importing httpx then, not at
    start-up) and closed on exit."""

    def __init__(self, factory: Callable[[], Engine] | None = None) -> None:
        self._factory = factory
        self._engine: Engine | None = None
        self._lock = threading.Lock()

    def get(self) -> Engine:
        with self._lock:
            if self._engine is None:
                if self._factory is not None:
                    self._engine = self._factory()
                else:
                    from reqscope.core.engine import Engine

                    self._engine = Engine()
            return self._engine

    def close(self) -> None:
        with self._lock:
            engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()


def warm_up() -> None:
    """Load what the first send would otherwise load while the user waits for it: httpx
    (through the engine), the knowledge base, the body document and its highlighter. A
    first 403 sent from a cold app took ~240 ms in the app, the next ones ~25 ms."""
    from reqscope.core import engine  # noqa: F401 - imported for its side effect: loaded
    from reqscope.core.body import BodyDocument
    from reqscope.core.diagnosis import load_knowledge_base
    from reqscope.core.model import Response

    load_knowledge_base()
    BodyDocument.from_response(Response(200, body=b'{"a": 1}', text='{"a": 1}'))


def diagnose_and_format(
    exchange: Exchange, history: Sequence[Exchange], redactor: Redactor
) -> SendResult:
    """Diagnosis and the indexed body document of an exchange (both can take a while on big
    bodies, so this runs in a worker too when a past exchange is shown again). The document
    is built from the body with secrets scrubbed, as the response view expects."""
    from reqscope.core.body import BodyDocument
    from reqscope.core.diagnosis import diagnose_full

    diagnosis = diagnose_full(exchange, tuple(history))
    response = exchange.response
    document = None
    if response is not None and response.body:
        scrubbed = replace(
            response, body=redactor.scrub_bytes(response.body), text=redactor.scrub(response.text)
        )
        document = BodyDocument.from_response(scrubbed)
    return SendResult(exchange, diagnosis, document)


def send_and_diagnose(
    engine: Engine,
    expansion: Expansion,
    request_name: str,
    history: Sequence[Exchange],
    redactor: Redactor,
) -> SendResult:
    exchange = engine.send(expansion.request, request_name=request_name)
    return diagnose_and_format(exchange, history, redactor)
