"""The GitHub REST API: JSON errors with documentation_url, X-GitHub-Request-Id and the
X-RateLimit-* headers on every answer; refusals for SAML SSO, a missing OAuth scope, the
primary and secondary rate limits, a private repository hidden behind 404, and a 422.

The lab's personal access tokens (placeholders):
  ghp_lab_repo_...      scopes "gist, repo, workflow"; not authorised for lab-sso-org's SSO
  ghp_lab_sso_...       scopes "repo"; authorised for lab-sso-org's SSO
  ghp_lab_admin_...     scopes "delete_repo, repo"
"""

from __future__ import annotations

import json
import secrets

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import bearer_token, req
from reqscope.lab.scenarios.pages import http_date
from reqscope.lab.scenarios.stateful import WindowVerdict, count_in_window

TOKEN_REPO = "ghp_lab_repo_" + "0" * 23
TOKEN_SSO = "ghp_lab_sso_" + "1" * 24
TOKEN_ADMIN = "ghp_lab_admin_" + "2" * 22
TOKENS = {
    TOKEN_REPO: ("gist, repo, workflow", False),
    TOKEN_SSO: ("repo", True),
    TOKEN_ADMIN: ("delete_repo, repo", True),
}
DOCS = "https://docs.github.com/rest"
UNAUTHENTICATED_LIMIT = 3  # the lab's stand-in for GitHub's 60 per hour
AUTHENTICATED_LIMIT = 5000
SECONDARY_LIMIT = 3


def _token(request: LabRequest) -> str | None:
    """GitHub accepts both `Authorization: token X` and `Authorization: Bearer X`."""
    scheme, _, value = (request.header("Authorization") or "").partition(" ")
    if scheme.lower() == "token":
        return value.strip() or None
    return bearer_token(request)


def _headers(rate: WindowVerdict | None = None, scopes: str | None = None) -> list[tuple[str, str]]:
    request_id = ":".join(secrets.token_hex(n).upper() for n in (2, 2, 3, 3, 4))
    headers = [
        ("Server", "github.com"),
        ("Date", http_date()),
        ("Content-Type", "application/json; charset=utf-8"),
        ("X-GitHub-Media-Type", "github.v3; format=json"),
        ("x-github-api-version-selected", "2022-11-28"),
        ("X-GitHub-Request-Id", request_id),
    ]
    if scopes is not None:
        headers.append(("X-OAuth-Scopes", scopes))
    if rate is not None:
        headers += [
            ("X-RateLimit-Limit", str(rate.limit)),
            ("X-RateLimit-Remaining", str(rate.remaining)),
            ("X-RateLimit-Reset", str(int(rate.reset_at))),
            ("X-RateLimit-Used", str(rate.used)),
            ("X-RateLimit-Resource", "core"),
        ]
    return headers


def _json(status: int, data: object, headers: list[tuple[str, str]]) -> LabResponse:
    return LabResponse(status, headers, json.dumps(data, separators=(",", ":")).encode())


def _error(status: int, message: str, doc: str, headers: list[tuple[str, str]]) -> LabResponse:
    data = {"message": message, "documentation_url": doc, "status": str(status)}
    return _json(status, data, headers)


def _core_budget(request: LabRequest, state: LabState, token: str | None) -> WindowVerdict:
    """GitHub's primary limit: per IP without a token, per user with one; the window is an hour
    unless the lab-only ?window=SECONDS shortens it. Unlike GitHub, each lab route has its own
    budget, so one scenario never uses up another's."""
    try:
        window = float(request.arg("window", "3600"))
    except ValueError:
        window = 3600.0
    if token in TOKENS:
        return count_in_window(
            state, f"github:user:{token}:{request.path}", AUTHENTICATED_LIMIT, window
        )
    key = f"github:ip:{request.client_ip}:{request.path}"
    return count_in_window(state, key, UNAUTHENTICATED_LIMIT, window)


def _bad_credentials(rate: WindowVerdict) -> LabResponse:
    return _error(401, "Bad credentials", DOCS, _headers(rate))


@router.route(
    "/403/github/orgs/lab-sso-org/repos",
    methods=["GET"],
    summary="GitHub SAML SSO enforcement: a token not authorised for the organisation's SSO gets "
    "403 'Resource protected by organization SAML enforcement' with X-GitHub-SSO",
    scenario=Scenario(
        cause="sso_enforcement",
        vendor="GitHub REST API",
        refused=req(
            "GET", "/403/github/orgs/lab-sso-org/repos", {"Authorization": f"Bearer {TOKEN_REPO}"}
        ),
        fixed=req(
            "GET", "/403/github/orgs/lab-sso-org/repos", {"Authorization": f"Bearer {TOKEN_SSO}"}
        ),
    ),
)
def github_org_repos(request: LabRequest, state: LabState) -> LabResponse:
    token = _token(request)
    rate = _core_budget(request, state, token)
    if token is not None and token not in TOKENS:
        return _bad_credentials(rate)
    scopes, sso = TOKENS.get(token or "", ("", False))
    headers = _headers(rate, scopes if token else None)
    if not sso:
        url = (
            "https://github.com/orgs/lab-sso-org/sso?authorization_request="
            + secrets.token_urlsafe(24)
        )
        message = (
            "Resource protected by organization SAML enforcement. You must grant your Personal "
            "Access token access to this organization."
        )
        doc = "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/"
        return _error(403, message, doc, [*headers, ("X-GitHub-SSO", f"required; url={url}")])
    return _json(200, [{"id": 1, "name": "lab-repo", "private": True}], headers)


@router.route(
    "/403/github/repos/{owner}/{repo}",
    methods=["DELETE"],
    summary="GitHub: deleting a repository with a token lacking the delete_repo scope gets 403 "
    "'Must have admin rights to Repository.' (compare X-OAuth-Scopes and "
    "X-Accepted-OAuth-Scopes)",
    scenario=Scenario(
        cause="insufficient_scope",
        vendor="GitHub REST API",
        refused=req(
            "DELETE", "/403/github/repos/lab-org/old-repo", {"Authorization": f"token {TOKEN_REPO}"}
        ),
        fixed=req(
            "DELETE",
            "/403/github/repos/lab-org/old-repo",
            {"Authorization": f"token {TOKEN_ADMIN}"},
        ),
    ),
)
def github_delete_repo(request: LabRequest, state: LabState) -> LabResponse:
    token = _token(request)
    rate = _core_budget(request, state, token)
    if token is None:
        return _error(401, "Requires authentication", DOCS, _headers(rate))
    if token not in TOKENS:
        return _bad_credentials(rate)
    scopes = TOKENS[token][0]
    headers = [*_headers(rate, scopes), ("X-Accepted-OAuth-Scopes", "delete_repo")]
    if "delete_repo" not in [s.strip() for s in scopes.split(",")]:
        doc = "https://docs.github.com/rest/repos/repos#delete-a-repository"
        return _error(403, "Must have admin rights to Repository.", doc, headers)
    return LabResponse(204, [(k, v) for k, v in headers if k != "Content-Type"])


@router.route(
    "/403/github/rate-limit/repos/lab-org/lab-repo",
    methods=["GET"],
    summary="GitHub primary rate limit: past the unauthenticated budget (3 per window in the "
    "lab, lab-only ?window=SECONDS, default 3600) gets 403 'API rate limit exceeded for "
    "127.0.0.1' with X-RateLimit-Remaining: 0; authenticated requests have their own budget",
    scenario=Scenario(
        cause="rate_limited",
        vendor="GitHub REST API",
        setup=tuple(
            req("GET", "/403/github/rate-limit/repos/lab-org/lab-repo")
            for _ in range(UNAUTHENTICATED_LIMIT)
        ),
        refused=req("GET", "/403/github/rate-limit/repos/lab-org/lab-repo"),
        fixed=req(
            "GET",
            "/403/github/rate-limit/repos/lab-org/lab-repo",
            {"Authorization": f"Bearer {TOKEN_REPO}"},
        ),
    ),
)
def github_primary_limit(request: LabRequest, state: LabState) -> LabResponse:
    token = _token(request)
    rate = _core_budget(request, state, token)
    if token is not None and token not in TOKENS:
        return _bad_credentials(rate)
    headers = _headers(rate, TOKENS[token][0] if token else None)
    if not rate.allowed:
        who = "user ID 1000001" if token else request.client_ip
        message = f"API rate limit exceeded for {who}."
        if token is None:
            message += (
                " (But here's the good news: Authenticated requests get a higher rate limit. "
                "Check out the documentation for more details.)"
            )
        doc = f"{DOCS}/overview/rate-limits-for-the-rest-api#about-primary-rate-limits"
        return _error(403, message, doc, headers)
    return _json(200, {"id": 2, "full_name": "lab-org/lab-repo", "private": False}, headers)


@router.route(
    "/403/github/repos/lab-org/lab-repo/issues",
    methods=["POST"],
    summary="GitHub secondary rate limit: more than 3 issues created per window (lab-only "
    "?window=SECONDS, default 60) get 403 'You have exceeded a secondary rate limit' with "
    "Retry-After while X-RateLimit-Remaining is still high",
    scenario=Scenario(
        cause="rate_limited",
        vendor="GitHub REST API",
        setup=tuple(
            req(
                "POST",
                "/403/github/repos/lab-org/lab-repo/issues?window=1",
                {"Authorization": f"Bearer {TOKEN_REPO}", "Content-Type": "application/json"},
                '{"title": "lab issue"}',
            )
            for _ in range(SECONDARY_LIMIT)
        ),
        refused=req(
            "POST",
            "/403/github/repos/lab-org/lab-repo/issues?window=1",
            {"Authorization": f"Bearer {TOKEN_REPO}", "Content-Type": "application/json"},
            '{"title": "lab issue"}',
        ),
        fixed=req(
            "POST",
            "/403/github/repos/lab-org/lab-repo/issues?window=1",
            {"Authorization": f"Bearer {TOKEN_REPO}", "Content-Type": "application/json"},
            '{"title": "lab issue"}',
            wait=1.0,
        ),
    ),
)
def github_create_issue(request: LabRequest, state: LabState) -> LabResponse:
    token = _token(request)
    core = count_in_window(state, f"github:user:{token}:{request.path}", AUTHENTICATED_LIMIT, 3600)
    if token is None:
        return _error(401, "Requires authentication", DOCS, _headers(core))
    if token not in TOKENS:
        return _bad_credentials(core)
    headers = _headers(core, TOKENS[token][0])
    try:
        window = float(request.arg("window", "60"))
    except ValueError:
        window = 60.0
    burst = count_in_window(state, f"github:secondary:{token}", SECONDARY_LIMIT, window)
    if not burst.allowed:
        request_id = dict(headers)["X-GitHub-Request-Id"]
        message = (
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
            "again. If you reach out to GitHub Support for help, please include the request ID "
            f"{request_id}."
        )
        doc = f"{DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"
        return _error(403, message, doc, [*headers, ("Retry-After", str(burst.retry_after))])
    number = burst.used
    return _json(201, {"number": number, "title": _issue_title(request), "state": "open"}, headers)


def _issue_title(request: LabRequest) -> str | None:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) and title.strip() else None


@router.route(
    "/404/github/repos/lab-org/private-repo",
    methods=["GET"],
    summary="GitHub hides private repositories: without a token of a member it answers 404 "
    "Not Found, not 403",
    scenario=Scenario(
        cause="missing_credentials",
        vendor="GitHub REST API",
        refused=req("GET", "/404/github/repos/lab-org/private-repo"),
        fixed=req(
            "GET",
            "/404/github/repos/lab-org/private-repo",
            {"Authorization": f"Bearer {TOKEN_REPO}"},
        ),
    ),
)
def github_private_repo(request: LabRequest, state: LabState) -> LabResponse:
    token = _token(request)
    rate = _core_budget(request, state, token)
    if token is not None and token not in TOKENS:
        return _bad_credentials(rate)
    headers = _headers(rate, TOKENS[token][0] if token else None)
    if token is None:
        doc = f"{DOCS}/repos/repos#get-a-repository"
        return _error(404, "Not Found", doc, headers)
    return _json(200, {"id": 3, "full_name": "lab-org/private-repo", "private": True}, headers)


@router.route(
    "/422/github/repos/lab-org/lab-repo/issues",
    methods=["POST"],
    summary="GitHub: an issue without its required title gets 422 'Validation Failed' with "
    "errors[].code missing_field",
    scenario=Scenario(
        cause="malformed_request",
        vendor="GitHub REST API",
        refused=req(
            "POST",
            "/422/github/repos/lab-org/lab-repo/issues",
            {"Authorization": f"Bearer {TOKEN_REPO}", "Content-Type": "application/json"},
            '{"body": "steps to reproduce"}',
        ),
        fixed=req(
            "POST",
            "/422/github/repos/lab-org/lab-repo/issues",
            {"Authorization": f"Bearer {TOKEN_REPO}", "Content-Type": "application/json"},
            '{"title": "lab issue", "body": "steps to reproduce"}',
        ),
    ),
)
def github_validate_issue(request: LabRequest, state: LabState) -> LabResponse:
    token = _token(request)
    rate = _core_budget(request, state, token)
    if token not in TOKENS:
        return _bad_credentials(rate)
    headers = _headers(rate, TOKENS[token or ""][0])
    title = _issue_title(request)
    if title is None:
        data = {
            "message": "Validation Failed",
            "errors": [{"resource": "Issue", "code": "missing_field", "field": "title"}],
            "documentation_url": f"{DOCS}/issues/issues#create-an-issue",
            "status": "422",
        }
        return _json(422, data, headers)
    return _json(201, {"number": 1, "title": title, "state": "open"}, headers)
