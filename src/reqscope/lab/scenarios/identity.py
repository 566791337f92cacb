"""Who is calling: missing, invalid, malformed and expired credentials.

The lab's OAuth token endpoint lives here too: it issues real HS256 JWTs (signed with the
lab's secret) that the expired-token and insufficient-scope scenarios check.
"""

from __future__ import annotations

import re
import time
import uuid

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import basic_credentials, basic_header, form_fields, req
from reqscope.lab.scenarios.pages import (
    apigateway_error,
    compact_json,
    http_date,
    nginx_page,
    s3_error,
    s3_request_ids,
)
from reqscope.lab.scenarios.stateful import lab_secret
from reqscope.lab.scenarios.tokens import ExpiredToken, InvalidToken, issue_jwt, verify_jwt

TOKEN_PATH = "/401/oauth/token"
CLIENT_ID = "lab-client"
CLIENT_SECRET = "lab-client-secret"
DEFAULT_LIFETIME = 300
MAX_LIFETIME = 3600

BASIC_USER, BASIC_PASSWORD = "lab-user", "lab-password"
# The example token of Django REST framework's own documentation.
DRF_TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"
# AWS's documented example access key id; the lab knows no other.
AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
UNKNOWN_ACCESS_KEY_ID = "AKIAI44QH8DHBEXAMPLE"


def token_request(scope: str, lifetime: int | None = None) -> dict[str, object]:
    """The setup request that gets a lab access token with `scope` (`lifetime` seconds)."""
    query = "" if lifetime is None else f"?lifetime={lifetime}"
    body = f"grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}"
    return req(
        "POST",
        TOKEN_PATH + query,
        {"Content-Type": "application/x-www-form-urlencoded"},
        body + f"&scope={scope.replace(' ', '+')}",
    )


@router.route(
    TOKEN_PATH,
    methods=["POST"],
    summary="Lab OAuth 2.0 token endpoint (client_credentials): issues a real HS256 JWT; "
    "lab-only ?lifetime=SECONDS (0..3600) sets its exp",
)
def token_endpoint(request: LabRequest, state: LabState) -> LabResponse:
    fields = form_fields(request)
    no_store = [("Cache-Control", "no-store"), ("Pragma", "no-cache")]
    if fields.get("grant_type") != "client_credentials":
        return compact_json({"error": "unsupported_grant_type"}, 400, no_store)
    if (fields.get("client_id"), fields.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
        return compact_json({"error": "invalid_client"}, 401, no_store)
    try:
        lifetime = int(request.arg("lifetime", str(DEFAULT_LIFETIME)))
    except ValueError:
        return compact_json({"error": "invalid_request", "error_description": "lifetime"}, 400)
    lifetime = min(max(lifetime, 0), MAX_LIFETIME)
    now = int(time.time())
    scope = fields.get("scope", "")
    claims = {
        "iss": request.origin,
        "sub": CLIENT_ID,
        "aud": "reqscope-lab",
        "iat": now,
        "exp": now + lifetime,
        "jti": str(uuid.uuid4()),
        "scope": scope,
    }
    token = issue_jwt(lab_secret(state), claims)
    data = {"access_token": token, "token_type": "Bearer", "expires_in": lifetime, "scope": scope}
    return compact_json(data, 200, no_store)


def bearer_challenge(error: str = "", description: str = "", **extra: str) -> tuple[str, str]:
    """An RFC 6750 `WWW-Authenticate: Bearer ...` header."""
    params = ['realm="reqscope-lab"'] if not error else []
    if error:
        params.append(f'error="{error}"')
    if description:
        params.append(f'error_description="{description}"')
    params += [f'{name}="{value}"' for name, value in extra.items()]
    return ("WWW-Authenticate", "Bearer " + ", ".join(params))


@router.route(
    "/401/oauth/profile",
    methods=["GET"],
    summary="RFC 6750 resource server: a lab JWT past its exp gets 401 "
    'WWW-Authenticate: Bearer error="invalid_token", error_description="The access token expired"',
    scenario=Scenario(
        cause="expired_token",
        vendor="OAuth 2.0 resource server (RFC 6750)",
        setup=(token_request("profile", lifetime=0), token_request("profile")),
        refused=req(
            "GET", "/401/oauth/profile", {"Authorization": "Bearer {{setup[0].json.access_token}}"}
        ),
        fixed=req(
            "GET", "/401/oauth/profile", {"Authorization": "Bearer {{setup[1].json.access_token}}"}
        ),
    ),
)
def oauth_profile(request: LabRequest, state: LabState) -> LabResponse:
    authorization = request.header("Authorization")
    if not authorization:
        return LabResponse(401, [bearer_challenge()])
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return LabResponse(400, [bearer_challenge("invalid_request", "Malformed Authorization")])
    try:
        claims = verify_jwt(lab_secret(state), token.strip())
    except ExpiredToken:
        return LabResponse(401, [bearer_challenge("invalid_token", "The access token expired")])
    except InvalidToken:
        return LabResponse(401, [bearer_challenge("invalid_token", "The access token is invalid")])
    return compact_json({"sub": claims.get("sub"), "scope": claims.get("scope", "")})


_SPRING_BEARER = re.compile(r"^Bearer (?P<token>[a-zA-Z0-9\-._~+/]+=*)$", re.IGNORECASE)


@router.route(
    "/401/spring/api/me",
    methods=["GET"],
    summary="Spring Security resource server: a malformed Bearer header ('Bearer Bearer <jwt>') "
    'gets 401 error="invalid_token", error_description="Bearer token is malformed"',
    scenario=Scenario(
        cause="malformed_auth_header",
        vendor="Spring Security",
        setup=(token_request("profile"),),
        refused=req(
            "GET",
            "/401/spring/api/me",
            {"Authorization": "Bearer Bearer {{setup[0].json.access_token}}"},
        ),
        fixed=req(
            "GET", "/401/spring/api/me", {"Authorization": "Bearer {{setup[0].json.access_token}}"}
        ),
    ),
)
def spring_me(request: LabRequest, state: LabState) -> LabResponse:
    spring = [
        ("X-Content-Type-Options", "nosniff"),
        ("X-XSS-Protection", "0"),
        ("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"),
        ("Pragma", "no-cache"),
        ("Expires", "0"),
        ("X-Frame-Options", "DENY"),
    ]
    authorization = request.header("Authorization") or ""
    if not authorization.lower().startswith("bearer"):
        return LabResponse(401, [("WWW-Authenticate", "Bearer"), *spring])
    found = _SPRING_BEARER.match(authorization)
    uri = 'error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"'
    if found is None:
        value = (
            f'Bearer error="invalid_token", error_description="Bearer token is malformed", {uri}'
        )
        return LabResponse(401, [("WWW-Authenticate", value), *spring])
    try:
        claims = verify_jwt(lab_secret(state), found.group("token"))
    except InvalidToken as exc:
        reason = "Jwt expired" if isinstance(exc, ExpiredToken) else "Invalid signature"
        value = (
            'Bearer error="invalid_token", '
            f'error_description="An error occurred while attempting to decode the Jwt: {reason}", '
            f"{uri}"
        )
        return LabResponse(401, [("WWW-Authenticate", value), *spring])
    return compact_json({"name": claims.get("sub")}, 200, spring)


@router.route(
    "/403/drf/api/orders/",
    methods=["GET", "POST", "HEAD", "OPTIONS"],
    summary="Django REST framework with SessionAuthentication first: no credentials get 403 "
    '{"detail":"Authentication credentials were not provided."} (not 401)',
    scenario=Scenario(
        cause="missing_credentials",
        vendor="Django REST framework",
        refused=req("GET", "/403/drf/api/orders/"),
        fixed=req("GET", "/403/drf/api/orders/", {"Authorization": f"Token {DRF_TOKEN}"}),
    ),
)
def drf_orders(request: LabRequest, state: LabState) -> LabResponse:
    headers = [
        ("Allow", "GET, POST, HEAD, OPTIONS"),
        ("Vary", "Accept, Cookie"),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
    ]
    scheme, _, token = (request.header("Authorization") or "").partition(" ")
    if scheme.lower() != "token":
        detail = "Authentication credentials were not provided."
        return compact_json({"detail": detail}, 403, headers)
    if token.strip() != DRF_TOKEN:
        return compact_json({"detail": "Invalid token."}, 403, headers)
    return compact_json({"count": 1, "next": None, "previous": None, "results": [{"id": 42}]})


@router.route(
    "/401/nginx/admin/",
    summary="nginx auth_basic: no credentials get 401 Authorization Required with "
    'WWW-Authenticate: Basic realm="Restricted"',
    scenario=Scenario(
        cause="missing_credentials",
        vendor="nginx",
        refused=req("GET", "/401/nginx/admin/"),
        fixed=req(
            "GET",
            "/401/nginx/admin/",
            {"Authorization": basic_header(BASIC_USER, BASIC_PASSWORD)},
        ),
    ),
)
def nginx_basic(request: LabRequest, state: LabState) -> LabResponse:
    if basic_credentials(request) != (BASIC_USER, BASIC_PASSWORD):
        page = nginx_page(401, "Authorization Required")
        page.headers.append(("WWW-Authenticate", 'Basic realm="Restricted"'))
        return page
    return LabResponse.text("admin area\n")


def _aws_access_key_id(authorization: str) -> str | None:
    found = re.search(r"Credential=([A-Z0-9]+)/", authorization)
    return found.group(1) if found else None


def _sigv4_header(access_key_id: str, service: str) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={access_key_id}/20240501/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "7" * 64
    )


@router.route(
    "/403/aws-s3/keys/lab-bucket/report.csv",
    methods=["GET", "PUT", "HEAD"],
    summary="AWS S3: an access key id S3 does not know gets 403 InvalidAccessKeyId (the lab "
    "knows only AWS's documented example key id and does not verify the signature)",
    scenario=Scenario(
        cause="invalid_credentials",
        vendor="AWS S3",
        refused=req(
            "GET",
            "/403/aws-s3/keys/lab-bucket/report.csv",
            {
                "Authorization": _sigv4_header(UNKNOWN_ACCESS_KEY_ID, "s3"),
                "x-amz-date": "{{now:%Y%m%dT%H%M%SZ}}",
                "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
            },
        ),
        fixed=req(
            "GET",
            "/403/aws-s3/keys/lab-bucket/report.csv",
            {
                "Authorization": _sigv4_header(AWS_ACCESS_KEY_ID, "s3"),
                "x-amz-date": "{{now:%Y%m%dT%H%M%SZ}}",
                "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
            },
        ),
    ),
)
def s3_keys(request: LabRequest, state: LabState) -> LabResponse:
    key_id = _aws_access_key_id(request.header("Authorization") or "")
    if key_id is None:
        return s3_error("AccessDenied", "Access Denied")
    if key_id != AWS_ACCESS_KEY_ID:
        return s3_error(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            {"AWSAccessKeyId": key_id},
        )
    headers = [*s3_request_ids(), ("Date", http_date()), ("Server", "AmazonS3")]
    return LabResponse(200, [("Content-Type", "text/csv"), *headers], b"id,total\n42,9.99\n")


def _sigv4_problems(request: LabRequest) -> list[str]:
    authorization = request.header("Authorization") or ""
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if f"{name}=" not in authorization
    ]
    if not (request.header("X-Amz-Date") or request.header("Date")):
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    return problems


@router.route(
    "/403/aws-apigateway/iam/orders",
    summary="Amazon API Gateway with IAM auth: a Bearer token instead of a SigV4 Authorization "
    "header gets 403 IncompleteSignatureException (the lab checks the header's form, not the "
    "signature)",
    scenario=Scenario(
        cause="malformed_auth_header",
        vendor="Amazon API Gateway",
        refused=req(
            "GET", "/403/aws-apigateway/iam/orders", {"Authorization": "Bearer lab-access-token"}
        ),
        fixed=req(
            "GET",
            "/403/aws-apigateway/iam/orders",
            {
                "Authorization": _sigv4_header(AWS_ACCESS_KEY_ID, "execute-api"),
                "X-Amz-Date": "{{now:%Y%m%dT%H%M%SZ}}",
            },
        ),
    ),
)
def apigateway_iam(request: LabRequest, state: LabState) -> LabResponse:
    authorization = request.header("Authorization")
    if not authorization:
        return apigateway_error(
            "Missing Authentication Token", "MissingAuthenticationTokenException"
        )
    problems = _sigv4_problems(request)
    if problems or not authorization.startswith("AWS4-HMAC-SHA256 "):
        problems = problems or ["Authorization header requires 'Credential' parameter."]
        message = " ".join([*problems, f"Authorization={authorization}"])
        return apigateway_error(message, "IncompleteSignatureException")
    return compact_json({"orders": [{"id": 42}]}, 200, [("x-amzn-RequestId", str(uuid.uuid4()))])
