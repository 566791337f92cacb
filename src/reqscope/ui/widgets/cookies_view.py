"""The Cookies tab: each Set-Cookie of the response parsed into name, value (masked),
domain, path, expiry and flags. A missing `Secure` or a `SameSite=Strict` cookie explains
many "works in the browser, not here" refusals, so the attributes get their own columns."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import DataTable

from reqscope.core.model import Response
from reqscope.core.redact import MASK
from reqscope.ui.formatting import inert


@dataclass(frozen=True, slots=True)
class SetCookie:
    name: str
    value: str
    domain: str = ""
    path: str = ""
    expires: str = ""
    max_age: str = ""
    secure: bool = False
    http_only: bool = False
    same_site: str = ""
    partitioned: bool = False

    @property
    def flags(self) -> str:
        flags = [
            label
            for label, on in (
                ("Secure", self.secure),
                ("HttpOnly", self.http_only),
                ("Partitioned", self.partitioned),
            )
            if on
        ]
        if self.same_site:
            flags.append(f"SameSite={self.same_site}")
        return " ".join(flags)

    @property
    def expiry(self) -> str:
        """Max-Age wins over Expires (RFC 6265 §5.3); no attribute means a session cookie."""
        if self.max_age:
            return f"max-age {self.max_age}s"
        return self.expires or "session"


def parse_set_cookie(header: str) -> SetCookie:
    """One Set-Cookie header value. Lenient like browsers: unknown attributes are ignored and
    an attribute without `=` is a flag. (`http.cookies` chokes on real-world headers.)"""
    first, *attributes = header.split(";")
    name, sep, value = first.partition("=")
    if not sep:  # `Set-Cookie: token` is a cookie with an empty name (RFC 6265 §5.2)
        name, value = "", first
    fields: dict[str, str] = {}
    flags: set[str] = set()
    for attribute in attributes:
        key, sep, attr_value = attribute.strip().partition("=")
        key = key.strip().lower()
        if sep:
            fields[key] = attr_value.strip()
        elif key:
            flags.add(key)
    return SetCookie(
        name=name.strip(),
        value=value.strip(),
        domain=fields.get("domain", ""),
        path=fields.get("path", ""),
        expires=fields.get("expires", ""),
        max_age=fields.get("max-age", ""),
        secure="secure" in flags,
        http_only="httponly" in flags,
        same_site=fields.get("samesite", ""),
        partitioned="partitioned" in flags,
    )


def masked_value(value: str) -> str:
    """Cookie values are session secrets more often than not: show only that one is there."""
    if not value:
        return "(empty)"
    return f"{MASK} ({len(value)} chars)"


class CookiesView(DataTable[Text]):
    """A table of the response's Set-Cookie headers."""

    DEFAULT_CSS = """
    CookiesView {
        height: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.cookies: list[SetCookie] = []

    def on_mount(self) -> None:
        self.add_columns("Name", "Value", "Domain", "Path", "Expires", "Flags")

    def show(self, response: Response | None) -> None:
        self.clear()
        values = response.header_values("set-cookie") if response is not None else []
        self.cookies = [parse_set_cookie(value) for value in values]
        for cookie in self.cookies:
            self.add_row(
                # Text(str), never a str: DataTable parses str cells as markup.
                Text(inert(cookie.name), style="bold"),
                Text(masked_value(cookie.value), style="dim"),
                Text(inert(cookie.domain) or "(host only)"),
                Text(inert(cookie.path) or "(default)"),
                Text(inert(cookie.expiry)),
                Text(inert(cookie.flags)),
            )
