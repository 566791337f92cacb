"""Hypothesis strategies for the model (reqscope.core.model), for property tests anywhere.

`sessions()` builds any Session a user could make: duplicate and odd headers, unicode,
multi-line bodies, quotes, `{{references}}`, every enum value, options, expectations,
captures, and recorded exchanges with text and binary bodies, timings and errors.
With `secrets=False` it builds sessions holding nothing the store would treat as a secret
(no secret variables, no credential headers, auth values, key-like query parameters or URL
passwords), which therefore save and load unchanged even without `include_secrets`.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from reqscope.core.model import (
    ApiKeyLocation,
    Auth,
    AuthKind,
    BodyKind,
    Capture,
    ErrorKind,
    Exchange,
    Expectation,
    FormField,
    Header,
    RedirectHop,
    Request,
    RequestOptions,
    Response,
    SentRequest,
    Session,
    Timings,
    TlsInfo,
    TransportError,
    Variable,
)
from reqscope.core.redact import is_sensitive_header
from reqscope.core.session_reader import CAPTURE_SOURCES, EXPECT_OPS, EXPECT_TARGETS

# Any text a file can hold: every code point but lone surrogates (not encodable as UTF-8),
# with the characters that break TOML writers and templates made frequent.
_CHARACTERS = st.one_of(
    st.characters(blacklist_categories=("Cs",)),
    st.sampled_from(list("{}\"'\\\n\r\t\x00\x7f#=[]$ é日🙂")),
)
_TRICKY = st.sampled_from(
    ["{{token}}", "{{ env.HOME }}", "\\{{x}}", "'''", '"""', "\r\n", "$HOME", '{{"a": 1}}']
)


def texts(max_size: int = 30) -> st.SearchStrategy[str]:
    """Arbitrary text, biased towards the characters that break TOML writers."""
    tricky = st.lists(st.one_of(_TRICKY, st.text(_CHARACTERS, max_size=5)), max_size=3)
    return st.one_of(st.text(_CHARACTERS, max_size=max_size), tricky.map("".join))


def multiline_texts() -> st.SearchStrategy[str]:
    lines = st.lists(texts(20), min_size=1, max_size=6)
    return st.one_of(texts(60), lines.map("\n".join), lines.map("\r\n".join))


variable_names = st.tuples(st.sampled_from("avZ_"), st.text("abcXYZ_-019", max_size=8)).map("".join)
methods = st.one_of(
    st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
    st.from_regex(r"[A-Z]{1,10}", fullmatch=True),
)
_finite = st.floats(allow_nan=False, allow_infinity=False)
# Timeouts: the session reader refuses more than a day (core/wire.MAX_TIMEOUT).
_seconds = st.floats(min_value=0.001, max_value=86400, allow_nan=False, allow_infinity=False)


def _safe_texts(max_size: int = 30) -> st.SearchStrategy[str]:
    """Text with no URL query or userinfo, so nothing in it looks like a credential."""
    return texts(max_size).filter(lambda t: "?" not in t and "@" not in t)


def header_names(secrets: bool = True) -> st.SearchStrategy[str]:
    common = st.sampled_from(
        ["Accept", "Content-Type", "User-Agent", "X-Request-Id", "Origin", "accept"]
    )
    names = st.one_of(common, texts(20))
    if secrets:
        names = st.one_of(names, st.sampled_from(["Authorization", "Cookie", "X-API-Key"]))
        return names
    return names.filter(lambda name: not is_sensitive_header(name))


def headers(secrets: bool = True) -> st.SearchStrategy[tuple[Header, ...]]:
    header = st.builds(Header, header_names(secrets), texts(), st.booleans())
    # Duplicates on purpose: the same header twice must survive a save.
    return st.lists(header, max_size=5).map(lambda hs: tuple(hs + hs[:1]) if hs else ())


def auths(secrets: bool = True) -> st.SearchStrategy[Auth]:
    if not secrets:
        return st.builds(
            Auth,
            kind=st.just(AuthKind.NONE),
            token=st.just(""),
            username=texts(),
            password=st.just(""),
            key_name=texts(),
            location=st.sampled_from(ApiKeyLocation),
        )
    return st.builds(
        Auth,
        kind=st.sampled_from(AuthKind),
        token=texts(),
        username=texts(),
        password=texts(),
        key_name=texts(),
        location=st.sampled_from(ApiKeyLocation),
    )


def options(secrets: bool = True) -> st.SearchStrategy[RequestOptions]:
    return st.one_of(
        st.just(RequestOptions()),
        st.builds(
            RequestOptions,
            timeout=_seconds,
            connect_timeout=st.none() | _seconds,
            follow_redirects=st.booleans(),
            max_redirects=st.integers(0, 50),
            verify=st.booleans(),
            ca_bundle=texts(),
            client_cert=texts(),
            client_key=texts(),
            proxy=texts() if secrets else _safe_texts(),
            http2=st.booleans(),
            max_body_bytes=st.integers(1, 2**40),
        ),
    )


expectations = st.builds(
    Expectation, st.sampled_from(EXPECT_TARGETS), st.sampled_from(EXPECT_OPS), texts(), texts()
)
captures = st.builds(
    Capture, variable_names, st.sampled_from(CAPTURE_SOURCES), texts(), st.booleans()
)
form_fields = st.builds(FormField, texts(), texts(), texts(), texts(), texts(), st.booleans())


def requests(secrets: bool = True) -> st.SearchStrategy[Request]:
    return st.builds(
        Request,
        name=texts(),
        method=methods,
        url=texts(60) if secrets else _safe_texts(60),
        headers=headers(secrets),
        body_kind=st.sampled_from(BodyKind),
        body=multiline_texts(),
        form=st.lists(form_fields, max_size=3).map(tuple),
        auth=auths(secrets),
        options=options(secrets),
        expect=st.lists(expectations, max_size=3).map(tuple),
        captures=st.lists(captures, max_size=2).map(tuple),
        description=multiline_texts(),
    )


def _wire_headers(secrets: bool) -> st.SearchStrategy[tuple[tuple[str, str], ...]]:
    pair = st.tuples(header_names(secrets), texts())
    return st.lists(pair, max_size=4).map(tuple)


def bodies() -> st.SearchStrategy[bytes]:
    text = multiline_texts().map(lambda t: t.encode("utf-8"))
    return st.one_of(text, st.binary(max_size=64))


def responses(secrets: bool = True) -> st.SearchStrategy[Response]:
    @st.composite
    def build(draw: st.DrawFn) -> Response:
        body = draw(bodies())
        is_binary = draw(st.booleans())
        charset = "" if is_binary else draw(st.sampled_from(["utf-8", "latin-1", "", "bogus"]))
        derived = ""
        if charset and charset != "bogus" and not is_binary:
            derived = body.decode(charset, errors="replace")
        text = draw(st.one_of(st.just(derived), texts()))  # usually consistent, not always
        return Response(
            status=draw(st.integers(100, 999)),
            reason=draw(texts()),
            http_version=draw(st.sampled_from(["HTTP/1.1", "HTTP/2", "HTTP/1.0"])),
            headers=draw(_wire_headers(secrets)),
            body=body,
            text=text,
            charset=charset,
            is_binary=is_binary,
            truncated=draw(st.booleans()),
            size=draw(st.integers(0, 2**40)),
        )

    return build()


timings = st.builds(
    Timings,
    dns_ms=st.none() | _finite,
    connect_ms=st.none() | _finite,
    tls_ms=st.none() | _finite,
    send_ms=st.none() | _finite,
    wait_ms=st.none() | _finite,
    receive_ms=st.none() | _finite,
    total_ms=_finite,
    reused_connection=st.booleans(),
)
transport_errors = st.builds(TransportError, st.sampled_from(ErrorKind), texts(), texts())
tls_infos = st.builds(
    TlsInfo, texts(), texts(), texts(), texts(), texts(), texts(),
    st.lists(texts(), max_size=3).map(tuple),
)  # fmt: skip
# TOML offsets are whole minutes; a naive datetime is a TOML local date-time.
_offsets = st.none() | st.integers(-23 * 60, 23 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
moments = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2200, 1, 1)),
    _offsets,
)


def exchanges(secrets: bool = True) -> st.SearchStrategy[Exchange]:
    url = texts(60) if secrets else _safe_texts(60)
    hop = st.builds(
        RedirectHop, methods, url, st.integers(300, 399), url,
        st.lists(texts(), max_size=2).map(tuple), st.just("") | methods, st.just("") | url,
    )  # fmt: skip
    sent = st.builds(SentRequest, methods, url, _wire_headers(secrets), bodies(), texts())
    return st.builds(
        Exchange,
        request=sent,
        response=st.none() | responses(secrets),
        error=st.none() | transport_errors,
        timings=st.one_of(st.just(Timings()), timings),
        redirects=st.lists(hop, max_size=2).map(tuple),
        tls=st.none() | tls_infos,
        started_at=st.none() | moments,
        request_name=texts(),
    )


def variables(secrets: bool = True) -> st.SearchStrategy[tuple[Variable, ...]]:
    secret = st.booleans() if secrets else st.just(False)
    var = st.builds(Variable, variable_names, texts(), secret)
    return st.lists(var, max_size=5, unique_by=lambda v: v.name).map(tuple)


def sessions(secrets: bool = True) -> st.SearchStrategy[Session]:
    return st.builds(
        Session,
        name=texts(),
        variables=variables(secrets),
        requests=st.lists(requests(secrets), max_size=3).map(tuple),
        history=st.lists(exchanges(secrets), max_size=2).map(tuple),
        ignore=st.lists(texts(), max_size=3).map(tuple),
    )
