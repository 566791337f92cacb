"""Every lab scenario end to end over HTTP: the refused request is sent to the lab, diagnosed
with the setup exchanges as its history, and the top finding names the scenario's cause;
the scenario's fixed request gets a 2xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import reqscope.core.diagnosis as diagnosis
from reqscope.core.diagnosis import diagnose_full, load_knowledge_base
from reqscope.core.engine import Engine
from reqscope.lab.routing import Route
from reqscope.lab.scenario_run import run_scenario
from reqscope.lab.scenarios import scenario_routes
from reqscope.lab.server import LabServer, running_lab

VENDOR_RULES = Path(diagnosis.__file__).parent / "kb" / "vendors"

# Scenarios whose signature is a vendor's own (no vendor-neutral evidence in the exchange):
# they need that vendor's rule file in kb/vendors/. Until it exists the test is an expected
# failure; once it exists (strict) it must pass.
NEEDS_VENDOR_FILE = {
    "/202/aws-waf/api/info/version": "aws-waf",
    "/403/aws-apigateway/{stage}/orders": "aws-apigateway",
    "/403/cloudflare/1000/": "cloudflare",
    "/404/github/repos/lab-org/private-repo": "github",
}


def _params() -> list[object]:
    params: list[object] = []
    for route in scenario_routes():
        marks = []
        vendor = NEEDS_VENDOR_FILE.get(route.pattern)
        if vendor and not any(VENDOR_RULES.glob(f"{vendor}*.toml")):
            marks.append(pytest.mark.xfail(reason=f"needs kb/vendors/{vendor}*.toml", strict=True))
        params.append(pytest.param(route, id=route.pattern, marks=marks))
    return params


@pytest.fixture(scope="module")
def module_lab() -> Iterator[LabServer]:
    with running_lab() as server:
        yield server


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as sender:
        yield sender


@pytest.fixture(autouse=True, scope="module")
def builtin_rules_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The developer's own ~/.config/reqscope/rules must not change the outcome."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg")))
    diagnosis.clear_knowledge_base_cache()
    yield
    patch.undo()
    diagnosis.clear_knowledge_base_cache()


def test_there_is_a_scenario_for_every_cause() -> None:
    covered = {route.scenario.cause for route in scenario_routes() if route.scenario}
    assert set(diagnosis.load_causes()) - covered == set()


@pytest.mark.parametrize("route", _params())
def test_scenario_is_diagnosed_and_its_fix_works(
    route: Route, module_lab: LabServer, engine: Engine
) -> None:
    scenario = route.scenario
    assert scenario is not None
    run = run_scenario(engine, module_lab.url, scenario)
    assert run.refused.response is not None, run.refused.error
    found = diagnose_full(run.refused, run.setup, kb=load_knowledge_base()).findings
    ranked = [f.cause for f in found]
    assert ranked[:1] == [scenario.cause], f"{route.pattern}: ranked {ranked}"
    assert found[0].evidence and found[0].fixes
    fixed = run.fixed.status
    assert fixed is not None and 200 <= fixed < 300, f"fix got {fixed}"
