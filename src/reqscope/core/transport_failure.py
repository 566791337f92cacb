"""Why no response arrived: map an httpx/httpcore/ssl/socket exception to a TransportError
with a kind to branch on and one line a person can act on.

The exception chain is searched (httpx wraps httpcore, which wraps the OSError or SSLError),
because the root cause — a refused connection, an unresolvable name, an expired
certificate — is what the user needs, not the wrapper's name.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from reqscope.core.model import ErrorKind, TransportError

# OpenSSL X509_V_ERR_* codes (x509_vfy.h) that have a name in our vocabulary.
_VERIFY_CODES = {
    9: "not_yet_valid",
    10: "expired",
    18: "self_signed",
    19: "self_signed",
    2: "unknown_ca",
    20: "unknown_ca",
    21: "unknown_ca",
    62: "hostname_mismatch",
    64: "hostname_mismatch",
}
_TLS_HINTS = {
    "expired": "the server's certificate has expired",
    "not_yet_valid": "the server's certificate is not valid yet (check the clocks)",
    "self_signed": "the server's certificate is self-signed and not trusted; trust it with "
    "a CA bundle, or skip verification (--insecure) to look anyway",
    "unknown_ca": "the server's certificate was issued by a CA that is not trusted here; "
    "pass that CA's bundle, or check the server sends its intermediate certificates",
    "hostname_mismatch": "the server's certificate is not valid for this host name",
}


@dataclass(frozen=True, slots=True)
class FailureContext:
    """What the engine knew when the exception happened, to make the message specific."""

    url: str
    timeout: float
    phase: str = ""  # the last phase that started: "connect", "tls", "send", "wait", "receive"
    host: str = ""  # the host a connection was being opened to (the proxy's, with a proxy)
    proxy: str = ""
    client_cert: bool = False
    deadline_bound: bool = False  # the phase's timeout had been shortened to the total deadline
    total_timeout: float = 0.0  # the exchange's whole-time limit; 0: same as `timeout`


def describe_failure(exc: BaseException, context: FailureContext) -> TransportError:
    """The TransportError for an exception raised while sending."""
    causes = list(_chain(exc))
    tls_error = next((c for c in causes if isinstance(c, ssl.SSLError)), None)
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return TransportError(ErrorKind.INVALID_URL, _line(f"invalid URL: {exc}"))
    if tls_error is not None:
        return _tls_failure(tls_error, context)
    if isinstance(exc, httpx.ProxyError):
        return TransportError(ErrorKind.PROXY, _line(f"the proxy refused the request: {exc}"))
    if isinstance(exc, httpx.TimeoutException):
        return _timeout(exc, context)
    if isinstance(exc, httpx.ConnectError):
        return _connect_failure(causes, context)
    if isinstance(exc, httpx.DecodingError):
        return TransportError(
            ErrorKind.PROTOCOL, _line(f"the response body could not be decoded: {exc}")
        )
    if isinstance(exc, httpx.LocalProtocolError):
        return TransportError(
            ErrorKind.INVALID_REQUEST, _line(f"the request could not be encoded: {exc}")
        )
    if isinstance(exc, httpx.RemoteProtocolError):
        return _remote_protocol(exc, context)
    if isinstance(exc, httpx.NetworkError):
        reason = _os_reason(causes) or str(exc) or type(exc).__name__
        return TransportError(
            ErrorKind.CONNECT_ERROR,
            _line(f"the connection broke while {_doing(context.phase)}: {reason}"),
        )
    return TransportError(ErrorKind.OTHER, _line(f"{type(exc).__name__}: {exc}"))


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 16:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _line(text: str) -> str:
    return " ".join(text.split())


def _target(context: FailureContext) -> str:
    url = httpx.URL(context.url)
    return f"{url.host}:{url.port or (443 if url.scheme == 'https' else 80)}"


def _doing(phase: str) -> str:
    return {
        "connect": "connecting",
        "tls": "negotiating TLS",
        "send": "sending the request",
        "wait": "waiting for the response",
        "receive": "reading the response body",
    }.get(phase, "sending the request")


def _os_reason(causes: list[BaseException]) -> str:
    for cause in causes:
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror
    return ""


def _timeout(exc: httpx.TimeoutException, context: FailureContext) -> TransportError:
    seconds = f"{context.timeout:.3g} s"
    whole = f"{context.total_timeout or context.timeout:.3g} s"
    total = f" (the {whole} total timeout ran out)" if context.deadline_bound else ""
    if isinstance(exc, httpx.ConnectTimeout):
        if context.proxy:  # with a proxy, every connection this client opens is to it
            return TransportError(
                ErrorKind.PROXY, _line(f"timed out connecting to the proxy {context.proxy}")
            )
        return TransportError(
            ErrorKind.CONNECT_TIMEOUT,
            f"could not connect to {_target(context)} in time{total or ' (' + seconds + ')'}",
        )
    if isinstance(exc, httpx.WriteTimeout):
        return TransportError(ErrorKind.WRITE_TIMEOUT, f"timed out sending the request body{total}")
    if isinstance(exc, httpx.PoolTimeout):
        return TransportError(
            ErrorKind.POOL_TIMEOUT, "timed out waiting for a free connection in the pool"
        )
    if context.phase == "receive":
        message = f"the response body stalled: no data for {seconds}{total}"
    else:
        message = f"connected and sent the request, but no response within {seconds}{total}"
    return TransportError(ErrorKind.READ_TIMEOUT, message)


def _connect_failure(causes: list[BaseException], context: FailureContext) -> TransportError:
    host = context.host or httpx.URL(context.url).host
    # With a proxy the client only ever connects to the proxy (even when it shares the
    # target's host, e.g. both on 127.0.0.1); reaching the target is the proxy's job.
    via_proxy = bool(context.proxy)
    if any(isinstance(c, socket.gaierror) for c in causes):
        reason = _os_reason(causes) or "name not found"
        kind = ErrorKind.PROXY if via_proxy else ErrorKind.DNS
        return TransportError(kind, _line(f"cannot resolve host {host!r}: {reason}"))
    refused = any(isinstance(c, ConnectionRefusedError) for c in causes)
    if via_proxy:
        reason = "connection refused" if refused else _os_reason(causes) or "connect failed"
        return TransportError(
            ErrorKind.PROXY, _line(f"cannot connect to the proxy {context.proxy}: {reason}")
        )
    if refused:
        return TransportError(
            ErrorKind.CONNECT_REFUSED,
            f"connection refused by {_target(context)} (nothing is listening on that port?)",
        )
    reason = _os_reason(causes) or str(causes[0]) or "connect failed"
    return TransportError(
        ErrorKind.CONNECT_ERROR, _line(f"cannot connect to {_target(context)}: {reason}")
    )


def _remote_protocol(exc: httpx.RemoteProtocolError, context: FailureContext) -> TransportError:
    scheme = httpx.URL(context.url).scheme
    if scheme == "https" and not context.client_cert and "disconnected" in str(exc).lower():
        # A TLS 1.3 server that wants a client certificate checks it only after the
        # handshake, then hangs up: the client sees a silent disconnect.
        return TransportError(
            ErrorKind.TLS,
            "the server closed the TLS connection without a response; it may require a "
            "client certificate",
            detail="client_cert_required",
        )
    return TransportError(ErrorKind.PROTOCOL, _line(f"HTTP protocol error: {exc}"))


def _tls_failure(error: ssl.SSLError, context: FailureContext) -> TransportError:
    if isinstance(error, ssl.SSLCertVerificationError):
        detail = _VERIFY_CODES.get(error.verify_code, "other")
        hint = _TLS_HINTS.get(detail, "the server's certificate could not be verified")
        reason = error.verify_message or error.reason or "verify failed"
        if detail == "not_yet_valid":
            detail = "other"
        return TransportError(ErrorKind.TLS, _line(f"TLS: {hint} ({reason})"), detail=detail)
    reason = (error.reason or "").upper()
    if "CERTIFICATE_REQUIRED" in reason and not context.client_cert:
        return TransportError(
            ErrorKind.TLS,
            "TLS: the server requires a client certificate and none was sent",
            detail="client_cert_required",
        )
    if "HANDSHAKE_FAILURE" in reason and not context.client_cert:
        return TransportError(
            ErrorKind.TLS,
            "TLS: handshake refused by the server (no common cipher or protocol, or it "
            "requires a client certificate)",
            detail="other",
        )
    if context.client_cert and any(
        word in reason for word in ("BAD_CERTIFICATE", "UNKNOWN_CA", "CERTIFICATE_REQUIRED")
    ):
        return TransportError(
            ErrorKind.TLS,
            _line(f"TLS: the server rejected the client certificate ({error.reason})"),
            detail="other",
        )
    if "WRONG_VERSION_NUMBER" in reason or "RECORD_LAYER" in reason:
        return TransportError(
            ErrorKind.TLS,
            f"TLS: {_target(context)} did not answer with TLS (is it plain http://?)",
            detail="other",
        )
    text = error.reason or str(error) or type(error).__name__
    return TransportError(ErrorKind.TLS, _line(f"TLS failed: {text}"), detail="other")
