"""Every lab scenario over real sockets: the refused request gets the refusal, the fix gets a
2xx; the stateful ones (rate limits, CSRF, JWT expiry, IP allow-list, scopes, User-Agent)
behave statefully; every cause in the shared vocabulary has a scenario."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from reqscope.core.diagnosis import load_causes
from reqscope.core.engine import Engine
from reqscope.core.model import Exchange, Response
from reqscope.lab.routing import Route, Scenario
from reqscope.lab.scenario_run import run_scenario, scenario_request
from reqscope.lab.scenarios import resolve_scenario_request, scenario_routes
from reqscope.lab.scenarios.common import BROWSER_UA, req
from reqscope.lab.scenarios.identity import token_request
from reqscope.lab.server import LabServer, running_lab

ROUTES = scenario_routes()


@pytest.fixture(scope="module")
def module_lab() -> Iterator[LabServer]:
    with running_lab() as server:
        yield server


@pytest.fixture
def lab(module_lab: LabServer) -> LabServer:
    """The module's lab with its scenario state wiped, so every test starts fresh (starting
    a lab per test would cost more than all the scenarios together)."""
    with module_lab.state.lock:
        module_lab.state.data.clear()
    return module_lab


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as eng:
        yield eng


def refusal_status(route: Route) -> int:
    """Scenario routes are named after the status they refuse with: /403/..., /429/..."""
    return int(route.pattern.split("/")[1])


def send(engine: Engine, lab: LabServer, spec: dict[str, object]) -> Response:
    exchange = engine.send(scenario_request(lab.url, resolve_scenario_request(spec)))
    return response_of(exchange)


def response_of(exchange: Exchange) -> Response:
    assert exchange.error is None, exchange.error
    assert exchange.response is not None
    return exchange.response


def scenario(path: str) -> Scenario:
    for route in ROUTES:
        if route.pattern == path:
            assert route.scenario is not None
            return route.scenario
    raise AssertionError(f"no scenario route {path}")


def vocabulary() -> set[str]:
    """The cause ids of the shared vocabulary (the package's copy of causes.toml)."""
    return set(load_causes())


# --- every scenario -----------------------------------------------------------------------


def test_there_are_scenarios_for_every_cause() -> None:
    causes = vocabulary()
    assert len(causes) >= 30
    covered = {route.scenario.cause for route in ROUTES if route.scenario}
    assert covered <= causes, f"unknown cause ids: {sorted(covered - causes)}"
    assert causes <= covered, f"causes without a scenario: {sorted(causes - covered)}"
    assert len(ROUTES) >= 35


@pytest.mark.parametrize("route", ROUTES, ids=[r.pattern for r in ROUTES])
def test_scenario_is_refused_and_its_fix_succeeds(
    route: Route, lab: LabServer, engine: Engine
) -> None:
    assert route.scenario is not None
    assert route.summary
    # Refusal routes are named /NNN/vendor/... after the status they answer with.
    expected = refusal_status(route)
    played = run_scenario(engine, lab.url, route.scenario)
    for exchange in played.setup:
        assert 200 <= response_of(exchange).status < 300, exchange.request.url
    refused = response_of(played.refused)
    fixed = response_of(played.fixed)
    assert refused.status == expected, refused.text[:300]
    assert 200 <= fixed.status < 300, fixed.text[:300]
    if expected < 300:
        # A block page served with 2xx: the fix must get the real content, not the page.
        assert fixed.body != refused.body
    assert played.refused.request.url.startswith(lab.url)
    assert not played.refused.redirects  # each answer is the route's own


# --- stateful scenarios ---------------------------------------------------------------------


def test_kong_rate_limit_counts_a_window_and_says_when_to_retry(
    lab: LabServer, engine: Engine
) -> None:
    path = "/429/kong/api/orders?per=minute"
    remaining = []
    for _ in range(3):
        response = send(engine, lab, req("GET", path))
        assert response.status == 200
        remaining.append(response.header("RateLimit-Remaining"))
    assert remaining == ["2", "1", "0"]
    refused = send(engine, lab, req("GET", path))
    assert refused.status == 429
    retry_after = int(refused.header("Retry-After") or "0")
    assert 1 <= retry_after <= 60
    assert json.loads(refused.text) == {"message": "API rate limit exceeded"}
    # A refused request does not count; the per-second budget is a separate window.
    assert send(engine, lab, req("GET", path)).status == 429
    assert send(engine, lab, req("GET", "/429/kong/api/orders?per=second")).status == 200


def test_kong_rate_limit_window_passes(lab: LabServer, engine: Engine) -> None:
    path = "/429/kong/api/orders?per=second"
    statuses = [send(engine, lab, req("GET", path)).status for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    deadline = time.monotonic() + 5
    status = 429
    while status == 429 and time.monotonic() < deadline:
        time.sleep(0.25)
        status = send(engine, lab, req("GET", path)).status
    assert status == 200


def test_github_primary_rate_limit_spares_authenticated_requests(
    lab: LabServer, engine: Engine
) -> None:
    path = "/403/github/rate-limit/repos/lab-org/lab-repo"
    for _ in range(3):
        assert send(engine, lab, req("GET", path)).status == 200
    refused = send(engine, lab, req("GET", path))
    assert refused.status == 403
    assert refused.header("X-RateLimit-Remaining") == "0"
    assert "API rate limit exceeded for 127.0.0.1" in refused.text
    fixed = scenario(path).fixed
    assert send(engine, lab, fixed).status == 200


def test_github_secondary_rate_limit_has_retry_after(lab: LabServer, engine: Engine) -> None:
    spec = scenario("/403/github/repos/lab-org/lab-repo/issues").refused
    statuses = [send(engine, lab, spec).status for _ in range(3)]
    assert all(200 <= s < 300 for s in statuses)
    refused = send(engine, lab, spec)
    assert refused.status == 403
    assert int(refused.header("Retry-After") or "0") >= 1
    assert int(refused.header("X-RateLimit-Remaining") or "0") > 0
    assert "secondary rate limit" in refused.text


def test_django_csrf_needs_the_cookie_echoed_in_a_header(lab: LabServer, engine: Engine) -> None:
    form = send(engine, lab, req("GET", "/403/django/contact/"))
    assert form.status == 200
    cookie = next(v for v in form.header_values("Set-Cookie") if v.startswith("csrftoken="))
    token = cookie.partition("=")[2].partition(";")[0]
    assert len(token) >= 32
    post = {"Content-Type": "application/x-www-form-urlencoded"}
    body = "message=hello"

    def post_with(headers: dict[str, str]) -> Response:
        return send(engine, lab, req("POST", "/403/django/contact/", {**post, **headers}, body))

    no_cookie = post_with({})
    assert no_cookie.status == 403
    assert "CSRF verification failed" in no_cookie.text
    assert "CSRF cookie not set" in no_cookie.text
    assert post_with({"Cookie": f"csrftoken={token}"}).status == 403
    wrong = post_with({"Cookie": f"csrftoken={token}", "X-CSRFToken": "x" * len(token)})
    assert wrong.status == 403
    ok = post_with({"Cookie": f"csrftoken={token}", "X-CSRFToken": token})
    assert 200 <= ok.status < 300


def test_jenkins_crumb_is_bound_to_its_session(lab: LabServer, engine: Engine) -> None:
    jenkins = scenario("/403/jenkins/job/lab/build")
    first = response_of(engine.send(scenario_request(lab.url, resolve_scenario_request(
        jenkins.setup[0]))))  # fmt: skip
    second = response_of(engine.send(scenario_request(lab.url, resolve_scenario_request(
        jenkins.setup[0]))))  # fmt: skip
    # The crumb of one session with the cookie of another is refused.
    mixed = resolve_scenario_request(jenkins.fixed, [first])
    cookie = resolve_scenario_request(jenkins.fixed, [second])["headers"]["Cookie"]
    mixed["headers"]["Cookie"] = cookie
    assert response_of(engine.send(scenario_request(lab.url, mixed))).status == 403
    matched = resolve_scenario_request(jenkins.fixed, [second])
    assert 200 <= response_of(engine.send(scenario_request(lab.url, matched))).status < 300


def test_jwt_is_accepted_until_it_expires(lab: LabServer, engine: Engine) -> None:
    issued = send(engine, lab, token_request("profile", lifetime=3))
    assert issued.status == 200
    token = json.loads(issued.text)["access_token"]
    profile = req("GET", "/401/oauth/profile", {"Authorization": f"Bearer {token}"})
    assert send(engine, lab, profile).status == 200
    deadline = time.monotonic() + 8
    response = send(engine, lab, profile)
    while response.status == 200 and time.monotonic() < deadline:
        time.sleep(0.25)
        response = send(engine, lab, profile)
    assert response.status == 401
    challenge = response.header("WWW-Authenticate") or ""
    assert 'error="invalid_token"' in challenge
    assert "expired" in challenge


def test_jwt_from_another_lab_is_invalid_not_expired(lab: LabServer, engine: Engine) -> None:
    with running_lab() as other:
        issued = send(engine, other, token_request("profile"))
        token = json.loads(issued.text)["access_token"]
    profile = req("GET", "/401/oauth/profile", {"Authorization": f"Bearer {token}"})
    response = send(engine, lab, profile)
    assert response.status == 401
    assert "expired" not in (response.header("WWW-Authenticate") or "")


def test_ip_allow_list_excludes_the_client(lab: LabServer, engine: Engine) -> None:
    path = "/403/iis/intranet/"
    refused = send(engine, lab, req("GET", path))
    assert refused.status == 403
    assert "403.6" in refused.text
    assert send(engine, lab, req("GET", f"{path}?allow=10.0.0.0/8")).status == 403
    assert send(engine, lab, req("GET", f"{path}?allow=127.0.0.0/8")).status == 200
    assert send(engine, lab, req("GET", f"{path}?allow=not-an-ip,127.0.0.1")).status == 200


def test_a_token_with_too_small_a_scope(lab: LabServer, engine: Engine) -> None:
    read = json.loads(send(engine, lab, token_request("orders:read")).text)["access_token"]
    both = token_request("orders:read orders:write")
    write = json.loads(send(engine, lab, both).text)["access_token"]
    order = '{"item": "lab-widget", "quantity": 1}'
    headers = {"Content-Type": "application/json"}
    refused = send(
        engine,
        lab,
        req("POST", "/403/oauth/orders", {**headers, "Authorization": f"Bearer {read}"}, order),
    )
    assert refused.status == 403
    challenge = refused.header("WWW-Authenticate") or ""
    assert 'error="insufficient_scope"' in challenge
    assert 'scope="orders:write"' in challenge
    none = send(engine, lab, req("POST", "/403/oauth/orders", headers, order))
    assert none.status == 401
    ok = send(
        engine,
        lab,
        req("POST", "/403/oauth/orders", {**headers, "Authorization": f"Bearer {write}"}, order),
    )
    assert 200 <= ok.status < 300


@pytest.mark.parametrize(
    "user_agent",
    [
        "python-requests/2.31.0",
        "python-httpx/0.28.1",
        "curl/8.5.0",
        "Go-http-client/1.1",
        "okhttp/4.12.0",
        "Java/17.0.2",
        "",
    ],
)
def test_akamai_refuses_only_library_user_agents(
    lab: LabServer, engine: Engine, user_agent: str
) -> None:
    refused = send(engine, lab, req("GET", "/403/akamai/products", {"User-Agent": user_agent}))
    assert refused.status == 403
    assert "Access Denied" in refused.text
    browser = send(engine, lab, req("GET", "/403/akamai/products", {"User-Agent": BROWSER_UA}))
    assert browser.status == 200


def test_cloudflare_clearance_needs_a_browser_user_agent(lab: LabServer, engine: Engine) -> None:
    challenge = scenario("/403/cloudflare/challenge/")
    solved = send(engine, lab, challenge.setup[0])
    fixed = resolve_scenario_request(challenge.fixed, [solved])
    assert 200 <= response_of(engine.send(scenario_request(lab.url, fixed))).status < 300
    fixed["headers"]["User-Agent"] = "python-requests/2.31.0"
    refused = response_of(engine.send(scenario_request(lab.url, fixed)))
    assert refused.status == 403
    assert refused.header("cf-mitigated") == "challenge"
