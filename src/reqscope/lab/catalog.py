"""The lab's routes described for people: the lines of `reqscope lab --list` and the Markdown
tables of docs/lab.md, both generated from the route table so they never drift from it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from reqscope.lab.routing import Route, Scenario

MAX_SHOWN_VALUE = 60  # longer header values and bodies are shortened in the fix column


def route_methods(route: Route) -> str:
    return ",".join(sorted(route.methods)) if route.methods else "any"


def list_lines(routes: Iterable[Route]) -> list[str]:
    """One line per route: pattern, methods, summary, and for a scenario its cause, vendor
    and the change that turns the refusal into a 2xx."""
    routes = list(routes)
    width = max((len(route.pattern) for route in routes), default=0)
    methods_width = max((len(route_methods(route)) for route in routes), default=0)
    lines = []
    for route in routes:
        line = f"{route.pattern:<{width}}  {route_methods(route):<{methods_width}}  "
        if route.scenario is not None:
            scenario = route.scenario
            line += f"[{scenario.cause}; {scenario.vendor}] {route.summary}"
            line += f" -- fix: {describe_fix(scenario)}"
        else:
            line += route.summary
        lines.append(line.rstrip())
    return lines


def is_scenario_path(pattern: str) -> bool:
    """Scenario routes (and their helpers) live under /NNN/, the status they refuse with."""
    first = pattern.split("/")[1] if pattern.count("/") > 1 else ""
    return len(first) == 3 and first.isdigit()


def describe_fix(scenario: Scenario) -> str:
    """What the fixed request changes compared with the refused one, in a few words."""
    refused, fixed = scenario.refused, scenario.fixed
    changes: list[str] = []
    if fixed.get("wait"):
        changes.append(f"wait {fixed['wait']:g} s")
    method = str(fixed.get("method", "GET")).upper()
    if method != str(refused.get("method", "GET")).upper():
        changes.append(f"method {method}")
    if fixed["path"] != refused["path"]:
        changes.append(f"request {fixed['path']}")
    before = _headers(refused)
    after = _headers(fixed)
    for name, value in after.items():
        if before.get(name.lower(), (None, None))[1] != value[1]:
            changes.append(f"header `{value[0]}: {_short(value[1])}`")
    for name, value in before.items():
        if name not in after:
            changes.append(f"no {value[0]} header")
    if fixed.get("body", "") != refused.get("body", ""):
        changes.append(f"body `{_short(str(fixed.get('body', '')))}`")
    if not changes:
        changes.append("send it again")
    if scenario.setup:
        changes.append(f"after {_setup_text(scenario.setup)}")
    return "; ".join(changes)


def markdown_tables(routes: Iterable[Route]) -> str:
    """docs/lab.md's tables: the generic routes, the scenarios' helper routes (token
    endpoints, challenge solvers ...) and the refusal scenarios."""
    routes = list(routes)
    helpers = [r for r in routes if r.scenario is None and is_scenario_path(r.pattern)]
    generic = [r for r in routes if r.scenario is None and r not in helpers]
    lines = []
    for title, group in (("Generic routes", generic), ("Helper routes of the scenarios", helpers)):
        lines += [f"### {title}", "", "| Route | Methods | What it does |", "|---|---|---|"]
        lines += [f"| `{r.pattern}` | {route_methods(r)} | {_cell(r.summary)} |" for r in group]
        lines.append("")
    lines += [
        "### Refusal scenarios",
        "",
        "| Route | Cause | Vendor | What it reproduces | How to get the 2xx |",
        "|---|---|---|---|---|",
    ]
    for route in routes:
        if route.scenario is None:
            continue
        scenario = route.scenario
        lines.append(
            f"| `{route.pattern}` | `{scenario.cause}` | {_cell(scenario.vendor)} "
            f"| {_cell(route.summary)} | {_cell(describe_fix(scenario))} |"
        )
    return "\n".join(lines) + "\n"


def _headers(spec: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    headers = spec.get("headers") or {}
    return {str(name).lower(): (str(name), str(value)) for name, value in headers.items()}


def _setup_text(setup: tuple[dict[str, Any], ...]) -> str:
    counts: dict[str, int] = {}
    for spec in setup:
        key = f"{str(spec.get('method', 'GET')).upper()} {spec['path']}"
        counts[key] = counts.get(key, 0) + 1
    parts = [f"{key}" + (f" x{count}" if count > 1 else "") for key, count in counts.items()]
    return "setup " + ", ".join(parts)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 3] + "..."


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")
