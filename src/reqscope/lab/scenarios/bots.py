"""Bot protection and web application firewalls: User-Agent policies, JavaScript challenges
(including the ones served with 200 and 202) and rule matches on the request's payload.

A JavaScript challenge cannot be solved by an HTTP client; the lab's "solve" routes stand for
passing it in a real browser and exporting the clearance cookie, which is the workaround
people use (the cookie is only honoured with a browser User-Agent, as on Cloudflare).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import unquote_plus

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import BROWSER_UA, is_library_user_agent, req
from reqscope.lab.scenarios.pages import (
    akamai_access_denied,
    apache_page,
    cloudflare_error,
    cloudflare_headers,
    cloudflare_ray,
    compact_json,
    http_date,
)
from reqscope.lab.scenarios.stateful import lab_secret
from reqscope.lab.scenarios.tokens import sign, signature_matches

# What the lab's firewall rules look for: script tags and classic SQL injection.
_XSS = re.compile(r"<\s*/?\s*script", re.IGNORECASE)
_SQLI = re.compile(r"\b(and|or)\b\s+\d+\s*=\s*\d+|union\s+(all\s+)?select|'\s*or\s*'", re.I)


def _payload(request: LabRequest) -> str:
    """The query and body as a WAF inspects them (URL-decoded)."""
    raw = "&".join(f"{k}={v}" for k, values in request.query.items() for v in values)
    return raw + "&" + unquote_plus(request.body.decode("utf-8", "replace"))


def _browser_page(title: str) -> LabResponse:
    return LabResponse.text(f"<h1>{title}</h1>\n", content_type="text/html; charset=utf-8")


# --- User-Agent policies ---------------------------------------------------------------------


@router.route(
    "/403/akamai/products",
    summary="Akamai Bot Manager: a library-default or missing User-Agent (python-httpx, "
    "python-requests, curl, Go-http-client, okhttp, Java ...) gets 403 'Access Denied ... "
    "Reference #'; a browser User-Agent gets through",
    scenario=Scenario(
        cause="bot_detection",
        vendor="Akamai",
        refused=req("GET", "/403/akamai/products", {"User-Agent": "python-requests/2.31.0"}),
        fixed=req("GET", "/403/akamai/products", {"User-Agent": BROWSER_UA}),
    ),
)
def akamai_products(request: LabRequest, state: LabState) -> LabResponse:
    if is_library_user_agent(request.header("User-Agent")):
        return akamai_access_denied(f"http://{request.header('Host') or 'localhost'}{request.path}")
    response = compact_json({"products": [{"sku": "lab-widget"}]})
    response.headers.append(("Server", "AkamaiGHost"))
    return response


WIKIMEDIA_UA = "reqscope-lab/1.0 (https://example.org/reqscope; dev@example.org)"


@router.route(
    "/403/wikimedia/w/api.php",
    summary="Wikimedia User-Agent policy: a generic library User-Agent gets 403 'Please set a "
    "user-agent and respect our robot policy'; a descriptive one with contact details passes",
    scenario=Scenario(
        cause="bot_detection",
        vendor="Wikimedia",
        refused=req(
            "GET",
            "/403/wikimedia/w/api.php?action=opensearch&search=python",
            {"User-Agent": "Python-urllib/3.11"},
        ),
        fixed=req(
            "GET",
            "/403/wikimedia/w/api.php?action=opensearch&search=python",
            {"User-Agent": WIKIMEDIA_UA},
        ),
    ),
)
def wikimedia_api(request: LabRequest, state: LabState) -> LabResponse:
    if is_library_user_agent(request.header("User-Agent")):
        body = (
            "Please set a user-agent and respect our robot policy https://w.wiki/4wJS. "
            "See also T400119.\n"
        )
        headers = [
            ("Content-Type", "text/plain"),
            ("Server", "HAProxy"),
            ("X-Cache", "cp3067 int"),
            ("X-Cache-Status", "int-tls"),
            ("Date", http_date()),
        ]
        return LabResponse(403, headers, body.encode())
    search = request.arg("search")
    return compact_json([search, [search.capitalize()], [""], [""]], 200, [("Server", "mw-api")])


# --- JavaScript challenges -------------------------------------------------------------------

CLOUDFLARE_SOLVE = "/403/cloudflare/cdn-cgi/challenge-platform/solve"


@router.route(
    CLOUDFLARE_SOLVE,
    methods=["GET"],
    summary="Stands for solving the Cloudflare challenge in a browser: sets a cf_clearance "
    "cookie (honoured only with a browser User-Agent)",
)
def cloudflare_solve(request: LabRequest, state: LabState) -> LabResponse:
    clearance = sign(lab_secret(state), "cf_clearance") + "-" + secrets.token_hex(6)
    cookie = f"cf_clearance={clearance}; Path=/; Max-Age=1800; HttpOnly; Secure; SameSite=None"
    return LabResponse(200, [("Server", "cloudflare"), ("Set-Cookie", cookie)], b"")


def _cf_clearance_ok(request: LabRequest, state: LabState) -> bool:
    clearance = request.cookies().get("cf_clearance", "")
    signature = clearance.rsplit("-", 1)[0]
    if not signature_matches(lab_secret(state), "cf_clearance", signature):
        return False
    return not is_library_user_agent(request.header("User-Agent"))


@router.route(
    "/403/cloudflare/challenge/",
    summary="Cloudflare managed challenge: 403 'Just a moment...' with cf-mitigated: challenge "
    "for a client without a cf_clearance cookie (see the solve route)",
    scenario=Scenario(
        cause="bot_detection",
        vendor="Cloudflare",
        setup=(req("GET", CLOUDFLARE_SOLVE, {"User-Agent": BROWSER_UA}),),
        refused=req("GET", "/403/cloudflare/challenge/", {"User-Agent": "python-requests/2.31.0"}),
        fixed=req(
            "GET",
            "/403/cloudflare/challenge/",
            {
                "User-Agent": BROWSER_UA,
                "Cookie": "cf_clearance={{setup[0].cookie.cf_clearance}}",
            },
        ),
    ),
)
def cloudflare_challenge(request: LabRequest, state: LabState) -> LabResponse:
    if _cf_clearance_ok(request, state):
        return _browser_page("Welcome")
    ray = cloudflare_ray()
    ray_id = ray.split("-")[0]
    body = (
        '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
        '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
        '<meta name="robots" content="noindex,nofollow"></head><body>'
        '<div class="main-wrapper" role="main"><div class="main-content">'
        '<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies '
        "to continue</span></div></noscript></div></div>"
        f"<script>(function(){{window._cf_chl_opt={{cvId: '3',cZone: '{request.header('Host')}',"
        f"cType: 'managed',cRay: '{ray_id}'}};"
        "var cpo = document.createElement('script');"
        f"cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray={ray_id}';"
        "document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>"
    )
    headers = [
        *cloudflare_headers(ray),
        ("cf-mitigated", "challenge"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "accelerometer=(),camera=(),geolocation=(),microphone=()"),
        ("Critical-CH", "Sec-CH-UA-Bitness, Sec-CH-UA-Arch, Sec-CH-UA-Model"),
    ]
    return LabResponse(403, headers, body.encode())


AWS_WAF_VERIFY = "/202/aws-waf/challenge/verify"


@router.route(
    AWS_WAF_VERIFY,
    methods=["GET", "POST"],
    summary="Stands for the AWS WAF challenge script: sets an aws-waf-token cookie",
)
def aws_waf_verify(request: LabRequest, state: LabState) -> LabResponse:
    token = sign(lab_secret(state), "aws-waf-token") + ":" + secrets.token_hex(8)
    cookie = f"aws-waf-token={token}; Path=/; Max-Age=345600; Secure; SameSite=Lax"
    return compact_json({"token": token}, 200, [("Set-Cookie", cookie)])


@router.route(
    "/202/aws-waf/api/info/version",
    summary="AWS WAF Challenge action: a request without a valid aws-waf-token cookie gets 202 "
    "with x-amzn-waf-action: challenge (empty body, or the JS interstitial for Accept: text/html)",
    scenario=Scenario(
        cause="bot_detection",
        vendor="AWS WAF",
        setup=(req("POST", AWS_WAF_VERIFY, {"User-Agent": BROWSER_UA}),),
        refused=req(
            "GET", "/202/aws-waf/api/info/version", {"User-Agent": "python-requests/2.31.0"}
        ),
        fixed=req(
            "GET",
            "/202/aws-waf/api/info/version",
            {"Cookie": "aws-waf-token={{setup[0].cookie.aws-waf-token}}"},
        ),
    ),
)
def aws_waf_challenge(request: LabRequest, state: LabState) -> LabResponse:
    token = request.cookies().get("aws-waf-token", "")
    if signature_matches(lab_secret(state), "aws-waf-token", token.split(":")[0]):
        return compact_json({"version": "6.2", "build": "lab"}, 200, [("Server", "awselb/2.0")])
    headers = [("x-amzn-waf-action", "challenge"), ("Server", "awselb/2.0"), ("Date", http_date())]
    if "text/html" in (request.header("Accept") or ""):
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title></title>'
            '<script type="text/javascript" src="https://lab.token.awswaf.com/lab/challenge.js">'
            '</script></head><body><div id="challenge-container"></div><script>'
            "AwsWafIntegration.saveReferrer();AwsWafIntegration.checkForceRefresh().then(f=>{"
            "if(f){AwsWafIntegration.forceRefreshToken().then(()=>{window.location.reload(true);})"
            "}else{ChallengeScript.init()}});</script></body></html>"
        )
        return LabResponse(
            202,
            [*headers, ("Content-Type", "text/html"), ("Cache-Control", "no-store, max-age=0")],
            body.encode(),
        )
    return LabResponse(202, headers, b"")


# --- firewall rules --------------------------------------------------------------------------


@router.route(
    "/403/cloudflare/1020/search",
    summary="Cloudflare error 1020: a firewall rule matching a <script> payload gets 403 "
    "'Access denied' (Ray ID, Server: cloudflare)",
    scenario=Scenario(
        cause="waf_blocked",
        vendor="Cloudflare",
        refused=req("GET", "/403/cloudflare/1020/search?q=%3Cscript%3Ealert(1)%3C/script%3E"),
        fixed=req("GET", "/403/cloudflare/1020/search?q=shoes"),
    ),
)
def cloudflare_1020(request: LabRequest, state: LabState) -> LabResponse:
    if _XSS.search(_payload(request)):
        return cloudflare_error(
            1020,
            "Access denied | www.example.com used Cloudflare to restrict access",
            "Access denied",
            what_happened="This website is using a security service to protect itself from "
            "online attacks.",
            client_ip=request.client_ip,
        )
    response = compact_json({"q": request.arg("q"), "results": []})
    response.headers += [("Server", "cloudflare"), ("CF-RAY", cloudflare_ray())]
    return response


@router.route(
    "/406/modsecurity/index.php",
    summary="ModSecurity on shared hosting: a SQL-injection-like query gets 406 'Not "
    "Acceptable! ... This error was generated by Mod_Security.'",
    scenario=Scenario(
        cause="waf_blocked",
        vendor="ModSecurity (shared hosting)",
        refused=req("GET", "/406/modsecurity/index.php?catid=3%20AND%203100=3100"),
        fixed=req("GET", "/406/modsecurity/index.php?catid=3"),
    ),
)
def modsecurity_406(request: LabRequest, state: LabState) -> LabResponse:
    if _SQLI.search(_payload(request)) or _XSS.search(_payload(request)):
        body = (
            "<head><title>Not Acceptable!</title></head><body><h1>Not Acceptable!</h1><p>An "
            "appropriate representation of the requested resource could not be found on this "
            "server. This error was generated by Mod_Security.</p></body></html>"
        )
        headers = [("Server", "Apache"), ("Content-Type", "text/html; charset=iso-8859-1")]
        return LabResponse(406, [("Date", http_date()), *headers], body.encode())
    return _browser_page("Category")


@router.route(
    "/403/modsecurity/search.php",
    summary="ModSecurity + OWASP CRS on Apache: a SQL injection in the query gets Apache's "
    "plain 403 page (the rule id is only in the server's log)",
    scenario=Scenario(
        cause="waf_blocked",
        vendor="ModSecurity (OWASP CRS, Apache)",
        refused=req("GET", "/403/modsecurity/search.php?q=1%27%20UNION%20SELECT%20password"),
        fixed=req("GET", "/403/modsecurity/search.php?q=lab+widget"),
    ),
)
def modsecurity_403(request: LabRequest, state: LabState) -> LabResponse:
    if _SQLI.search(_payload(request)) or _XSS.search(_payload(request)):
        message = "You don't have permission to access this resource."
        return apache_page(403, "403 Forbidden", message, request.port)
    return _browser_page("Search")


@router.route(
    "/200/f5/index.php",
    summary="F5 BIG-IP ASM: a <script> payload gets the 'Request Rejected ... support ID' page "
    "with status 200",
    scenario=Scenario(
        cause="waf_blocked",
        vendor="F5 BIG-IP ASM",
        refused=req("GET", "/200/f5/index.php?parameter=%3Cscript/%3E"),
        fixed=req("GET", "/200/f5/index.php?parameter=lab"),
    ),
)
def f5_asm(request: LabRequest, state: LabState) -> LabResponse:
    if _XSS.search(_payload(request)) or _SQLI.search(_payload(request)):
        support_id = str(secrets.randbelow(10**19 - 10**18) + 10**18)
        body = (
            "<html><head><title>Request Rejected</title></head><body>The requested URL was "
            "rejected. Please consult with your administrator.<br><br>Your support ID is: "
            f"{support_id}<br><br><a href='javascript:history.back();'>[Go Back]</a>"
            "</body></html>"
        )
        cookie = f"TS01{secrets.token_hex(3)}={secrets.token_hex(40)}; Path=/"
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Cache-Control", "no-cache"),
            ("Pragma", "no-cache"),
            ("Connection", "close"),
            ("Set-Cookie", cookie),
        ]
        return LabResponse(200, headers, body.encode())
    return _browser_page("Index")
