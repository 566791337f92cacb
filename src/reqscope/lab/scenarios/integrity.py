"""Is the request well-formed for this server: CSRF tokens, CORS preflights, the method, the
Content-Type, the Host. (Signed requests live in signing.py.)"""

from __future__ import annotations

import secrets
import string
import uuid
from html import escape

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import (
    basic_credentials,
    basic_header,
    form_fields,
    host_is_ip_literal,
    req,
)
from reqscope.lab.scenarios.pages import (
    cloudflare_error,
    cloudfront_error,
    compact_json,
    http_date,
    utc_now,
)
from reqscope.lab.scenarios.stateful import lab_secret
from reqscope.lab.scenarios.tokens import sign, signature_matches

# --- Django CSRF -----------------------------------------------------------------------------

DJANGO_FORM = "/403/django/contact/"
_CSRF_CHARS = string.ascii_letters + string.digits


def _django_headers() -> list[tuple[str, str]]:
    return [
        ("Date", http_date()),
        ("Server", "gunicorn"),
        ("Content-Type", "text/html; charset=utf-8"),
        ("X-Frame-Options", "DENY"),
        ("Vary", "Cookie"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]


def _django_csrf_failure(reason: str, no_cookie: bool) -> LabResponse:
    """Django's CSRF failure view (403_csrf.html), with the reason line DEBUG pages show."""
    cookie_help = (
        "<p>You are seeing this message because this site requires a CSRF cookie when "
        "submitting forms. This cookie is required for security reasons, to ensure that your "
        "browser is not being hijacked by third parties.</p>\n"
        "<p>If you have configured your browser to disable cookies, please re-enable them, at "
        "least for this site, or for “same-origin” requests.</p>\n"
        if no_cookie
        else ""
    )
    body = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta http-equiv="content-type" content="text/html; charset=utf-8">
  <meta name="robots" content="NONE,NOARCHIVE">
  <title>403 Forbidden</title>
</head>
<body>
<div id="summary">
  <h1>Forbidden <span>(403)</span></h1>
  <p>CSRF verification failed. Request aborted.</p>
{cookie_help}</div>
<div id="info">
  <h2>Help</h2>
  <p>Reason given for failure:</p>
  <pre>
    {escape(reason)}
  </pre>
</div>
</body>
</html>
"""
    return LabResponse(403, _django_headers(), body.encode())


def _is_csrf_secret(value: str) -> bool:
    return len(value) == 32 and all(ch in _CSRF_CHARS for ch in value)


@router.route(
    DJANGO_FORM,
    methods=["GET", "POST"],
    summary="Django CSRF: GET sets the csrftoken cookie; a POST without the cookie echoed in "
    'X-CSRFToken gets the 403 "CSRF verification failed. Request aborted." page',
    scenario=Scenario(
        cause="csrf",
        vendor="Django",
        setup=(req("GET", DJANGO_FORM),),
        refused=req(
            "POST",
            DJANGO_FORM,
            {
                "Cookie": "csrftoken={{setup[0].cookie.csrftoken}}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            "email=dev%40example.com&message=hello",
        ),
        fixed=req(
            "POST",
            DJANGO_FORM,
            {
                "Cookie": "csrftoken={{setup[0].cookie.csrftoken}}",
                "X-CSRFToken": "{{setup[0].cookie.csrftoken}}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            "email=dev%40example.com&message=hello",
        ),
    ),
)
def django_contact(request: LabRequest, state: LabState) -> LabResponse:
    if request.method == "GET":
        secret = "".join(secrets.choice(_CSRF_CHARS) for _ in range(32))
        page = (
            f'<form method="post"><input type="hidden" name="csrfmiddlewaretoken" '
            f'value="{secret}"><textarea name="message"></textarea></form>\n'
        )
        set_cookie = f"csrftoken={secret}; Max-Age=31449600; Path=/; SameSite=Lax"
        return LabResponse(200, [*_django_headers(), ("Set-Cookie", set_cookie)], page.encode())
    cookie = request.cookies().get("csrftoken")
    if cookie is None:
        return _django_csrf_failure("CSRF cookie not set.", no_cookie=True)
    if not _is_csrf_secret(cookie):
        return _django_csrf_failure("CSRF cookie has incorrect length.", no_cookie=False)
    token = request.header("X-CSRFToken") or form_fields(request).get("csrfmiddlewaretoken")
    if not token:
        return _django_csrf_failure("CSRF token missing.", no_cookie=False)
    if token != cookie:
        return _django_csrf_failure("CSRF token incorrect.", no_cookie=False)
    return LabResponse(200, _django_headers(), b"<p>Thanks, your message was sent.</p>\n")


# --- Jenkins crumb ---------------------------------------------------------------------------

JENKINS_USER, JENKINS_PASSWORD = "lab-user", "lab-password"
JENKINS_COOKIE = "JSESSIONID.4d6f6c61"


def _jenkins_headers() -> list[tuple[str, str]]:
    return [
        ("Date", http_date()),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Jenkins", "2.440.3"),
        ("X-Jenkins-Session", secrets.token_hex(4)),
        ("Server", "Jetty(10.0.20)"),
    ]


def _jenkins_html(status: int, body: bytes, reason: str = "") -> LabResponse:
    headers = [*_jenkins_headers(), ("Content-Type", "text/html;charset=utf-8")]
    return LabResponse(status, headers, body, reason)


@router.route(
    "/403/jenkins/crumbIssuer/api/json",
    methods=["GET"],
    summary="Jenkins crumb issuer: a CSRF crumb bound to the session cookie it sets",
)
def jenkins_crumb(request: LabRequest, state: LabState) -> LabResponse:
    if basic_credentials(request) != (JENKINS_USER, JENKINS_PASSWORD):
        return _jenkins_html(401, b"Unauthorized\n")
    session = request.cookies().get(JENKINS_COOKIE) or f"node0{secrets.token_hex(12)}.node0"
    crumb = sign(lab_secret(state), "jenkins-crumb:" + session)
    data = {
        "_class": "hudson.security.csrf.DefaultCrumbIssuer",
        "crumb": crumb,
        "crumbRequestField": "Jenkins-Crumb",
    }
    cookie = ("Set-Cookie", f"{JENKINS_COOKIE}={session}; Path=/; HttpOnly")
    return compact_json(data, 200, [*_jenkins_headers(), cookie], "application/json;charset=utf-8")


def _jetty_error(status: int, message: str, uri: str) -> LabResponse:
    body = f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html;charset=utf-8"/>
<title>Error {status} {message}</title>
</head>
<body><h2>HTTP ERROR {status} {message}</h2>
<table>
<tr><th>URI:</th><td>{escape(uri)}</td></tr>
<tr><th>STATUS:</th><td>{status}</td></tr>
<tr><th>MESSAGE:</th><td>{message}</td></tr>
<tr><th>SERVLET:</th><td>Stapler</td></tr>
</table>
<hr/><a href="https://eclipse.org/jetty">Powered by Jetty:// 10.0.20</a><hr/>

</body>
</html>
"""
    return _jenkins_html(status, body.encode(), message)


@router.route(
    "/403/jenkins/job/lab/build",
    methods=["POST"],
    summary="Jenkins CSRF protection: a POST with a password and no Jenkins-Crumb (from the "
    "crumb issuer, same session) gets 403 No valid crumb was included in the request",
    scenario=Scenario(
        cause="csrf",
        vendor="Jenkins",
        setup=(
            req(
                "GET",
                "/403/jenkins/crumbIssuer/api/json",
                {"Authorization": basic_header(JENKINS_USER, JENKINS_PASSWORD)},
            ),
        ),
        refused=req(
            "POST",
            "/403/jenkins/job/lab/build",
            {"Authorization": basic_header(JENKINS_USER, JENKINS_PASSWORD)},
        ),
        fixed=req(
            "POST",
            "/403/jenkins/job/lab/build",
            {
                "Authorization": basic_header(JENKINS_USER, JENKINS_PASSWORD),
                "Jenkins-Crumb": "{{setup[0].json.crumb}}",
                "Cookie": f"{JENKINS_COOKIE}={{{{setup[0].cookie.{JENKINS_COOKIE}}}}}",
            },
        ),
    ),
)
def jenkins_build(request: LabRequest, state: LabState) -> LabResponse:
    if basic_credentials(request) != (JENKINS_USER, JENKINS_PASSWORD):
        return _jenkins_html(401, b"Unauthorized\n")
    session = request.cookies().get(JENKINS_COOKIE, "")
    crumb = request.header("Jenkins-Crumb") or ""
    if not session or not signature_matches(lab_secret(state), "jenkins-crumb:" + session, crumb):
        return _jetty_error(403, "No valid crumb was included in the request", request.path)
    location = f"{request.origin}/queue/item/{secrets.randbelow(9000) + 1000}/"
    return LabResponse(201, [*_jenkins_headers(), ("Location", location)])


# --- Azure Blob CORS -------------------------------------------------------------------------

AZURE_ALLOWED_ORIGIN = "https://app.example.com"
AZURE_BLOB = "/403/azure-blob/labcontainer/report.pdf"


def _azure_headers() -> list[tuple[str, str]]:
    return [
        ("Server", "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"),
        ("x-ms-request-id", str(uuid.uuid4())),
        ("x-ms-version", "2023-11-03"),
        ("Date", http_date()),
    ]


@router.route(
    AZURE_BLOB,
    methods=["OPTIONS", "GET", "HEAD"],
    summary="Azure Blob Storage CORS: a preflight from an origin no CORS rule allows gets 403 "
    "CorsPreflightFailure (the account's only rule allows https://app.example.com)",
    scenario=Scenario(
        cause="cors",
        vendor="Azure Blob Storage",
        refused=req(
            "OPTIONS",
            AZURE_BLOB,
            {"Origin": "http://localhost:3001", "Access-Control-Request-Method": "GET"},
        ),
        fixed=req(
            "OPTIONS",
            AZURE_BLOB,
            {"Origin": AZURE_ALLOWED_ORIGIN, "Access-Control-Request-Method": "GET"},
        ),
    ),
)
def azure_blob(request: LabRequest, state: LabState) -> LabResponse:
    origin = request.header("Origin")
    if request.method != "OPTIONS":
        headers = [*_azure_headers(), ("Content-Type", "application/pdf")]
        if origin == AZURE_ALLOWED_ORIGIN:
            headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        return LabResponse(200, headers, b"%PDF-1.4\n% reqscope lab\n")
    wanted = (request.header("Access-Control-Request-Method") or "").upper()
    if origin != AZURE_ALLOWED_ORIGIN or wanted not in {"GET", "HEAD"}:
        request_id = str(uuid.uuid4())
        message = "CORS not enabled or no matching rule found for this request."
        body = (
            '<?xml version="1.0" encoding="utf-8"?>\n<Error>\n'
            f"  <Code>CorsPreflightFailure</Code>\n  <Message>{message}\n"
            f"RequestId:{request_id}\nTime:{_azure_time()}</Message>\n"
            "  <MessageDetails>No CORS rules matches this request</MessageDetails>\n</Error>"
        )
        headers = [
            ("Content-Type", "application/xml"),
            ("Server", "Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0"),
            ("x-ms-request-id", request_id),
            ("x-ms-error-code", "CorsPreflightFailure"),
            ("Date", http_date()),
        ]
        return LabResponse(403, headers, body.encode(), reason=message)
    headers = [
        *_azure_headers(),
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", "GET,HEAD"),
        ("Access-Control-Allow-Credentials", "true"),
        ("Access-Control-Max-Age", "3600"),
    ]
    return LabResponse(200, headers)


def _azure_time() -> str:
    now = utc_now()
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond * 10:07d}Z"


# --- method, content type, host --------------------------------------------------------------


@router.route(
    "/403/cloudfront/api/search",
    summary="Amazon CloudFront: a distribution that allows only GET/HEAD answers a POST with "
    "403 'This distribution is not configured to allow the HTTP request method'",
    scenario=Scenario(
        cause="wrong_method",
        vendor="Amazon CloudFront",
        refused=req(
            "POST",
            "/403/cloudfront/api/search",
            {"Content-Type": "application/json"},
            '{"q": "shoes"}',
        ),
        fixed=req("GET", "/403/cloudfront/api/search?q=shoes"),
    ),
)
def cloudfront_search(request: LabRequest, state: LabState) -> LabResponse:
    if request.method not in {"GET", "HEAD"}:
        return cloudfront_error(
            403,
            "This distribution is not configured to allow the HTTP request method that was used "
            "for this request. The distribution supports only cachable requests.",
            "We can't connect to the server for this app or website at this time. There might be "
            "too much traffic or a configuration error. Try again later, or contact the app or "
            "website owner.",
        )
    response = compact_json({"q": request.arg("q"), "results": []})
    response.headers += [("X-Cache", "Miss from cloudfront"), ("Server", "CloudFront")]
    return response


@router.route(
    "/405/drf/api/orders/42/",
    summary="Django REST framework: a method the view does not implement gets 405 with Allow "
    'and {"detail":"Method \\"POST\\" not allowed."}',
    scenario=Scenario(
        cause="wrong_method",
        vendor="Django REST framework",
        refused=req(
            "POST",
            "/405/drf/api/orders/42/",
            {"Content-Type": "application/json"},
            '{"status": "shipped"}',
        ),
        fixed=req(
            "PATCH",
            "/405/drf/api/orders/42/",
            {"Content-Type": "application/json"},
            '{"status": "shipped"}',
        ),
    ),
)
def drf_order(request: LabRequest, state: LabState) -> LabResponse:
    allowed = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
    headers = [("Allow", allowed), ("Vary", "Accept"), ("X-Content-Type-Options", "nosniff")]
    if request.method not in {m.strip() for m in allowed.split(",")}:
        detail = f'Method "{request.method}" not allowed.'
        return compact_json({"detail": detail}, 405, headers)
    return compact_json({"id": 42, "status": "shipped"}, 200, headers)


@router.route(
    "/415/aspnet/api/orders",
    methods=["POST"],
    summary="ASP.NET Core [ApiController]: a JSON body sent as text/plain gets 415 "
    "application/problem+json 'Unsupported Media Type'",
    scenario=Scenario(
        cause="wrong_content_type",
        vendor="ASP.NET Core",
        refused=req(
            "POST",
            "/415/aspnet/api/orders",
            {"Content-Type": "text/plain; charset=utf-8"},
            '{"item": "lab-widget", "quantity": 1}',
        ),
        fixed=req(
            "POST",
            "/415/aspnet/api/orders",
            {"Content-Type": "application/json"},
            '{"item": "lab-widget", "quantity": 1}',
        ),
    ),
)
def aspnet_orders(request: LabRequest, state: LabState) -> LabResponse:
    headers = [("Date", http_date()), ("Server", "Kestrel")]
    media = (request.header("Content-Type") or "").split(";")[0].strip().lower()
    if media not in {"application/json", "text/json"} and not media.endswith("+json"):
        problem = {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.16",
            "title": "Unsupported Media Type",
            "status": 415,
            "traceId": f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-00",
        }
        return compact_json(problem, 415, headers, "application/problem+json; charset=utf-8")
    location = f"{request.origin}/415/aspnet/api/orders/42"
    return compact_json(
        {"id": 42}, 201, [*headers, ("Location", location)], "application/json; charset=utf-8"
    )


@router.route(
    "/403/cloudflare/1003/",
    summary="Cloudflare error 1003: a request whose Host header is an IP address gets 403 "
    "'Direct IP access not allowed'",
    scenario=Scenario(
        cause="malformed_request",
        vendor="Cloudflare",
        refused=req("GET", "/403/cloudflare/1003/"),
        fixed=req("GET", "/403/cloudflare/1003/", {"Host": "www.example.com"}),
    ),
)
def cloudflare_1003(request: LabRequest, state: LabState) -> LabResponse:
    if host_is_ip_literal(request):
        return cloudflare_error(
            1003,
            "Direct IP access not allowed | Cloudflare",
            "Direct IP access not allowed",
            what_happened="You've requested an IP address that is part of the Cloudflare "
            "network. A valid Host header must be supplied to reach the desired website.",
            client_ip=request.client_ip,
        )
    response = LabResponse.text("<h1>Welcome</h1>\n", content_type="text/html; charset=utf-8")
    response.headers += [("Server", "cloudflare"), ("CF-RAY", f"{secrets.token_hex(8)}-AMS")]
    return response
