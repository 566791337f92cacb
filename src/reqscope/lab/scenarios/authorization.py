"""What the caller may do: OAuth scopes, roles (RBAC) and resource ownership. The caller is
known in every scenario here; what it holds is not enough."""

from __future__ import annotations

import uuid

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import (
    basic_credentials,
    basic_header,
    bearer_token,
    form_fields,
    req,
)
from reqscope.lab.scenarios.identity import bearer_challenge, token_request
from reqscope.lab.scenarios.pages import compact_json, http_date, utc_now
from reqscope.lab.scenarios.stateful import lab_secret
from reqscope.lab.scenarios.tokens import InvalidToken, verify_jwt

ORDERS_WRITE = "orders:write"


@router.route(
    "/403/oauth/orders",
    methods=["POST"],
    summary="Spring Security resource server: a lab JWT without scope orders:write gets 403 "
    'WWW-Authenticate: Bearer error="insufficient_scope" ... scope="orders:write"',
    scenario=Scenario(
        cause="insufficient_scope",
        vendor="Spring Security (OAuth 2.0 resource server)",
        setup=(token_request("orders:read"), token_request("orders:read orders:write")),
        refused=req(
            "POST",
            "/403/oauth/orders",
            {
                "Authorization": "Bearer {{setup[0].json.access_token}}",
                "Content-Type": "application/json",
            },
            '{"item": "lab-widget", "quantity": 1}',
        ),
        fixed=req(
            "POST",
            "/403/oauth/orders",
            {
                "Authorization": "Bearer {{setup[1].json.access_token}}",
                "Content-Type": "application/json",
            },
            '{"item": "lab-widget", "quantity": 1}',
        ),
    ),
)
def oauth_orders(request: LabRequest, state: LabState) -> LabResponse:
    token = bearer_token(request)
    if token is None:
        return LabResponse(401, [bearer_challenge()])
    try:
        claims = verify_jwt(lab_secret(state), token)
    except InvalidToken:
        return LabResponse(401, [bearer_challenge("invalid_token", "The access token is invalid")])
    if ORDERS_WRITE not in str(claims.get("scope", "")).split():
        challenge = bearer_challenge(
            "insufficient_scope",
            "The request requires higher privileges than provided by the access token.",
            error_uri="https://tools.ietf.org/html/rfc6750#section-3.1",
            scope=ORDERS_WRITE,
        )
        return LabResponse(403, [challenge])
    return compact_json({"id": str(uuid.uuid4()), "status": "created"}, 201)


# Service-account tokens the lab's API server knows, and what RBAC lets each do.
K8S_ACCOUNTS = {
    "lab-sa-default-token": ("system:serviceaccount:lab:default", False),
    "lab-sa-pod-reader-token": ("system:serviceaccount:lab:pod-reader", True),
}


def _k8s_headers() -> list[tuple[str, str]]:
    return [
        ("Audit-Id", str(uuid.uuid4())),
        ("Cache-Control", "no-cache, private"),
        ("Date", http_date()),
        ("X-Kubernetes-Pf-Flowschema-Uid", str(uuid.uuid4())),
        ("X-Kubernetes-Pf-Prioritylevel-Uid", str(uuid.uuid4())),
    ]


@router.route(
    "/403/kubernetes/api/v1/namespaces/{namespace}/pods",
    methods=["GET"],
    summary="Kubernetes API server RBAC: a service account without a Role allowing `list pods` "
    'gets 403 Status "pods is forbidden: User ... cannot list resource"',
    scenario=Scenario(
        cause="insufficient_permissions",
        vendor="Kubernetes",
        refused=req(
            "GET",
            "/403/kubernetes/api/v1/namespaces/lab/pods",
            {"Authorization": "Bearer lab-sa-default-token"},
        ),
        fixed=req(
            "GET",
            "/403/kubernetes/api/v1/namespaces/lab/pods",
            {"Authorization": "Bearer lab-sa-pod-reader-token"},
        ),
    ),
)
def k8s_pods(request: LabRequest, state: LabState) -> LabResponse:
    namespace = request.params["namespace"]
    token = bearer_token(request)
    account = K8S_ACCOUNTS.get(token or "")
    if token is not None and account is None:
        status = {"message": "Unauthorized", "reason": "Unauthorized", "code": 401}
        return compact_json(_k8s_status(status), 401, _k8s_headers())
    user, allowed = account or ("system:anonymous", False)
    if not allowed or namespace != "lab":
        message = (
            f'pods is forbidden: User "{user}" cannot list resource "pods" in API group "" '
            f'in the namespace "{namespace}"'
        )
        status = {
            "message": message,
            "reason": "Forbidden",
            "details": {"kind": "pods"},
            "code": 403,
        }
        return compact_json(_k8s_status(status), 403, _k8s_headers())
    pods = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "4242"}}
    return compact_json({**pods, "items": []}, 200, _k8s_headers())


def _k8s_status(fields: dict[str, object]) -> dict[str, object]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", **fields}


SPRING_USERS = {
    "lab-user": ("lab-password", "ROLE_USER"),
    "lab-admin": ("lab-password", "ROLE_ADMIN"),
}


@router.route(
    "/403/spring/admin/users",
    methods=["GET"],
    summary="Spring Boot + Spring Security: an authenticated user without ROLE_ADMIN gets the "
    'default /error JSON {"status":403,"error":"Forbidden",...}',
    scenario=Scenario(
        cause="insufficient_permissions",
        vendor="Spring Security",
        refused=req(
            "GET",
            "/403/spring/admin/users",
            {"Authorization": basic_header("lab-user", "lab-password")},
        ),
        fixed=req(
            "GET",
            "/403/spring/admin/users",
            {"Authorization": basic_header("lab-admin", "lab-password")},
        ),
    ),
)
def spring_admin(request: LabRequest, state: LabState) -> LabResponse:
    headers = [
        ("Vary", "Origin"),
        ("Vary", "Access-Control-Request-Method"),
        ("Vary", "Access-Control-Request-Headers"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-XSS-Protection", "0"),
        ("Cache-Control", "no-cache, no-store, max-age=0, must-revalidate"),
        ("Pragma", "no-cache"),
        ("Expires", "0"),
        ("X-Frame-Options", "DENY"),
    ]
    credentials = basic_credentials(request)
    user = SPRING_USERS.get(credentials[0]) if credentials else None
    if credentials is None or user is None or user[0] != credentials[1]:
        error = _spring_error(401, "Unauthorized", request.path)
        return compact_json(error, 401, [("WWW-Authenticate", 'Basic realm="Realm"'), *headers])
    if user[1] != "ROLE_ADMIN":
        return compact_json(_spring_error(403, "Forbidden", request.path), 403, headers)
    return compact_json([{"username": "lab-user"}, {"username": "lab-admin"}], 200, headers)


def _spring_error(status: int, error: str, path: str) -> dict[str, object]:
    stamp = utc_now().isoformat(timespec="milliseconds")
    return {"timestamp": stamp, "status": status, "error": error, "path": path}


# Which PyPI project names each lab token's user maintains.
PYPI_TOKENS = {"pypi-lab-token": ("lab-user", {"lab-user-project"})}
PYPI_OWN_PROJECT = "lab-user-project"
PYPI_OTHER_PROJECT = "someone-elses-project"


@router.route(
    "/403/pypi/legacy/",
    methods=["POST"],
    summary="PyPI (Warehouse) upload: an authenticated user uploading to a project it does not "
    "maintain gets 403 \"The user 'lab-user' isn't allowed to upload to project ...\"",
    scenario=Scenario(
        cause="resource_ownership",
        vendor="PyPI (Warehouse)",
        refused=req(
            "POST",
            "/403/pypi/legacy/",
            {
                "Authorization": basic_header("__token__", "pypi-lab-token"),
                "Content-Type": "application/x-www-form-urlencoded",
            },
            f":action=file_upload&protocol_version=1&name={PYPI_OTHER_PROJECT}&version=1.0.0",
        ),
        fixed=req(
            "POST",
            "/403/pypi/legacy/",
            {
                "Authorization": basic_header("__token__", "pypi-lab-token"),
                "Content-Type": "application/x-www-form-urlencoded",
            },
            f":action=file_upload&protocol_version=1&name={PYPI_OWN_PROJECT}&version=1.0.0",
        ),
    ),
)
def pypi_upload(request: LabRequest, state: LabState) -> LabResponse:
    credentials = basic_credentials(request)
    account = PYPI_TOKENS.get(credentials[1]) if credentials else None
    if credentials is None or credentials[0] != "__token__" or account is None:
        return _warehouse_error(403, "Invalid or non-existent authentication information.")
    user, projects = account
    name = form_fields(request).get("name", "")
    if name not in projects:
        return _warehouse_error(
            403,
            f"The user '{user}' isn't allowed to upload to project '{name}'. "
            "See https://pypi.org/help/#project-name for more information.",
        )
    return LabResponse.text("OK\n")


def _warehouse_error(status: int, message: str) -> LabResponse:
    """Warehouse puts the message in the status line too, so twine can show it."""
    body = f"{status} {message}\n\nAccess was denied to this resource.\n\n\n\n"
    headers = [("Content-Type", "text/html; charset=UTF-8"), ("Date", http_date())]
    return LabResponse(status, headers, body.encode(), reason=message)
