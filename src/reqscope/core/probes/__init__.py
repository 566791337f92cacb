"""Probes: safe follow-up experiments that test a diagnosis. From a refused exchange, send a
few controlled variants of the request (the findings' own fixes, then generic changes: no
credentials, a browser User-Agent, https, same-origin Origin/Referer, a CORS preflight, a
corrected Content-Type, a fresh CSRF token, the headers of an earlier success) and see which
change turns the refusal into a success.

Opt-in and polite: a budget, a rate cap, no repeated writes unless allowed, the original host
only, and a stop at the first rate-limit or challenge sign. See docs/probes.md.
"""

from __future__ import annotations

from reqscope.core.diagnosis.actions import describe_action
from reqscope.core.probes.describe import describe_actions, notable_headers
from reqscope.core.probes.experiment import (
    SAFE_METHODS,
    Experiment,
    MinimalFix,
    Outcome,
    ProbeOptions,
    ProbeReport,
    ProbeResult,
    Verdict,
    VerdictKind,
)
from reqscope.core.probes.plan import Plan, apply_actions, plan_experiments
from reqscope.core.probes.report import report_to_dict
from reqscope.core.probes.run import Sender, run_probes
from reqscope.core.probes.signals import Signal, stop_signal

__all__ = [
    "SAFE_METHODS",
    "Experiment",
    "MinimalFix",
    "Outcome",
    "Plan",
    "ProbeOptions",
    "ProbeReport",
    "ProbeResult",
    "Sender",
    "Signal",
    "Verdict",
    "VerdictKind",
    "apply_actions",
    "describe_action",
    "describe_actions",
    "notable_headers",
    "plan_experiments",
    "report_to_dict",
    "run_probes",
    "stop_signal",
]
