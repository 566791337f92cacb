"""How each vendor words a refusal: status, headers and body as the real service sends them,
with request ids and references made fresh per request. Kept in one place so the scenario
modules read as "which vendor, which condition" and the wording is checked once.
"""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import UTC, datetime
from email.utils import formatdate
from typing import Any
from xml.sax.saxutils import escape

from reqscope.lab.routing import LabResponse

# Placeholder names that stand for "the site" in pages that name it; never a real host.
SITE = "www.example.com"

CLOUDFLARE_NO_CACHE = (
    "private, max-age=0, no-store, no-cache, must-revalidate, post-check=0, pre-check=0"
)


def http_date() -> str:
    return formatdate(usegmt=True)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _upper_hex(nbytes: int) -> str:
    return secrets.token_hex(nbytes).upper()


def compact_json(
    data: Any,
    status: int = 200,
    headers: list[tuple[str, str]] | None = None,
    content_type: str = "application/json",
) -> LabResponse:
    """JSON the way most APIs send it: one line, no spaces after separators."""
    body = json.dumps(data, separators=(",", ":")).encode()
    return LabResponse(status, [("Content-Type", content_type), *(headers or [])], body)


# --- Cloudflare ------------------------------------------------------------------------------


def cloudflare_ray() -> str:
    return f"{secrets.token_hex(8)}-AMS"


def cloudflare_headers(ray: str) -> list[tuple[str, str]]:
    return [
        ("Date", http_date()),
        ("Content-Type", "text/html; charset=UTF-8"),
        ("Server", "cloudflare"),
        ("CF-RAY", ray),
        ("Cache-Control", CLOUDFLARE_NO_CACHE),
        ("Expires", "Thu, 01 Jan 1970 00:00:01 GMT"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("Vary", "Accept-Encoding"),
    ]


def cloudflare_error(
    code: int,
    title: str,
    subheadline: str,
    *,
    what_happened: str,
    client_ip: str,
    status: int = 403,
) -> LabResponse:
    """Cloudflare's numbered error page (1000, 1003, 1006, 1020 ...), as served to browsers."""
    ray = cloudflare_ray()
    ray_id = ray.split("-")[0]
    stamp = utc_now().strftime("%Y-%m-%d %H:%M:%S UTC")
    body = f"""<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<!--[if gt IE 8]><!--> <html class="no-js" lang="en-US"> <!--<![endif]-->
<head>
<title>{escape(title)}</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/cf.errors.css" />
</head>
<body>
  <div id="cf-wrapper">
    <div id="cf-error-details" class="cf-error-details-wrapper">
      <div class="cf-wrapper cf-header cf-error-overview">
        <h1>
          <span class="cf-error-type" data-translate="error">Error</span>
          <span class="cf-error-code">{code}</span>
          <small class="heading-ray-id">Ray ID: {ray_id} &bull; {stamp}</small>
        </h1>
        <h2 class="cf-subheadline" data-translate="error_desc">{escape(subheadline)}</h2>
      </div>
      <div class="cf-section cf-wrapper">
        <div class="cf-columns two">
          <div class="cf-column">
            <h2 data-translate="what_happened">What happened?</h2>
            <p>{what_happened}</p>
          </div>
        </div>
      </div>
      <div class="cf-error-footer cf-wrapper">
        <p>
          <span class="cf-footer-item">Cloudflare Ray ID: <strong>{ray_id}</strong></span>
          <span class="cf-footer-separator">&bull;</span>
          <span id="cf-footer-item-ip" class="cf-footer-item">Your IP: {escape(client_ip)}</span>
          <span class="cf-footer-separator">&bull;</span>
          <span class="cf-footer-item"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing" id="brand_link" target="_blank">Cloudflare</a></span>
        </p>
      </div>
    </div>
  </div>
</body>
</html>
"""  # noqa: E501
    return LabResponse(status, cloudflare_headers(ray), body.encode())


# --- AWS -------------------------------------------------------------------------------------


def s3_request_ids() -> list[tuple[str, str]]:
    host_id = base64.b64encode(secrets.token_bytes(56)).decode()
    return [("x-amz-request-id", _upper_hex(8)), ("x-amz-id-2", host_id)]


def s3_error(
    code: str, message: str, extra: dict[str, str] | None = None, status: int = 403
) -> LabResponse:
    """S3's REST error document: `<Error><Code>` + `<Message>`, request ids in headers and
    body alike."""
    ids = s3_request_ids()
    fields = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in (extra or {}).items())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{escape(message)}</Message>{fields}"
        f"<RequestId>{ids[0][1]}</RequestId><HostId>{ids[1][1]}</HostId></Error>"
    )
    headers = [
        *ids,
        ("Content-Type", "application/xml"),
        ("Date", http_date()),
        ("Server", "AmazonS3"),
    ]
    return LabResponse(status, headers, body.encode())


def apigateway_error(message: str, error_type: str, status: int = 403) -> LabResponse:
    """Amazon API Gateway's own JSON error (before the integration runs)."""
    headers = [
        ("Date", http_date()),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("x-amzn-ErrorType", error_type),
        ("x-amz-apigw-id", base64.b64encode(secrets.token_bytes(12)).decode()[:16]),
    ]
    return compact_json({"message": message}, status, headers)


def cloudfront_error(status: int, headline: str, detail: str) -> LabResponse:
    """CloudFront's "The request could not be satisfied" page."""
    request_id = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
    body = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE>
</HEAD><BODY>
<H1>{status} ERROR</H1>
<H2>The request could not be satisfied.</H2>
<HR noshade size="1px">
{headline}
{detail}
<BR clear="all">
If you provide content to customers through CloudFront, you can find steps to troubleshoot and help prevent this error by reviewing the CloudFront documentation.
<BR clear="all">
<HR noshade size="1px">
<PRE>
Generated by cloudfront (CloudFront)
Request ID: {request_id}
</PRE>
<ADDRESS>
</ADDRESS>
</BODY></HTML>"""  # noqa: E501
    headers = [
        ("Content-Type", "text/html"),
        ("Server", "CloudFront"),
        ("Date", http_date()),
        ("X-Cache", "Error from cloudfront"),
        ("Via", f"1.1 {secrets.token_hex(16)}.cloudfront.net (CloudFront)"),
        ("X-Amz-Cf-Pop", "AMS58-P1"),
        ("X-Amz-Cf-Id", request_id),
    ]
    return LabResponse(status, headers, body.encode())


# --- Google ----------------------------------------------------------------------------------


def google_error(
    status: int,
    message: str,
    status_text: str,
    *,
    reason: str = "",
    metadata: dict[str, str] | None = None,
    legacy_reason: str = "",
    legacy_domain: str = "global",
    extra_details: list[dict[str, Any]] | None = None,
) -> LabResponse:
    """Google APIs' JSON error: `error.status` (PERMISSION_DENIED ...) and, in newer APIs, a
    `google.rpc.ErrorInfo` detail whose `reason` is the machine-readable cause."""
    error: dict[str, Any] = {"code": status, "message": message}
    if legacy_reason:
        error["errors"] = [{"message": message, "domain": legacy_domain, "reason": legacy_reason}]
    error["status"] = status_text
    details = list(extra_details or [])
    if reason:
        details.append(
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": reason,
                "domain": "googleapis.com",
                "metadata": metadata or {},
            }
        )
    if details:
        error["details"] = details
    return google_json({"error": error}, status)


def google_json(data: Any, status: int = 200) -> LabResponse:
    headers = [
        ("Vary", "Origin"),
        ("Vary", "X-Origin"),
        ("Vary", "Referer"),
        ("Content-Type", "application/json; charset=UTF-8"),
        ("Date", http_date()),
        ("Server", "ESF"),
        ("Cache-Control", "private"),
        ("X-XSS-Protection", "0"),
        ("X-Frame-Options", "SAMEORIGIN"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    return LabResponse(status, headers, json.dumps(data, indent=2).encode())


# --- web servers -----------------------------------------------------------------------------

NGINX = "nginx/1.24.0"
APACHE = "Apache/2.4.62 (Debian)"


def nginx_page(status: int, reason: str) -> LabResponse:
    """nginx's built-in error page (server_tokens on)."""
    body = (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>{NGINX}</center>\r\n"
        "</body>\r\n</html>\r\n"
    )
    headers = [("Server", NGINX), ("Date", http_date()), ("Content-Type", "text/html")]
    return LabResponse(status, headers, body.encode())


def apache_page(status: int, title: str, message: str, port: int) -> LabResponse:
    """Apache httpd 2.4's built-in error page."""
    reason = title.split(" ", 1)[1]
    body = (
        '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n'
        f"<title>{title}</title>\n</head><body>\n<h1>{reason}</h1>\n<p>{message}</p>\n<hr>\n"
        f"<address>{APACHE} Server at 127.0.0.1 Port {port}</address>\n</body></html>\n"
    )
    headers = [
        ("Date", http_date()),
        ("Server", APACHE),
        ("Content-Type", "text/html; charset=iso-8859-1"),
    ]
    return LabResponse(status, headers, body.encode())


def iis_detailed_error(
    substatus: int, short: str, description: str, *, causes: list[str], module: str, port: int
) -> LabResponse:
    """IIS 10's detailed error page (what a request from the server itself sees)."""
    items = "".join(f"<li>{escape(c)}</li>" for c in causes)
    body = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/>
<title>IIS 10.0 Detailed Error - 403.{substatus} - Forbidden</title>
</head>
<body>
<div id="content">
<div class="content-container">
  <h3>HTTP Error 403.{substatus} - Forbidden ({escape(short)})</h3>
  <h4>{escape(description)}</h4>
</div>
<div class="content-container">
 <fieldset><h4>Most likely causes:</h4>
  <ul>{items}</ul>
 </fieldset>
</div>
<div class="content-container">
 <fieldset><h4>Detailed Error Information:</h4>
  <div id="details-left">
   <table border="0" cellpadding="0" cellspacing="0">
    <tr class="alt"><th>Module</th><td>&nbsp;&nbsp;&nbsp;{module}</td></tr>
    <tr><th>Notification</th><td>&nbsp;&nbsp;&nbsp;BeginRequest</td></tr>
    <tr class="alt"><th>Handler</th><td>&nbsp;&nbsp;&nbsp;StaticFile</td></tr>
    <tr><th>Error Code</th><td>&nbsp;&nbsp;&nbsp;0x80070005</td></tr>
   </table>
  </div>
  <div id="details-right">
   <table border="0" cellpadding="0" cellspacing="0">
    <tr class="alt"><th>Requested URL</th><td>&nbsp;&nbsp;&nbsp;http://127.0.0.1:{port}/app/</td></tr>
    <tr><th>Physical Path</th><td>&nbsp;&nbsp;&nbsp;C:\\inetpub\\wwwroot\\app\\</td></tr>
   </table>
  </div>
 </fieldset>
</div>
</div>
</body>
</html>
"""
    headers = [
        ("Content-Type", "text/html"),
        ("Server", "Microsoft-IIS/10.0"),
        ("X-Powered-By", "ASP.NET"),
        ("Date", http_date()),
    ]
    return LabResponse(403, headers, body.encode())


def akamai_access_denied(url: str) -> LabResponse:
    """Akamai's edge refusal: "Access Denied ... Reference #" with the URL HTML-entity encoded."""
    reference = f"18.{secrets.token_hex(4)}.{int(utc_now().timestamp())}.{secrets.token_hex(4)}"
    body = (
        "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \n"
        f'You don\'t have permission to access "{_entities(url)}" on this server.<P>\n'
        f"Reference&#32;&#35;{_entities(reference)}\n"
        f"<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;{_entities(reference)}</P>\n"
        "</BODY>\n</HTML>\n"
    )
    headers = [
        ("Server", "AkamaiGHost"),
        ("Mime-Version", "1.0"),
        ("Content-Type", "text/html"),
        ("Expires", http_date()),
        ("Cache-Control", "max-age=0, no-cache, no-store"),
        ("Pragma", "no-cache"),
        ("Date", http_date()),
    ]
    return LabResponse(403, headers, body.encode())


def _entities(text: str) -> str:
    """Akamai encodes punctuation as decimal entities (`&#58;` for `:`)."""
    return "".join(ch if ch.isalnum() else f"&#{ord(ch)};" for ch in text)
