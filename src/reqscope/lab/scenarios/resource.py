"""What is being asked for: directories, unreadable files, paths and stages that do not exist
(answered with 403), content withheld for legal reasons, refusals replayed from a cache,
and an origin that is misconfigured.

Where only the site owner can fix it, a documented lab-only query parameter stands for the
owner's change; each summary names it.
"""

from __future__ import annotations

import time
import uuid

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import req
from reqscope.lab.scenarios.pages import (
    NGINX,
    apache_page,
    apigateway_error,
    cloudflare_error,
    cloudflare_ray,
    compact_json,
    http_date,
    nginx_page,
    s3_error,
    s3_request_ids,
)
from reqscope.lab.scenarios.stateful import first_seen

ASSETS = {"app.css": ("text/css", b"body { margin: 0 }\n"), "app.js": ("text/javascript", b"")}


@router.route(
    "/403/nginx/assets/",
    summary="nginx with autoindex off: a directory URL without an index file gets nginx's "
    "plain 403 page",
    scenario=Scenario(
        cause="directory_listing_denied",
        vendor="nginx",
        refused=req("GET", "/403/nginx/assets/"),
        fixed=req("GET", "/403/nginx/assets/app.css"),
    ),
)
def nginx_assets_dir(request: LabRequest, state: LabState) -> LabResponse:
    return nginx_page(403, "Forbidden")


@router.route("/403/nginx/assets/{name}", summary="A file inside /403/nginx/assets/")
def nginx_asset(request: LabRequest, state: LabState) -> LabResponse:
    found = ASSETS.get(request.params["name"])
    if found is None:
        return nginx_page(404, "Not Found")
    content_type, body = found
    return LabResponse(200, [("Server", NGINX), ("Content-Type", content_type)], body)


@router.route(
    "/403/apache/files/report.pdf",
    summary="Apache httpd: a file the server process cannot read (mode 0600, another owner) "
    "gets Apache's plain 403 page. Lab-only ?chmod=644 stands for the owner fixing the mode",
    scenario=Scenario(
        cause="filesystem_permissions",
        vendor="Apache httpd",
        refused=req("GET", "/403/apache/files/report.pdf"),
        fixed=req("GET", "/403/apache/files/report.pdf?chmod=644"),
    ),
)
def apache_file(request: LabRequest, state: LabState) -> LabResponse:
    try:
        mode = int(request.arg("chmod", "600"), 8)
    except ValueError:
        mode = 0o600
    if not mode & 0o004:  # "other" (the www-data user) cannot read it
        message = "You don't have permission to access this resource."
        return apache_page(403, "403 Forbidden", message, request.port)
    headers = [("Date", http_date()), ("Server", "Apache/2.4.62 (Debian)")]
    return LabResponse(200, [*headers, ("Content-Type", "application/pdf")], b"%PDF-1.4\n")


APIGW_STAGES = {"prod"}


@router.route(
    "/403/aws-apigateway/{stage}/orders",
    summary="Amazon API Gateway: a stage (or path) that is not deployed gets 403 "
    '{"message":"Missing Authentication Token"}, not 404',
    scenario=Scenario(
        cause="wrong_endpoint",
        vendor="Amazon API Gateway",
        refused=req("GET", "/403/aws-apigateway/dev/orders"),
        fixed=req("GET", "/403/aws-apigateway/prod/orders"),
    ),
)
def apigateway_stage(request: LabRequest, state: LabState) -> LabResponse:
    if request.params["stage"] not in APIGW_STAGES:
        return apigateway_error(
            "Missing Authentication Token", "MissingAuthenticationTokenException"
        )
    return compact_json({"orders": [{"id": 42}]}, 200, [("x-amzn-RequestId", str(uuid.uuid4()))])


S3_SITE_KEYS = {"index.html": b"<!doctype html><div id=app></div>\n"}


@router.route(
    "/403/aws-s3/lab-site/{key}",
    methods=["GET", "HEAD"],
    summary="AWS S3 REST endpoint without s3:ListBucket: a key that does not exist (an SPA deep "
    "link) gets 403 AccessDenied instead of 404",
    scenario=Scenario(
        cause="wrong_endpoint",
        vendor="AWS S3",
        refused=req("GET", "/403/aws-s3/lab-site/about"),
        fixed=req("GET", "/403/aws-s3/lab-site/index.html"),
    ),
)
def s3_site(request: LabRequest, state: LabState) -> LabResponse:
    body = S3_SITE_KEYS.get(request.params["key"])
    if body is None:
        return s3_error("AccessDenied", "Access Denied")
    headers = [*s3_request_ids(), ("Date", http_date()), ("Server", "AmazonS3")]
    return LabResponse(200, [("Content-Type", "text/html"), *headers], body)


@router.route(
    "/451/legal/reports/lab-leak",
    summary="RFC 7725: a resource withheld by a legal demand gets 451 Unavailable For Legal "
    'Reasons with Link: <...>; rel="blocked-by". The lab-only X-Lab-Client-Country header '
    "stands for asking from a jurisdiction the demand does not cover (default: covered)",
    scenario=Scenario(
        cause="legal_block",
        vendor="RFC 7725",
        refused=req("GET", "/451/legal/reports/lab-leak"),
        fixed=req("GET", "/451/legal/reports/lab-leak", {"X-Lab-Client-Country": "US"}),
    ),
)
def legal_block(request: LabRequest, state: LabState) -> LabResponse:
    if (request.header("X-Lab-Client-Country") or "").upper() not in {"US", "GB", "DE", "JP"}:
        body = (
            "<html>\n<head><title>Unavailable For Legal Reasons</title></head>\n<body>\n"
            "<h1>Unavailable For Legal Reasons</h1>\n<p>This request may not be serviced in "
            'your region due to a court order; see <a href="https://legal.example.org/orders/'
            'lab-2024-17">the order</a>.</p>\n</body>\n</html>\n'
        )
        headers = [
            ("Content-Type", "text/html; charset=utf-8"),
            ("Link", '<https://legal.example.org/orders/lab-2024-17>; rel="blocked-by"'),
            ("Date", http_date()),
        ]
        return LabResponse(451, headers, body.encode())
    return LabResponse.text("<h1>Report</h1>\n", content_type="text/html; charset=utf-8")


@router.route(
    "/403/cloudflare/cached/data.json",
    summary="Cloudflare cache replaying an origin 403 (CF-Cache-Status: HIT, Age) after the "
    "origin was fixed; a cache-busting query (?v=2) reaches the origin, which now answers 200",
    scenario=Scenario(
        cause="cached_denial",
        vendor="Cloudflare (cache) + AWS S3 origin",
        refused=req("GET", "/403/cloudflare/cached/data.json"),
        fixed=req("GET", "/403/cloudflare/cached/data.json?v=2"),
    ),
)
def cloudflare_cached(request: LabRequest, state: LabState) -> LabResponse:
    edge = [("Server", "cloudflare"), ("CF-RAY", cloudflare_ray()), ("Date", http_date())]
    if not request.query:
        # The edge stored the origin's refusal when the lab first saw this URL, 4 h TTL.
        stored = first_seen(state, "cloudflare-cached:data.json")
        age = int(time.time() - stored) + 600
        cached = s3_error("AccessDenied", "Access Denied")
        origin = [(k, v) for k, v in cached.headers if k.lower() not in {"date", "server"}]
        cached.headers = [
            *origin,
            *edge,
            ("Cache-Control", "public, max-age=14400"),
            ("CF-Cache-Status", "HIT"),
            ("Age", str(age)),
        ]
        return cached
    headers = [*edge, ("CF-Cache-Status", "MISS"), ("Cache-Control", "public, max-age=14400")]
    return compact_json({"data": [1, 2, 3]}, 200, headers)


@router.route(
    "/403/cloudflare/1000/",
    summary="Cloudflare error 1000: the site's DNS record points at a prohibited (Cloudflare) "
    "IP, a site misconfiguration. Lab-only ?dns=origin stands for the owner fixing the record",
    scenario=Scenario(
        cause="server_misconfiguration",
        vendor="Cloudflare",
        refused=req("GET", "/403/cloudflare/1000/"),
        fixed=req("GET", "/403/cloudflare/1000/?dns=origin"),
    ),
)
def cloudflare_1000(request: LabRequest, state: LabState) -> LabResponse:
    if request.arg("dns") != "origin":
        return cloudflare_error(
            1000,
            "DNS points to prohibited IP | www.example.com | Cloudflare",
            "DNS points to prohibited IP",
            what_happened="You've requested a page on a website (www.example.com) that is on the "
            '<a href="https://www.cloudflare.com/5xx-error-landing/" target="_blank">'
            "Cloudflare</a> network. Unfortunately, it is resolving to an IP address that is "
            "creating a conflict within Cloudflare's system.",
            client_ip=request.client_ip,
        )
    response = LabResponse.text("<h1>Welcome</h1>\n", content_type="text/html; charset=utf-8")
    response.headers += [("Server", "cloudflare"), ("CF-RAY", cloudflare_ray())]
    return response
