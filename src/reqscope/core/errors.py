"""Errors a user can cause, each with a message a person can act on. Everything that reads
user input raises one of these (never a bare KeyError or a traceback at the CLI)."""

from __future__ import annotations


class ReqscopeError(Exception):
    """Base of reqscope's own errors; `str(err)` is the one-line message to show."""


class SessionFileError(ReqscopeError):
    """A session file cannot be read: names the file, and the line and key where known."""

    def __init__(self, path: str, message: str, *, line: int | None = None, key: str = "") -> None:
        self.path = path
        self.line = line
        self.key = key
        where = path + (f":{line}" if line is not None else "")
        what = f" (key {key!r})" if key else ""
        super().__init__(f"{where}: {message}{what}")


class SessionSaveError(ReqscopeError):
    """A session cannot be written as TOML (text a file cannot hold); names the key."""


class TemplateError(ReqscopeError):
    """A `{{variable}}` cannot be expanded; names the variable and where it is used."""


class InteropError(ReqscopeError):
    """A curl command or HAR file cannot be imported; names what and where."""


class RulesError(ReqscopeError):
    """A knowledge-base rule file is invalid; names the file and the rule."""


class ReplayError(ReqscopeError):
    """A session cannot be replayed as written (a bad expectation, capture or JSON path, an
    unknown --only name); names the request and the check."""
