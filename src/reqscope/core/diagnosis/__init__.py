"""Why did the server refuse? Facts from an exchange, a knowledge base of rules (TOML data,
docs/knowledge-base.md), and a small engine that ranks the likely causes with evidence and
fixes. Deterministic and offline."""

from __future__ import annotations

from reqscope.core.diagnosis.actions import REQUEST_CHANGING_KINDS, apply_fix_action
from reqscope.core.diagnosis.causes import Cause, load_causes
from reqscope.core.diagnosis.check import CheckReport, check_rules
from reqscope.core.diagnosis.engine import diagnose, diagnose_full
from reqscope.core.diagnosis.facts import FACT_TYPES, Facts, extract_facts
from reqscope.core.diagnosis.kb import (
    KnowledgeBase,
    Rule,
    clear_knowledge_base_cache,
    config_rules_dir,
    load_knowledge_base,
)
from reqscope.core.diagnosis.report import (
    entry_to_dict,
    finding_to_dict,
    format_diagnosis,
    format_entry,
    summary_line,
)

__all__ = [
    "FACT_TYPES",
    "REQUEST_CHANGING_KINDS",
    "Cause",
    "CheckReport",
    "Facts",
    "KnowledgeBase",
    "Rule",
    "apply_fix_action",
    "check_rules",
    "clear_knowledge_base_cache",
    "config_rules_dir",
    "diagnose",
    "diagnose_full",
    "entry_to_dict",
    "extract_facts",
    "finding_to_dict",
    "format_diagnosis",
    "format_entry",
    "load_causes",
    "load_knowledge_base",
    "summary_line",
]
