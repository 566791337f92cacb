"""Where and how often the request comes from: IP allow-lists, countries, transport
requirements (HTTPS, client certificates) and rate limits.

The lab always sees the client as 127.0.0.1, so the scenarios whose fix is outside the
request (the site owner adds your IP, you call from another country, TLS terminates at a
proxy) take a documented lab-only stand-in for that change; each summary says which.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import secrets
import time
import uuid

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import bearer_token, req
from reqscope.lab.scenarios.pages import compact_json, http_date, iis_detailed_error
from reqscope.lab.scenarios.stateful import count_in_window

# The allow-list of the IIS site: documentation ranges only, never the lab's client.
IIS_ALLOWED_NETWORKS = ("203.0.113.0/24", "198.51.100.0/24")
SUPPORTED_COUNTRIES = frozenset({"US", "GB", "DE", "FR", "JP", "CA"})
COUNTRY_HEADER = "X-Lab-Client-Country"


def _ip_allowed(client_ip: str, networks: list[str]) -> bool:
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    for network in networks:
        try:
            if address in ipaddress.ip_network(network.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


@router.route(
    "/403/iis/intranet/",
    summary="IIS IP Address and Domain Restrictions: a client outside the allow-list gets "
    "403.6 'IP address rejected'. Lab-only ?allow=IP[,CIDR] stands for the site owner adding "
    "your address to the allow-list",
    scenario=Scenario(
        cause="ip_blocked",
        vendor="Microsoft IIS",
        refused=req("GET", "/403/iis/intranet/"),
        fixed=req("GET", "/403/iis/intranet/?allow=127.0.0.1"),
    ),
)
def iis_intranet(request: LabRequest, state: LabState) -> LabResponse:
    extra = [net for value in request.query.get("allow", []) for net in value.split(",")]
    if not _ip_allowed(request.client_ip, [*IIS_ALLOWED_NETWORKS, *extra]):
        return iis_detailed_error(
            6,
            "IP address rejected",
            "The server is configured to deny access to the current IP address.",
            causes=["The IP address that you are using has been explicitly denied."],
            module="IpRestrictionModule",
            port=request.port,
        )
    return _iis_ok()


def _iis_ok() -> LabResponse:
    response = LabResponse.text("<h1>Intranet</h1>\n", content_type="text/html")
    response.headers += [("Server", "Microsoft-IIS/10.0"), ("X-Powered-By", "ASP.NET")]
    return response


@router.route(
    "/403/iis/secure/",
    summary="IIS 'Require SSL': a request over plain HTTP gets 403.4 'SSL required'. Over the "
    "lab's plain socket, X-Forwarded-Proto: https stands for reaching it through the HTTPS "
    "front end (a TLS lab serves it directly)",
    scenario=Scenario(
        cause="https_required",
        vendor="Microsoft IIS",
        refused=req("GET", "/403/iis/secure/"),
        fixed=req("GET", "/403/iis/secure/", {"X-Forwarded-Proto": "https"}),
    ),
)
def iis_secure(request: LabRequest, state: LabState) -> LabResponse:
    forwarded = (request.header("X-Forwarded-Proto") or "").lower()
    if request.scheme != "https" and forwarded != "https":
        return iis_detailed_error(
            4,
            "SSL required",
            "The request is made over a nonsecure channel, and the web application requires a "
            "Secure Sockets Layer (SSL) connection.",
            causes=["The Web site requires SSL and the request was made over HTTP."],
            module="IIS Web Core",
            port=request.port,
        )
    return _iis_ok()


@router.route(
    "/403/iis/partners/",
    summary="IIS 'Require client certificates': no client certificate gets 403.7 'Client "
    "certificate required'. X-ARR-ClientCert (how IIS ARR and Azure App Service forward the "
    "TLS client certificate) stands for presenting one; the lab does not validate it",
    scenario=Scenario(
        cause="client_cert_required",
        vendor="Microsoft IIS",
        refused=req("GET", "/403/iis/partners/"),
        fixed=req(
            "GET",
            "/403/iis/partners/",
            {"X-ARR-ClientCert": base64.b64encode(b"lab client certificate (DER)").decode()},
        ),
    ),
)
def iis_partners(request: LabRequest, state: LabState) -> LabResponse:
    try:
        forwarded = base64.b64decode(request.header("X-ARR-ClientCert") or "", validate=True)
    except binascii.Error:
        forwarded = b""
    if not forwarded:
        return iis_detailed_error(
            7,
            "Client certificate required",
            "The page you are attempting to access requires your browser to have a Secure "
            "Sockets Layer (SSL) client certificate that the Web server recognizes.",
            causes=["The Web site requires a client certificate and none was presented."],
            module="IIS Web Core",
            port=request.port,
        )
    return _iis_ok()


@router.route(
    "/403/openai/v1/chat/completions",
    methods=["POST"],
    summary="OpenAI API: a valid key called from an unsupported country gets 403 "
    "unsupported_country_region_territory. The lab takes the caller's country from the "
    "lab-only X-Lab-Client-Country header (none: unsupported), standing for the egress IP",
    scenario=Scenario(
        cause="geo_blocked",
        vendor="OpenAI API",
        refused=req(
            "POST",
            "/403/openai/v1/chat/completions",
            {"Authorization": "Bearer sk-lab-key", "Content-Type": "application/json"},
            '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}',
        ),
        fixed=req(
            "POST",
            "/403/openai/v1/chat/completions",
            {
                "Authorization": "Bearer sk-lab-key",
                "Content-Type": "application/json",
                COUNTRY_HEADER: "US",
            },
            '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}',
        ),
    ),
)
def openai_chat(request: LabRequest, state: LabState) -> LabResponse:
    headers = [
        ("Date", http_date()),
        ("Server", "cloudflare"),
        ("CF-RAY", f"{secrets.token_hex(8)}-AMS"),
        ("x-request-id", f"req_{secrets.token_hex(16)}"),
        ("openai-processing-ms", "3"),
    ]
    if bearer_token(request) != "sk-lab-key":
        error = {
            "message": "Incorrect API key provided. You can find your API key at "
            "https://platform.openai.com/account/api-keys.",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_api_key",
        }
        return compact_json({"error": error}, 401, headers)
    if (request.header(COUNTRY_HEADER) or "").upper() not in SUPPORTED_COUNTRIES:
        error = {
            "code": "unsupported_country_region_territory",
            "message": "Country, region, or territory not supported",
            "param": None,
            "type": "request_forbidden",
        }
        return compact_json({"error": error}, 403, headers)
    completion = {
        "id": f"chatcmpl-{secrets.token_hex(12)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello from the lab."},
                "finish_reason": "stop",
            }
        ],
    }
    return compact_json(completion, 200, headers)


KONG_LIMIT = 3
KONG_PERIODS = {"second": 1.0, "minute": 60.0}


@router.route(
    "/429/kong/api/orders",
    summary="Kong rate-limiting plugin: more than 3 requests per period (lab-only "
    "?per=second|minute, default minute) get 429 'API rate limit exceeded' with Retry-After, "
    "RateLimit-* and X-RateLimit-*-<Period>",
    scenario=Scenario(
        cause="rate_limited",
        vendor="Kong Gateway",
        setup=tuple(req("GET", "/429/kong/api/orders?per=second") for _ in range(KONG_LIMIT)),
        refused=req("GET", "/429/kong/api/orders?per=second"),
        fixed=req("GET", "/429/kong/api/orders?per=second", wait=1.0),
    ),
)
def kong_orders(request: LabRequest, state: LabState) -> LabResponse:
    period = request.arg("per", "minute")
    if period not in KONG_PERIODS:
        return compact_json({"message": "lab: per must be second or minute"}, 400)
    verdict = count_in_window(
        state, f"kong:{period}:{request.client_ip}", KONG_LIMIT, KONG_PERIODS[period]
    )
    name = period.capitalize()
    headers = [
        ("Date", http_date()),
        ("X-Kong-Request-Id", uuid.uuid4().hex),
        (f"X-RateLimit-Limit-{name}", str(verdict.limit)),
        (f"X-RateLimit-Remaining-{name}", str(verdict.remaining)),
        ("RateLimit-Limit", str(verdict.limit)),
        ("RateLimit-Remaining", str(verdict.remaining)),
        ("RateLimit-Reset", str(verdict.retry_after)),
    ]
    if not verdict.allowed:
        headers += [("Retry-After", str(verdict.retry_after)), ("Server", "kong/3.6.1")]
        return compact_json({"message": "API rate limit exceeded"}, 429, headers)
    return compact_json({"orders": [{"id": 42}]}, 200, [*headers, ("Via", "kong/3.6.1")])
