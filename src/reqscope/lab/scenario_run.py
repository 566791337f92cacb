"""Play a lab scenario over real sockets: its setup requests, the refused request and the
request that succeeds, each sent through the engine like any user request. The tests, the
demo and docs use this one runner, so "the fix works" is proven the same way everywhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reqscope.core.engine import Engine
from reqscope.core.model import (
    BodyKind,
    Exchange,
    Header,
    Request,
    RequestOptions,
    Response,
)
from reqscope.lab.routing import Scenario
from reqscope.lab.scenarios import resolve_scenario_request

MAX_WAIT_SECONDS = 10.0  # a scenario asking to wait longer is a bug, not a reason to hang


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """The exchanges of one play of a scenario, in the order they were sent."""

    setup: tuple[Exchange, ...]
    refused: Exchange
    fixed: Exchange


def scenario_request(base_url: str, spec: Mapping[str, Any], *, timeout: float = 10.0) -> Request:
    """A resolved scenario request (see `resolve_scenario_request`) as a model.Request sent
    to `base_url`, without following redirects so each answer is the route's own."""
    body = str(spec.get("body", ""))
    return Request(
        name="scenario",
        method=str(spec.get("method", "GET")),
        url=base_url.rstrip("/") + str(spec["path"]),
        headers=tuple(Header(str(k), str(v)) for k, v in dict(spec.get("headers") or {}).items()),
        body_kind=BodyKind.RAW if body else BodyKind.NONE,
        body=body,
        options=RequestOptions(timeout=timeout, follow_redirects=False),
    )


def run_scenario(
    engine: Engine,
    base_url: str,
    scenario: Scenario,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> ScenarioRun:
    """Send the setup requests, then the refused one, then the fix. Placeholders in later
    requests are filled from the setup responses; a `wait` is honoured (bounded)."""
    setup: list[Exchange] = []
    responses: list[Response] = []
    for template in scenario.setup:
        exchange = _send(engine, base_url, template, responses, sleep)
        setup.append(exchange)
        if exchange.response is not None:
            responses.append(exchange.response)
    refused = _send(engine, base_url, scenario.refused, responses, sleep)
    fixed = _send(engine, base_url, scenario.fixed, responses, sleep)
    return ScenarioRun(tuple(setup), refused, fixed)


def _send(
    engine: Engine,
    base_url: str,
    template: Mapping[str, Any],
    responses: list[Response],
    sleep: Callable[[float], None],
) -> Exchange:
    spec = resolve_scenario_request(template, responses)
    if spec["wait"] > 0:
        sleep(min(spec["wait"], MAX_WAIT_SECONDS))
    return engine.send(scenario_request(base_url, spec))
