"""The cause vocabulary: the ids a Finding may name. Read from the copy of the shared
`causes.toml` shipped inside the package, so an installed reqscope needs nothing beside it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Cause:
    id: str
    group: str  # identity, authorization, request_integrity, traffic_policy, resource, server
    description: str


@cache
def load_causes() -> dict[str, Cause]:
    """Every cause by id, in the file's order."""
    text = resources.files("reqscope.core.diagnosis").joinpath("causes.toml").read_text("utf-8")
    data = tomllib.loads(text)
    causes: dict[str, Cause] = {}
    for group, entries in data.items():
        for cause_id, description in entries.items():
            causes[cause_id] = Cause(cause_id, group, str(description))
    return causes


def is_cause(cause_id: str) -> bool:
    return cause_id in load_causes()
