"""Allow lists, roles and the persistent host key; the guest's colour depth; a driver's edit
applied with the host's secrets kept. Pure functions, no server."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import asyncssh
import pytest

from reqscope.core.model import Auth, AuthKind, Header, Request
from reqscope.core.redact import Redactor
from reqscope.share.driver import color_system_for
from reqscope.share.edits import apply_guest_edit, shown_to_guests
from reqscope.share.keys import (
    Role,
    ShareError,
    find_allowed,
    load_allow_lists,
    load_or_create_host_key,
    parse_allow_list,
)


def _public(comment: str) -> tuple[asyncssh.SSHKey, str]:
    key = asyncssh.generate_private_key("ssh-ed25519", comment=comment)
    return key, key.export_public_key().decode().strip()


def test_allow_list_roles_comments_and_fingerprints() -> None:
    _viewer, viewer_line = _public("ann@laptop")
    driver, driver_line = _public("bob@devbox")
    text = f"# guests\n\n{viewer_line}\nrole=driver {driver_line}\n"
    entries = parse_allow_list(text, "keys")
    assert [e.role for e in entries] == [Role.VIEWER, Role.DRIVER]
    assert [e.comment for e in entries] == ["ann@laptop", "bob@devbox"]
    assert entries[1].fingerprint == driver.get_fingerprint() and entries[1].source == "keys:4"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not-a-key", "keys:1: not an SSH public key"),
        ("role=admin {key}", "keys:1: role must be viewer or driver"),
        ('command="sh" {key}', "keys:1: unknown option"),
    ],
)
def test_a_bad_allow_line_names_file_and_line(line: str, message: str) -> None:
    _, key_line = _public("x")
    with pytest.raises(ShareError, match=message):
        parse_allow_list(line.format(key=key_line), "keys")


def test_allow_lists_merge_and_refuse_empty(tmp_path: Path) -> None:
    key, line = _public("c")
    first, second, empty = tmp_path / "a", tmp_path / "b", tmp_path / "empty"
    first.write_text(line + "\n")
    second.write_text(f"role=driver {line}\n")
    empty.write_text("# nobody\n")
    allowed = load_allow_lists([first, second])
    entry = find_allowed(allowed, key)
    assert entry is not None and entry.role is Role.DRIVER  # the larger role wins
    other, _ = _public("stranger")
    assert find_allowed(allowed, other) is None
    with pytest.raises(ShareError, match="no public key"):
        load_allow_lists([empty])
    with pytest.raises(ShareError, match="no allow list"):
        load_allow_lists([])
    with pytest.raises(ShareError, match="No such file"):
        load_allow_lists([tmp_path / "missing"])


def test_host_key_persists_user_only_and_unsafe_one_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "state"
    key = load_or_create_host_key(state)
    path = state / "share_host_key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert state.stat().st_mode & 0o777 == 0o700
    again = load_or_create_host_key(state)
    assert again.get_fingerprint() == key.get_fingerprint()
    os.chmod(path, 0o644)
    with pytest.raises(ShareError, match="readable by others"):
        load_or_create_host_key(state)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"TERM": "xterm-256color"}, "256"),
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm"}, "256"),
        ({"TERM": "linux"}, "standard"),
        ({"TERM": "dumb"}, None),
        ({}, None),
    ],
)
def test_colour_depth_comes_from_the_guests_terminal(
    environ: dict[str, str], expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")  # the host's: must not matter
    assert color_system_for(environ) == expected


SECRET = "sk-live-0123456789abcdef"


def test_a_driver_edit_keeps_the_hosts_secrets() -> None:
    host = Request(
        url="https://api.example/v1/items?api_key=" + SECRET,
        headers=(Header("Authorization", f"Bearer {SECRET}"), Header("Accept", "*/*")),
        auth=Auth(kind=AuthKind.BEARER, token=SECRET),
    )
    shown = shown_to_guests(host)
    assert SECRET not in repr(shown)
    edited = Request(
        method="POST",
        url=shown.url,
        headers=(shown.headers[1], Header("X-Debug", "1"), shown.headers[0]),  # reordered
        auth=shown.auth,
    )
    applied = apply_guest_edit(edited, host)
    assert applied.method == "POST"
    assert applied.url == host.url
    assert applied.headers == (host.headers[1], Header("X-Debug", "1"), host.headers[0])
    assert applied.auth == host.auth


def test_a_known_secret_typed_in_the_url_is_hidden_and_kept() -> None:
    """The host's redactor knows a value (an env file token) the host typed into the URL."""
    redactor = Redactor([SECRET])
    host = Request(url=f"https://api.example/v1/items?q={SECRET}")
    shown = shown_to_guests(host, redactor)
    assert SECRET not in repr(shown)
    assert apply_guest_edit(replace(shown, method="PUT"), host, redactor) == replace(
        host, method="PUT"
    )


def test_a_reference_the_guest_types_is_not_resolved_to_a_host_secret() -> None:
    host = Request(
        url="https://api.example/", headers=(Header("Authorization", f"Bearer {SECRET}"),)
    )
    shown = shown_to_guests(host)
    reference = shown.headers[0].value.split(" ", 1)[1]
    edited = Request(url=f"https://attacker.example/?t={reference}", headers=shown.headers)
    applied = apply_guest_edit(edited, host)
    assert SECRET not in applied.url
    assert applied.headers == host.headers
