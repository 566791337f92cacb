"""Probes against the real lab (and a scripted server) over sockets: every lab scenario whose
fix a probe can reach is found within the default budget; the others claim no fix; probing
stops at the first rate-limit or challenge sign, never resends a write unless allowed and
never leaves the original host."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from probe_server import Received, html, scripted_server

from reqscope.core.diagnosis import clear_knowledge_base_cache, diagnose_full
from reqscope.core.engine import Engine
from reqscope.core.model import (
    BodyKind,
    Exchange,
    FixAction,
    Header,
    Request,
    Response,
    SentRequest,
)
from reqscope.core.probes import (
    SAFE_METHODS,
    Outcome,
    ProbeOptions,
    ProbeReport,
    ProbeResult,
    VerdictKind,
    report_to_dict,
    run_probes,
    stop_signal,
)
from reqscope.core.probes.csrf import token_actions
from reqscope.lab.routing import Route
from reqscope.lab.scenarios import resolve_scenario_request, scenario_routes
from reqscope.lab.server import LabServer, running_lab

FAST = 200.0  # requests per second: the rate cap is tested on its own, with a fake clock

# Every lab scenario, by route: the ones whose fix a probe can reach (the change is in the
# request and needs nothing the client does not have) ...
REACHABLE = {
    "/401/spring/api/me": "the Authorization header normalised (doubled Bearer)",
    "/403/django/contact/": "the csrftoken cookie echoed in X-CSRFToken",
    "/403/jenkins/job/lab/build": "a crumb fetched from the crumb issuer, with its session",
    "/403/cloudfront/api/search": "GET instead of POST",
    "/405/drf/api/orders/42/": "a method from the Allow header",
    "/415/aspnet/api/orders": "Content-Type: application/json for the JSON body",
    "/429/kong/api/orders": "the same request after Retry-After",
    "/403/github/repos/lab-org/lab-repo/issues": "the same request after Retry-After",
    "/403/akamai/products": "a non-library User-Agent",
    "/403/wikimedia/w/api.php": "a descriptive User-Agent",
    "/403/cloudflare/cached/data.json": "a cache-busting query parameter",
}
# ... and the ones whose fix needs what only the user or the site owner has.
OUT_OF_REACH = {
    "/401/oauth/profile": "a new access token",
    "/403/drf/api/orders/": "an API token",
    "/401/nginx/admin/": "a password",
    "/403/aws-s3/keys/lab-bucket/report.csv": "the right access key",
    "/403/aws-apigateway/iam/orders": "a SigV4 signature",
    "/403/oauth/orders": "a token with the orders:write scope",
    "/403/kubernetes/api/v1/namespaces/{namespace}/pods": "another service account",
    "/403/spring/admin/users": "an administrator's password",
    "/403/pypi/legacy/": "a project the token owns",
    "/403/azure-blob/labcontainer/report.pdf": "the one origin the CORS rule allows",
    "/403/cloudflare/1003/": "the site's host name",
    "/403/gcs/lab-bucket/{object}": "the content type the URL was signed for",
    "/403/aws-s3/presigned/lab-bucket/{key}": "a newly signed URL",
    "/403/aws-s3/clock/lab-bucket/backup.tar": "a request signed with the right clock",
    "/403/iis/intranet/": "an address on the allow-list",
    "/403/iis/secure/": "the HTTPS port (the lab serves plain HTTP on this one)",
    "/403/iis/partners/": "a client certificate",
    "/403/openai/v1/chat/completions": "a supported country",
    "/403/cloudflare/challenge/": "a browser to solve the challenge (not probed)",
    "/202/aws-waf/api/info/version": "a browser to solve the challenge (not probed)",
    "/403/cloudflare/1020/search": "a payload without the script tag",
    "/406/modsecurity/index.php": "a payload without the SQL",
    "/403/modsecurity/search.php": "a payload without the SQL",
    "/200/f5/index.php": "a payload without the script tag",
    "/403/nginx/assets/": "a file instead of the directory",
    "/403/apache/files/report.pdf": "the file's permissions fixed on the server",
    "/403/aws-apigateway/{stage}/orders": "the deployed stage",
    "/403/aws-s3/lab-site/{key}": "an existing key",
    "/451/legal/reports/lab-leak": "another country",
    "/403/cloudflare/1000/": "the site's DNS fixed",
    "/403/google/sheets/v4/spreadsheets/{sheet}/values/{cells}": "an API key",
    "/403/google/generativelanguage/v1beta/models/gemini-pro:generateContent": "a live key",
    "/403/google/translate/language/translate/v2": "a project with the API enabled",
    "/403/google/identitytoolkit/v1/accounts:signInWithPassword": "the allowed referrer",
    "/403/google/youtube/v3/search": "quota",
    "/403/github/orgs/lab-sso-org/repos": "an SSO-authorised token",
    "/403/github/repos/{owner}/{repo}": "a token with delete_repo",
    "/403/github/rate-limit/repos/lab-org/lab-repo": "an hour, or a token (not probed)",
    "/404/github/repos/lab-org/private-repo": "a token",
    "/422/github/repos/lab-org/lab-repo/issues": "the missing title field",
}


@pytest.fixture(autouse=True, scope="module")
def _isolated_rules(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Never the developer's own ~/.config/reqscope/rules; one knowledge base for the module
    (loading it per test would dominate the run time)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))
        clear_knowledge_base_cache()
        yield
    clear_knowledge_base_cache()


@pytest.fixture(scope="module")
def scenario_lab() -> Iterator[LabServer]:
    """One lab for the per-scenario tests: each scenario runs once, on its own routes, so they
    do not share state, and the suite does not pay a lab start and stop per scenario."""
    with running_lab() as server:
        yield server


@pytest.fixture
def engine() -> Iterator[Engine]:
    with Engine() as instance:
        yield instance


class RecordingSender:
    """The engine, remembering every request the probes sent."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sent: list[Request] = []

    def send(self, request: Request, *, request_name: str = "") -> Exchange:
        self.sent.append(request)
        return self.engine.send(request, request_name=request_name)


def lab_request(lab: LabServer, spec: dict[str, object]) -> Request:
    headers = spec["headers"]
    body = str(spec["body"])
    assert isinstance(headers, dict)
    return Request(
        method=str(spec["method"]),
        url=lab.url + str(spec["path"]),
        headers=tuple(Header(k, v) for k, v in headers.items()),
        body_kind=BodyKind.RAW if body else BodyKind.NONE,
        body=body,
    )


def refused(
    lab: LabServer, engine: Engine, route: Route
) -> tuple[Request, Exchange, list[Exchange]]:
    """The scenario's setup requests and its refused request, sent for real."""
    scenario = route.scenario
    assert scenario is not None
    history: list[Exchange] = []
    responses: list[Response] = []
    for template in scenario.setup:
        exchange = engine.send(lab_request(lab, resolve_scenario_request(template, responses)))
        assert exchange.response is not None
        history.append(exchange)
        responses.append(exchange.response)
    request = lab_request(lab, resolve_scenario_request(scenario.refused, responses))
    return request, engine.send(request), history


def probe_scenario(
    lab: LabServer, engine: Engine, pattern: str, **options: object
) -> tuple[ProbeReport, RecordingSender, Request]:
    route = next(r for r in scenario_routes() if r.pattern == pattern)
    request, exchange, history = refused(lab, engine, route)
    sender = RecordingSender(engine)
    report = run_probes(
        sender,
        request,
        exchange,
        diagnose_full(exchange, history),
        history,
        options=ProbeOptions(rate=FAST, **options),  # type: ignore[arg-type]
    )
    return report, sender, request


def test_every_scenario_is_classified() -> None:
    patterns = {route.pattern for route in scenario_routes()}
    assert set(REACHABLE) | set(OUT_OF_REACH) == patterns
    assert not set(REACHABLE) & set(OUT_OF_REACH)


@pytest.mark.parametrize("pattern", sorted(REACHABLE))
def test_probes_find_the_fix_within_the_default_budget(
    scenario_lab: LabServer, engine: Engine, pattern: str
) -> None:
    lab = scenario_lab
    route = next(r for r in scenario_routes() if r.pattern == pattern)
    assert route.scenario is not None
    unsafe = route.scenario.refused.get("method", "GET") not in SAFE_METHODS
    report, sender, _ = probe_scenario(lab, engine, pattern, allow_unsafe=unsafe)
    fix = report.minimal_fix
    assert fix is not None, [(r.experiment.id, r.outcome, r.note) for r in report.results]
    assert 200 <= fix.status < 300
    assert report.sent <= ProbeOptions().budget == 6
    verdict = next(v for v in report.verdicts if v.cause == route.scenario.cause)
    assert verdict.kind is VerdictKind.CONFIRMED
    assert report.verdicts[0].kind is VerdictKind.CONFIRMED  # confirmed causes rank first
    assert {urlsplit(r.url).hostname for r in sender.sent} == {"127.0.0.1"}
    # The fix replays: the minimal request on its own gets the success again.
    assert 200 <= (engine.send(fix.request).status or 0) < 300 or pattern in (
        "/429/kong/api/orders",  # a rate limit refuses a replay inside the same window
        "/403/github/repos/lab-org/lab-repo/issues",
    )


@pytest.mark.parametrize("pattern", sorted(OUT_OF_REACH))
def test_no_fix_is_claimed_where_none_is_in_reach(
    scenario_lab: LabServer, engine: Engine, pattern: str
) -> None:
    lab = scenario_lab
    report, sender, _ = probe_scenario(lab, engine, pattern, allow_unsafe=True)
    assert report.minimal_fix is None
    assert report.sent == len(sender.sent) <= 6
    assert {urlsplit(r.url).hostname for r in sender.sent} <= {"127.0.0.1"}
    assert all(r.outcome is not Outcome.FIXED or r.experiment.diagnostic for r in report.results)


def test_a_rate_limited_refusal_gets_only_the_wait_the_server_asked_for(
    lab: LabServer, engine: Engine
) -> None:
    report, sender, request = probe_scenario(lab, engine, "/429/kong/api/orders", max_wait_s=0)
    assert sender.sent == []
    assert "429" in report.stopped and "Retry-After" in report.stopped

    report, sender, request = probe_scenario(lab, engine, "/429/kong/api/orders")
    assert [r.url for r in sender.sent] == [request.url]  # one resend, unchanged, after waiting
    assert report.minimal_fix is not None
    assert [a.kind for a in report.minimal_fix.actions] == ["wait"]


def test_a_challenge_is_not_probed(lab: LabServer, engine: Engine) -> None:
    report, sender, _ = probe_scenario(lab, engine, "/403/cloudflare/challenge/")
    assert sender.sent == []
    assert "cf-mitigated" in report.stopped
    assert {v.kind for v in report.verdicts} == {VerdictKind.UNTESTED}


def test_probing_stops_at_the_first_rate_limit_sign(engine: Engine) -> None:
    def script(request: Received) -> tuple[int, list[tuple[str, str]], bytes]:
        if request.index < 2:
            return html(403, "<h1>Forbidden</h1>")
        return html(429, "<h1>Slow down</h1>", ("Retry-After", "60"))

    with scripted_server(script) as server:
        request = Request(
            url=server.url + "/admin",
            headers=(Header("Authorization", "Bearer lab-token-1234"),),
        )
        exchange = engine.send(request)
        sender = RecordingSender(engine)
        report = run_probes(
            sender, request, exchange, diagnose_full(exchange), options=ProbeOptions(rate=FAST)
        )
        assert len(server.received) == 3  # the refusal, one probe, and the probe that got 429
    sent = [r for r in report.results if r.step]
    assert len(sent) == 2 and sent[-1].outcome is Outcome.SIGNAL
    assert "429" in report.stopped
    later = report.results[len(sent) :]
    assert later and all(r.outcome is Outcome.SKIPPED for r in later)
    assert all("429" in r.note for r in later)


def test_a_post_is_not_resent_without_permission(lab: LabServer, engine: Engine) -> None:
    report, sender, _ = probe_scenario(lab, engine, "/415/aspnet/api/orders")
    assert all(r.method in SAFE_METHODS for r in sender.sent)
    assert report.minimal_fix is None
    skipped = next(r for r in report.results if r.experiment.causes == ("wrong_content_type",))
    assert skipped.outcome is Outcome.SKIPPED and "POST not resent" in skipped.note
    verdict = next(v for v in report.verdicts if v.cause == "wrong_content_type")
    assert verdict.kind is VerdictKind.UNTESTED and "POST not resent" in verdict.reason

    # A change of method to a safe one is allowed: GET is not a resend of the POST.
    report, sender, _ = probe_scenario(lab, engine, "/403/cloudfront/api/search")
    assert [r.method for r in sender.sent] == ["GET"]
    assert report.minimal_fix is not None


def test_nothing_goes_to_another_host(lab: LabServer, engine: Engine) -> None:
    target = f"{lab.url}/403/akamai/products"
    request = Request(
        url=f"http://localhost:{lab.port}/redirect-to?url={target}",
        headers=(Header("User-Agent", "python-requests/2.31.0"),),
    )
    exchange = engine.send(request)
    assert exchange.status == 403 and exchange.redirects
    sender = RecordingSender(engine)
    report = run_probes(sender, request, exchange, diagnose_full(exchange))
    assert sender.sent == []
    assert "127.0.0.1" in report.stopped and "original host" in report.stopped


def test_a_redirect_on_the_same_host_is_probed_at_its_end(lab: LabServer, engine: Engine) -> None:
    request = Request(
        url=f"{lab.url}/redirect-to?url=/403/akamai/products",
        headers=(Header("User-Agent", "python-requests/2.31.0"),),
    )
    exchange = engine.send(request)
    sender = RecordingSender(engine)
    report = run_probes(
        sender, request, exchange, diagnose_full(exchange), options=ProbeOptions(rate=FAST)
    )
    assert {urlsplit(r.url).path for r in sender.sent} == {"/403/akamai/products"}
    assert all(not r.options.follow_redirects for r in sender.sent)
    assert report.minimal_fix is not None


def test_budget_rate_cap_and_observers(engine: Engine) -> None:
    with scripted_server(lambda r: html(403, "<h1>Forbidden</h1>")) as server:
        request = Request(
            url=server.url + "/x", headers=(Header("Authorization", "Bearer lab-token-1234"),)
        )
        exchange = engine.send(request)
        now = [100.0]
        pauses: list[float] = []

        def sleep(seconds: float) -> None:
            pauses.append(seconds)
            now[0] += seconds

        events: list[tuple[str, int, int]] = []

        def before(result: ProbeResult) -> None:
            assert result.outcome is Outcome.SENDING and result.exchange is None
            events.append(("before", result.step, len(server.received)))

        def after(result: ProbeResult) -> None:
            events.append(("after", result.step, len(server.received)))

        report = run_probes(
            engine,
            request,
            exchange,
            diagnose_full(exchange),
            options=ProbeOptions(budget=2, rate=2.0),
            before=before,
            after=after,
            clock=lambda: now[0],
            sleep=sleep,
        )
        assert len(server.received) == 3  # the refusal and two probes: the budget
    assert report.sent == 2
    assert sum(pauses) == pytest.approx(0.5)  # one gap of 1/rate between the two probes
    sent_events = [e for e in events if e[1]]
    # Each probe is announced before it reaches the server and reported after.
    assert sent_events[:4] == [("before", 1, 1), ("after", 1, 2), ("before", 2, 2), ("after", 2, 3)]
    budget_skips = [r for r in report.results if "budget" in r.note]
    assert budget_skips and all(r.outcome is Outcome.SKIPPED for r in budget_skips)
    assert [e[0] for e in events[4:]] == ["after"] * len(budget_skips)


def test_cancel_stops_between_probes(engine: Engine) -> None:
    with scripted_server(lambda r: html(403, "<h1>Forbidden</h1>")) as server:
        request = Request(
            url=server.url + "/x", headers=(Header("Authorization", "Bearer lab-token-1234"),)
        )
        exchange = engine.send(request)
        results: list[ProbeResult] = []
        report = run_probes(
            engine,
            request,
            exchange,
            diagnose_full(exchange),
            options=ProbeOptions(rate=FAST),
            after=results.append,
            cancelled=lambda: any(r.step for r in results),
        )
        assert len(server.received) == 2
    assert report.stopped == "stopped by the user"


def test_the_headers_of_an_earlier_success_are_minimised_to_the_one_that_matters(
    engine: Engine,
) -> None:
    def script(request: Received) -> tuple[int, list[tuple[str, str]], bytes]:
        if request.headers.get("user-agent", "").startswith("Mozilla/"):
            return 200, [("Content-Type", "application/json")], b'{"ok": true}'
        return html(403, "<h1>Access denied</h1>")

    with scripted_server(script) as server:
        url = server.url + "/catalog"
        worked = engine.send(
            Request(
                url=url, headers=(Header("User-Agent", "Mozilla/5.0 (X11)"), Header("X-Debug", "1"))
            )
        )
        request = Request(url=url, headers=(Header("User-Agent", "python-requests/2.31.0"),))
        exchange = engine.send(request)
        history = [worked]
        report = run_probes(
            engine,
            request,
            exchange,
            diagnose_full(exchange, history),
            history,
            options=ProbeOptions(rate=FAST),
        )
    fix = report.minimal_fix
    assert fix is not None and fix.experiment.id == "earlier_success"
    assert fix.actions == (FixAction("set_header", "User-Agent", "Mozilla/5.0 (X11)"),)
    # One probe with both headers, then one without each: only the User-Agent is needed.
    kinds = [r.experiment.kind for r in report.results if r.step]
    assert kinds == ["earlier_success", "minimise", "minimise"]
    verdict = next(v for v in report.verdicts if v.cause == "bot_detection")
    assert verdict.kind is VerdictKind.CONFIRMED


def test_without_credentials_a_401_confirms_missing_permission(
    lab: LabServer, engine: Engine
) -> None:
    report, _, _ = probe_scenario(lab, engine, "/403/spring/admin/users")
    verdict = report.verdicts[0]
    assert verdict.cause == "insufficient_permissions"
    assert verdict.kind is VerdictKind.CONFIRMED and "401" in verdict.reason
    assert verdict.score_before is not None and verdict.finding.score > verdict.score_before


def test_json_shape_masks_fetched_tokens(lab: LabServer, engine: Engine) -> None:
    report, _, _ = probe_scenario(lab, engine, "/403/jenkins/job/lab/build", allow_unsafe=True)
    fix = report.minimal_fix
    assert fix is not None
    crumb = next(a.value for a in fix.actions if a.name == "Jenkins-Crumb")
    data = report_to_dict(report)
    assert set(data) >= {"experiments", "verdicts", "minimal_fix", "stopped", "budget", "sent"}
    assert [e["outcome"] for e in data["experiments"] if e["step"]] == ["fetched", "fixed"]
    assert data["minimal_fix"]["status"] == 201
    assert crumb not in str(data)


def test_stop_signals_in_responses() -> None:
    def exchange(status: int, headers: dict[str, str], body: str = "") -> Exchange:
        response = Response(status, headers=tuple(headers.items()), body=body.encode(), text=body)
        return Exchange(request=SentRequest("GET", "https://example.com/"), response=response)

    captcha = exchange(200, {}, "<html><div class='g-recaptcha'></div>Please complete the CAPTCHA")
    assert (signal := stop_signal(captcha)) is not None and signal.kind == "challenge"
    waf = stop_signal(exchange(202, {"x-amzn-waf-action": "challenge"}))
    assert waf is not None and waf.kind == "challenge"
    limited = stop_signal(exchange(403, {"X-RateLimit-Remaining": "0"}))
    assert limited is not None and limited.kind == "rate_limit"
    assert stop_signal(exchange(403, {"X-RateLimit-Remaining": "12"}, "Forbidden")) is None


def test_a_csrf_token_in_the_page_is_sent_back_in_its_header() -> None:
    page = '<html><head><meta name="csrf-token" content="tok-123456"></head></html>'
    response = Response(
        200, headers=(("Set-Cookie", "_app_session=s1; Path=/"),), body=page.encode(), text=page
    )
    fetched = Exchange(
        request=SentRequest("GET", "https://app.example.com/form"), response=response
    )
    request = Request(
        method="POST", url="https://app.example.com/posts", headers=(Header("Cookie", "a=1"),)
    )
    assert token_actions(request, fetched) == (
        FixAction("set_header", "X-CSRF-Token", "tok-123456"),
        FixAction("set_header", "Cookie", "a=1; _app_session=s1"),
    )
