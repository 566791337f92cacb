"""Replay a saved session: send its requests in order, check their expectations, carry
captured values forward, compare each response with the recorded one, and report (text,
JSON, JUnit XML). Pure: no Textual; the CLI and the app's replay screen both drive `Replay`.

Modules: jsonpath (paths shared by the rest), expectations, captures, compare, runner,
record (`--record`), report (text and JSON), junit.
"""

from __future__ import annotations

from reqscope.core.replay.captures import CaptureResult, apply_captures
from reqscope.core.replay.compare import (
    Change,
    Comparison,
    IgnoreList,
    compare_exchanges,
    parse_ignore,
)
from reqscope.core.replay.expectations import CheckResult, check_all, check_expectation
from reqscope.core.replay.record import needs_recording, with_recordings
from reqscope.core.replay.runner import (
    ERROR,
    FAILED,
    PASSED,
    SKIPPED,
    Replay,
    ReplayOptions,
    RequestResult,
    recorded_exchange,
)

__all__ = [
    "ERROR",
    "FAILED",
    "PASSED",
    "SKIPPED",
    "CaptureResult",
    "Change",
    "CheckResult",
    "Comparison",
    "IgnoreList",
    "Replay",
    "ReplayOptions",
    "RequestResult",
    "apply_captures",
    "check_all",
    "check_expectation",
    "compare_exchanges",
    "needs_recording",
    "parse_ignore",
    "recorded_exchange",
    "with_recordings",
]
