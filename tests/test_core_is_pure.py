"""The core must run headless: no module under reqscope.core may import textual or rich,
and the headless CLI commands must not import reqscope.ui."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import reqscope.core

CORE_MODULES = sorted(
    info.name for info in pkgutil.walk_packages(reqscope.core.__path__, prefix="reqscope.core.")
)


@pytest.mark.parametrize("module", ["reqscope.core", *CORE_MODULES])
def test_core_module_does_not_import_textual_or_rich(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} imports {out.stdout.strip()}"


def test_importing_reqscope_is_light() -> None:
    code = (
        "import sys, reqscope, reqscope.cli\n"
        "print(sorted(m for m in ('textual', 'rich', 'httpx') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
