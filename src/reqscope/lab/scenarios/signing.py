"""Signed requests: signed URLs whose signature or expiry is wrong, and a request timestamp
too far from the server's clock. The lab signs with an HMAC of its own secret (real
services use their own key schemes); what it checks, and how it words the refusal, follows
Google Cloud Storage and AWS S3.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import req
from reqscope.lab.scenarios.identity import AWS_ACCESS_KEY_ID
from reqscope.lab.scenarios.pages import compact_json, http_date, s3_error, s3_request_ids
from reqscope.lab.scenarios.stateful import lab_secret
from reqscope.lab.scenarios.tokens import sign, signature_matches

AMZ_DATE = "%Y%m%dT%H%M%SZ"
MAX_SKEW_SECONDS = 900

# --- Google Cloud Storage V2 signed URL ------------------------------------------------------

GCS_SIGNER = "/403/gcs/upload-url"
GCS_BUCKET = "lab-bucket"
GCS_ACCESS_ID = "lab-signer@lab-project.iam.gserviceaccount.com"


def _gcs_string_to_sign(method: str, content_type: str, expires: str, obj: str) -> str:
    return f"{method}\n\n{content_type}\n{expires}\n/{GCS_BUCKET}/{obj}"


def _gcs_headers() -> list[tuple[str, str]]:
    return [
        ("X-GUploader-UploadID", secrets.token_urlsafe(48)),
        ("Content-Type", "application/xml; charset=UTF-8"),
        ("Date", http_date()),
        ("Server", "UploadServer"),
        ("Vary", "Origin"),
    ]


@router.route(
    GCS_SIGNER,
    methods=["GET", "POST"],
    summary="Stands for your backend: returns a GCS V2 signed PUT URL for ?object= signed "
    "for ?content_type= (default video/mp4), valid 15 minutes",
)
def gcs_upload_url(request: LabRequest, state: LabState) -> LabResponse:
    obj = request.arg("object", "video.mp4")
    content_type = request.arg("content_type", "video/mp4")
    expires = str(int(time.time()) + 900)
    signature = sign(lab_secret(state), _gcs_string_to_sign("PUT", content_type, expires, obj))
    query = urlencode({"GoogleAccessId": GCS_ACCESS_ID, "Expires": expires, "Signature": signature})
    url = f"/403/gcs/{GCS_BUCKET}/{quote(obj)}?{query}"
    return compact_json({"url": url, "method": "PUT", "content_type": content_type})


@router.route(
    f"/403/gcs/{GCS_BUCKET}/{{object}}",
    methods=["PUT"],
    summary="Google Cloud Storage V2 signed URL: a PUT whose Content-Type differs from the one "
    "signed gets 403 SignatureDoesNotMatch with the StringToSign the server computed",
    scenario=Scenario(
        cause="signature_mismatch",
        vendor="Google Cloud Storage",
        setup=(req("POST", f"{GCS_SIGNER}?object=video.mp4&content_type=video/mp4"),),
        refused=req(
            "PUT",
            "{{setup[0].json.url}}",
            {"Content-Type": "application/octet-stream"},
            "lab video bytes",
        ),
        fixed=req("PUT", "{{setup[0].json.url}}", {"Content-Type": "video/mp4"}, "lab video bytes"),
    ),
)
def gcs_put(request: LabRequest, state: LabState) -> LabResponse:
    expires = request.arg("Expires")
    content_type = request.header("Content-Type") or ""
    to_sign = _gcs_string_to_sign("PUT", content_type, expires, request.params["object"])
    if not expires.isdigit() or not signature_matches(
        lab_secret(state), to_sign, request.arg("Signature")
    ):
        message = (
            "The request signature we calculated does not match the signature you provided. "
            "Check your Google secret key and signing method."
        )
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>SignatureDoesNotMatch</Code>"
            f"<Message>{message}</Message><StringToSign>{to_sign}</StringToSign></Error>"
        )
        return LabResponse(403, _gcs_headers(), body.encode())
    if int(expires) <= time.time():
        expired_at = datetime.fromtimestamp(int(expires), UTC).isoformat()
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code>"
            "<Message>Invalid argument.</Message><Details>The provided token has expired. "
            f"Request signature expired at: {expired_at}</Details></Error>"
        )
        return LabResponse(400, _gcs_headers(), body.encode())
    headers = [(k, v) for k, v in _gcs_headers() if k != "Content-Type"]
    etag = ("ETag", f'"{secrets.token_hex(16)}"')
    return LabResponse(200, [*headers, etag, ("x-goog-generation", str(time.time_ns() // 1000))])


# --- AWS S3 pre-signed URL -------------------------------------------------------------------

S3_PRESIGNER = "/403/aws-s3/presign"
S3_PRESIGNED = "/403/aws-s3/presigned/lab-bucket/{key}"
MAX_PRESIGN_AGE = 86400


def _s3_canonical(method: str, path: str, query: dict[str, str]) -> str:
    pairs = sorted((k, v) for k, v in query.items() if k != "X-Amz-Signature")
    return f"{method}\n{path}\n{urlencode(pairs)}"


@router.route(
    S3_PRESIGNER,
    methods=["GET"],
    summary="Stands for generate_presigned_url: a pre-signed S3 GET URL for ?key= valid "
    "?expires= seconds; lab-only ?age=SECONDS dates it in the past (a URL handed out earlier)",
)
def s3_presign(request: LabRequest, state: LabState) -> LabResponse:
    key = request.arg("key", "report.csv")
    try:
        expires = min(max(int(request.arg("expires", "300")), 1), 604800)
        age = min(max(int(request.arg("age", "0")), 0), MAX_PRESIGN_AGE)
    except ValueError:
        return compact_json({"error": "expires and age are whole seconds"}, 400)
    signed_at = datetime.fromtimestamp(time.time() - age, UTC)
    path = S3_PRESIGNED.replace("{key}", quote(key))
    query = {
        "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
        "X-Amz-Credential": f"{AWS_ACCESS_KEY_ID}/{signed_at:%Y%m%d}/us-east-1/s3/aws4_request",
        "X-Amz-Date": signed_at.strftime(AMZ_DATE),
        "X-Amz-Expires": str(expires),
        "X-Amz-SignedHeaders": "host",
    }
    query["X-Amz-Signature"] = sign(lab_secret(state), _s3_canonical("GET", path, query))
    return compact_json({"url": f"{path}?{urlencode(query)}"})


@router.route(
    S3_PRESIGNED,
    methods=["GET", "HEAD"],
    summary="AWS S3 pre-signed URL: a genuine URL past X-Amz-Date + X-Amz-Expires gets 403 "
    "AccessDenied 'Request has expired' with <Expires> and <ServerTime>",
    scenario=Scenario(
        cause="expired_signed_url",
        vendor="AWS S3",
        setup=(
            req("GET", f"{S3_PRESIGNER}?key=report.csv&expires=300&age=900"),
            req("GET", f"{S3_PRESIGNER}?key=report.csv&expires=300"),
        ),
        refused=req("GET", "{{setup[0].json.url}}"),
        fixed=req("GET", "{{setup[1].json.url}}"),
    ),
)
def s3_presigned_get(request: LabRequest, state: LabState) -> LabResponse:
    query = {name: values[0] for name, values in request.query.items()}
    canonical = _s3_canonical("GET", request.path, query)
    if "X-Amz-Signature" not in query:
        return s3_error("AccessDenied", "Access Denied")
    if not signature_matches(lab_secret(state), canonical, query["X-Amz-Signature"]):
        return s3_error(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
            {"AWSAccessKeyId": AWS_ACCESS_KEY_ID, "CanonicalRequest": canonical},
        )
    signed_at = datetime.strptime(query["X-Amz-Date"], AMZ_DATE).replace(tzinfo=UTC)
    expires_at = signed_at.timestamp() + int(query["X-Amz-Expires"])
    now = time.time()
    if now > expires_at:
        iso = "%Y-%m-%dT%H:%M:%SZ"
        return s3_error(
            "AccessDenied",
            "Request has expired",
            {
                "X-Amz-Expires": query["X-Amz-Expires"],
                "Expires": datetime.fromtimestamp(expires_at, UTC).strftime(iso),
                "ServerTime": datetime.fromtimestamp(now, UTC).strftime(iso),
            },
        )
    headers = [*s3_request_ids(), ("Date", http_date()), ("Server", "AmazonS3")]
    return LabResponse(200, [("Content-Type", "text/csv"), *headers], b"id,total\n42,9.99\n")


# --- AWS S3 request time ---------------------------------------------------------------------


@router.route(
    "/403/aws-s3/clock/lab-bucket/backup.tar",
    methods=["PUT"],
    summary="AWS S3: an x-amz-date more than 15 minutes from the server's clock gets 403 "
    "RequestTimeTooSkewed with RequestTime and ServerTime (the lab checks the time, not the "
    "signature)",
    scenario=Scenario(
        cause="clock_skew",
        vendor="AWS S3",
        refused=req(
            "PUT",
            "/403/aws-s3/clock/lab-bucket/backup.tar",
            {
                "x-amz-date": "20150604T232559Z",
                "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
                "Authorization": "AWS4-HMAC-SHA256 Credential="
                f"{AWS_ACCESS_KEY_ID}/20150604/us-east-1/s3/aws4_request, "
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "a" * 64,
            },
            "lab backup",
        ),
        fixed=req(
            "PUT",
            "/403/aws-s3/clock/lab-bucket/backup.tar",
            {
                "x-amz-date": "{{now:%Y%m%dT%H%M%SZ}}",
                "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
                "Authorization": "AWS4-HMAC-SHA256 Credential="
                f"{AWS_ACCESS_KEY_ID}/{{{{now:%Y%m%d}}}}/us-east-1/s3/aws4_request, "
                "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "a" * 64,
            },
            "lab backup",
        ),
    ),
)
def s3_clock(request: LabRequest, state: LabState) -> LabResponse:
    stamp = request.header("x-amz-date") or ""
    if not (request.header("Authorization") or "").startswith("AWS4-HMAC-SHA256 "):
        return s3_error("AccessDenied", "Access Denied")
    try:
        sent = datetime.strptime(stamp, AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        return s3_error(
            "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header"
        )
    now = datetime.now(UTC)
    if abs((now - sent).total_seconds()) > MAX_SKEW_SECONDS:
        return s3_error(
            "RequestTimeTooSkewed",
            "The difference between the request time and the current time is too large.",
            {
                "RequestTime": stamp,
                "ServerTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "MaxAllowedSkewMilliseconds": str(MAX_SKEW_SECONDS * 1000),
            },
        )
    headers = [*s3_request_ids(), ("Date", http_date()), ("Server", "AmazonS3")]
    return LabResponse(200, [*headers, ("ETag", f'"{secrets.token_hex(16)}"')])
