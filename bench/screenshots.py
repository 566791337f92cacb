"""Regenerate screenshots/*.svg (and .png when rsvg-convert or cairosvg is available) from the
real app, driven by Pilot against an in-process lab: the demo's 403 with its diagnosis, a large
JSON body, the session sidebar on a narrow terminal, and a refused connection.

Run: .venv/bin/python bench/screenshots.py   (or `make screenshots`)
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "screenshots"
DEMO = ROOT / "sessions" / "demo.toml"
WAIT_STEPS = 400  # x 0.05 s


@dataclass(frozen=True)
class Shot:
    name: str
    request: str  # the demo request to send
    size: tuple[int, int]
    then: Callable[[Any], Awaitable[None]] | None = None


async def _open_sidebar(pilot: Any) -> None:
    await pilot.press("ctrl+b")


async def _search_body(pilot: Any) -> None:
    from reqscope.ui.widgets.body_view import BodyView

    pilot.app.query_one(BodyView).focus()
    await pilot.press("slash", *"item-00000042", "enter")


SHOTS = (
    Shot("demo-403-diagnosis", "wiki: library User-Agent", (120, 36)),
    Shot("big-json", "big JSON (5 MB)", (120, 36), _search_body),
    Shot("sidebar-narrow", "cdn: cached 403", (80, 24), _open_sidebar),
    Shot("refused-connection", "refused connection", (120, 36)),
)


async def take(shot: Shot, lab_url: str) -> Path:
    from reqscope.cli.demo import closed_port_url
    from reqscope.core.store import load_session
    from reqscope.core.workspace import Workspace
    from reqscope.ui.app import ReqscopeApp
    from reqscope.ui.sending import VariableContext
    from reqscope.ui.widgets.diagnosis_pane import DiagnosisPane

    session = load_session(DEMO)
    workspace = Workspace(session, DEMO.relative_to(ROOT))
    index = workspace.index_of(shot.request)
    assert index is not None, shot.request
    workspace.select(index)
    context = VariableContext(overrides={"lab": lab_url, "closed": closed_port_url()})
    app = ReqscopeApp(workspace, variables=context, send_at_start=True, loaded=session)
    async with app.run_test(size=shot.size) as pilot:
        for _ in range(WAIT_STEPS):
            if app.workspace.history() and app.query_one(DiagnosisPane).exchange is not None:
                break
            await pilot.pause(0.05)
        else:
            raise SystemExit(f"{shot.name}: no response after {WAIT_STEPS * 0.05:.0f} s")
        if shot.then is not None:
            await shot.then(pilot)
        await pilot.pause(0.5)
        app.clear_notifications()
        await pilot.pause(0.1)
        path = app.save_screenshot(f"{shot.name}.svg", str(OUT))
    return Path(path)


def to_png(svg: Path) -> Path | None:
    png = svg.with_suffix(".png")
    if shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", str(svg), "-o", str(png)], check=True)
        return png
    try:
        import cairosvg  # type: ignore[import-not-found]
    except ImportError:
        return None
    cairosvg.svg2png(url=str(svg), write_to=str(png))
    return png


def main() -> int:
    from reqscope.lab.server import running_lab

    os.environ.pop("NO_COLOR", None)
    OUT.mkdir(exist_ok=True)
    with running_lab() as lab:
        for shot in SHOTS:
            svg = asyncio.run(take(shot, lab.url))
            png = to_png(svg)
            print(f"{svg.relative_to(ROOT)}" + (f"  {png.relative_to(ROOT)}" if png else ""))
    if not (shutil.which("rsvg-convert")):
        print("no PNG converter found (apt-get install librsvg2-bin, or pip install cairosvg)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
