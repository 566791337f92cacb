"""Google APIs: one API-key check, answered the way googleapis.com does (PERMISSION_DENIED
with a google.rpc.ErrorInfo reason, or the legacy `errors[].reason` format), for a missing key,
a suspended consumer, a disabled API, a referrer restriction and a used-up quota.

The lab's keys (placeholders, each standing for a project in a given state):
  lab-api-key          project 123456789012, in good standing, every API enabled
  lab-suspended-key    a suspended consumer (e.g. after the key leaked)
  lab-new-project-key  project 210987654321, which never enabled the Cloud Translation API
  lab-browser-key      restricted to HTTP referrers https://app.example.com/*
  lab-exhausted-key    a project whose YouTube Data API daily quota is used up
"""

from __future__ import annotations

from dataclasses import dataclass

from reqscope.lab.routing import LabRequest, LabResponse, LabState, Scenario, router
from reqscope.lab.scenarios.common import req
from reqscope.lab.scenarios.pages import google_error, google_json


@dataclass(frozen=True, slots=True)
class ApiKey:
    project: str
    suspended: bool = False
    disabled_services: frozenset[str] = frozenset()
    referrer_prefix: str = ""  # "" = no HTTP-referrer restriction
    quota_exhausted: bool = False


KEYS = {
    "lab-api-key": ApiKey("123456789012"),
    "lab-suspended-key": ApiKey("123456789012", suspended=True),
    "lab-new-project-key": ApiKey(
        "210987654321", disabled_services=frozenset({"translate.googleapis.com"})
    ),
    "lab-browser-key": ApiKey("123456789012", referrer_prefix="https://app.example.com/"),
    "lab-exhausted-key": ApiKey("123456789012", quota_exhausted=True),
}


def check_key(request: LabRequest, service: str, title: str) -> LabResponse | None:
    """The refusal googleapis.com gives this request's API key, or None if it may proceed."""
    key_value = request.arg("key") or request.header("x-goog-api-key") or ""
    if not key_value:
        message = "The request is missing a valid API key."
        return google_error(403, message, "PERMISSION_DENIED", legacy_reason="forbidden")
    key = KEYS.get(key_value)
    if key is None:
        message = "API key not valid. Please pass a valid API key."
        return google_error(
            400,
            message,
            "INVALID_ARGUMENT",
            reason="API_KEY_INVALID",
            metadata={"service": service},
        )
    consumer = f"projects/{key.project}"
    if key.suspended:
        return google_error(
            403,
            f"Permission denied: Consumer 'api_key:{key_value}' has been suspended.",
            "PERMISSION_DENIED",
            reason="CONSUMER_SUSPENDED",
            metadata={"service": service, "consumer": consumer},
        )
    if service in key.disabled_services:
        url = f"https://console.developers.google.com/apis/api/{service}/overview?project={key.project}"
        message = (
            f"{title} has not been used in project {key.project} before or it is disabled. "
            f"Enable it by visiting {url} then retry. If you enabled this API recently, wait a "
            "few minutes for the action to propagate to our systems and retry."
        )
        help_links = {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [{"description": "Google developers console API activation", "url": url}],
        }
        return google_error(
            403,
            message,
            "PERMISSION_DENIED",
            reason="SERVICE_DISABLED",
            metadata={
                "consumer": consumer,
                "service": service,
                "activationUrl": url,
                "serviceTitle": title,
            },
            legacy_reason="accessNotConfigured",
            legacy_domain="usageLimits",
            extra_details=[help_links],
        )
    referer = request.header("Referer") or ""
    if key.referrer_prefix and not referer.startswith(key.referrer_prefix):
        shown = referer or "<empty>"
        message = f"Requests from referer {shown} are blocked."
        return google_error(
            403,
            message,
            "PERMISSION_DENIED",
            reason="API_KEY_HTTP_REFERRER_BLOCKED",
            metadata={"service": service, "httpReferrer": shown, "consumer": consumer},
            legacy_reason="forbidden",
        )
    return None


@router.route(
    "/403/google/sheets/v4/spreadsheets/{sheet}/values/{cells}",
    methods=["GET"],
    summary='Google Sheets API: no API key or OAuth token gets 403 PERMISSION_DENIED "The '
    'request is missing a valid API key."',
    scenario=Scenario(
        cause="missing_credentials",
        vendor="Google APIs",
        refused=req("GET", "/403/google/sheets/v4/spreadsheets/lab-sheet/values/A1:B2"),
        fixed=req(
            "GET", "/403/google/sheets/v4/spreadsheets/lab-sheet/values/A1:B2?key=lab-api-key"
        ),
    ),
)
def sheets_values(request: LabRequest, state: LabState) -> LabResponse:
    refusal = check_key(request, "sheets.googleapis.com", "Google Sheets API")
    if refusal is not None:
        return refusal
    values = {"range": f"Sheet1!{request.params['cells']}", "majorDimension": "ROWS"}
    return google_json({**values, "values": [["id", "total"], ["42", "9.99"]]})


@router.route(
    "/403/google/generativelanguage/v1beta/models/gemini-pro:generateContent",
    methods=["POST"],
    summary="Google Gemini API: a key whose consumer is suspended gets 403 PERMISSION_DENIED "
    "reason CONSUMER_SUSPENDED",
    scenario=Scenario(
        cause="account_disabled",
        vendor="Google APIs",
        refused=req(
            "POST",
            "/403/google/generativelanguage/v1beta/models/gemini-pro:generateContent"
            "?key=lab-suspended-key",
            {"Content-Type": "application/json"},
            '{"contents": [{"parts": [{"text": "hi"}]}]}',
        ),
        fixed=req(
            "POST",
            "/403/google/generativelanguage/v1beta/models/gemini-pro:generateContent"
            "?key=lab-api-key",
            {"Content-Type": "application/json"},
            '{"contents": [{"parts": [{"text": "hi"}]}]}',
        ),
    ),
)
def gemini_generate(request: LabRequest, state: LabState) -> LabResponse:
    refusal = check_key(request, "generativelanguage.googleapis.com", "Generative Language API")
    if refusal is not None:
        return refusal
    part = {"text": "Hello from the lab."}
    candidate = {"content": {"parts": [part], "role": "model"}, "finishReason": "STOP"}
    return google_json({"candidates": [candidate]})


@router.route(
    "/403/google/translate/language/translate/v2",
    methods=["GET", "POST"],
    summary="Google Cloud Translation: a key from a project that never enabled the API gets "
    "403 PERMISSION_DENIED reason SERVICE_DISABLED with the activation URL",
    scenario=Scenario(
        cause="api_not_enabled",
        vendor="Google APIs",
        refused=req(
            "GET",
            "/403/google/translate/language/translate/v2?key=lab-new-project-key&q=hello&target=de",
        ),
        fixed=req(
            "GET", "/403/google/translate/language/translate/v2?key=lab-api-key&q=hello&target=de"
        ),
    ),
)
def translate(request: LabRequest, state: LabState) -> LabResponse:
    refusal = check_key(request, "translate.googleapis.com", "Cloud Translation API")
    if refusal is not None:
        return refusal
    translation = {"translatedText": "hallo", "detectedSourceLanguage": "en"}
    return google_json({"data": {"translations": [translation]}})


@router.route(
    "/403/google/identitytoolkit/v1/accounts:signInWithPassword",
    methods=["POST"],
    summary="Google Identity Toolkit (Firebase Auth): a key restricted to HTTP referrers, called "
    "without an allowed Referer, gets 403 PERMISSION_DENIED API_KEY_HTTP_REFERRER_BLOCKED",
    scenario=Scenario(
        cause="referer_blocked",
        vendor="Google APIs",
        refused=req(
            "POST",
            "/403/google/identitytoolkit/v1/accounts:signInWithPassword?key=lab-browser-key",
            {"Content-Type": "application/json"},
            '{"email": "dev@example.com", "password": "lab", "returnSecureToken": true}',
        ),
        fixed=req(
            "POST",
            "/403/google/identitytoolkit/v1/accounts:signInWithPassword?key=lab-browser-key",
            {"Content-Type": "application/json", "Referer": "https://app.example.com/login"},
            '{"email": "dev@example.com", "password": "lab", "returnSecureToken": true}',
        ),
    ),
)
def identitytoolkit_sign_in(request: LabRequest, state: LabState) -> LabResponse:
    refusal = check_key(request, "identitytoolkit.googleapis.com", "Identity Toolkit API")
    if refusal is not None:
        return refusal
    data = {
        "kind": "identitytoolkit#VerifyPasswordResponse",
        "localId": "lab-user-0001",
        "email": "dev@example.com",
        "registered": True,
        "expiresIn": "3600",
    }
    return google_json(data)


@router.route(
    "/403/google/youtube/v3/search",
    methods=["GET"],
    summary="YouTube Data API: a project whose daily quota is used up gets 403 with "
    "errors[].reason quotaExceeded (domain youtube.quota)",
    scenario=Scenario(
        cause="quota_exceeded",
        vendor="Google APIs (YouTube Data API)",
        refused=req(
            "GET", "/403/google/youtube/v3/search?part=snippet&q=lab&key=lab-exhausted-key"
        ),
        fixed=req("GET", "/403/google/youtube/v3/search?part=snippet&q=lab&key=lab-api-key"),
    ),
)
def youtube_search(request: LabRequest, state: LabState) -> LabResponse:
    refusal = check_key(request, "youtube.googleapis.com", "YouTube Data API v3")
    if refusal is not None:
        return refusal
    if KEYS[request.arg("key") or request.header("x-goog-api-key") or ""].quota_exhausted:
        message = (
            "The request cannot be completed because you have exceeded your "
            '<a href="/youtube/v3/getting-started#quota">quota</a>.'
        )
        error = {
            "code": 403,
            "message": message,
            "errors": [{"message": message, "domain": "youtube.quota", "reason": "quotaExceeded"}],
        }
        return google_json({"error": error}, 403)
    return google_json({"kind": "youtube#searchListResponse", "items": []})
