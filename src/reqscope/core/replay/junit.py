"""JUnit XML for CI: one <testsuite> per session, one <testcase> per request.

The shape is the common denominator that Jenkins, GitLab, GitHub Actions reporters and
Azure DevOps all read: <testsuites> with counts, <testsuite name tests failures errors skipped
time timestamp>, <testcase name classname time> holding <failure>, <error> (no response) or
<skipped>. Text that XML 1.0 cannot hold (control characters from a response) is written as
visible escapes, so the file always parses.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET

from reqscope.core.replay.report import SessionReport, result_details
from reqscope.core.replay.runner import ERROR, FAILED, SKIPPED, RequestResult

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MESSAGE_CHARS = 300


def junit_xml(reports: list[SessionReport]) -> str:
    """The whole document, as text with an XML declaration."""
    root = ET.Element("testsuites", name="reqscope replay")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    wall = 0.0
    for report in reports:
        suite = _suite(report)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
        wall += report.wall_ms
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(wall))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _suite(report: SessionReport) -> ET.Element:
    counts = report.counts
    suite = ET.Element(
        "testsuite",
        name=_clean(report.name),
        tests=str(len(report.results)),
        failures=str(counts[FAILED]),
        errors=str(counts[ERROR]),
        skipped=str(counts[SKIPPED]),
        time=_seconds(report.wall_ms),
        timestamp=report.started_at.replace(microsecond=0).isoformat(),
        file=_clean(report.path),
    )
    for result in report.results:
        suite.append(_case(report, result))
    return suite


def _case(report: SessionReport, result: RequestResult) -> ET.Element:
    case = ET.Element(
        "testcase",
        name=_clean(result.name),
        classname=_clean(report.name),
        time=_seconds(result.duration_ms),
    )
    if result.outcome == SKIPPED:
        ET.SubElement(case, "skipped", message=_clean(result.reason))
    elif result.outcome in (FAILED, ERROR):
        failures = result.failures
        tag = "error" if result.outcome == ERROR else "failure"
        kind = "transport" if result.outcome == ERROR else _failure_type(failures)
        first = failures[0] if failures else result.outcome
        element = ET.SubElement(case, tag, message=_clean(first[:MESSAGE_CHARS]), type=kind)
        element.text = _clean(textwrap.dedent("\n".join(result_details(result))))
    return case


def _failure_type(failures: list[str]) -> str:
    if failures and all(line.startswith("changed: ") for line in failures):
        return "regression"
    return "expectation"


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.3f}"


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


__all__ = ["junit_xml"]
