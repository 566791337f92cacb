"""A stand-in that mounts a widget in its place once the first frame is on screen.

Start-up time is mostly Textual styling and mounting widgets, so what the first frame does not
show (hidden tabs, the response tabs before any response, the save prompt) is built after it.
Unlike Textual's `Lazy`, which takes a widget already constructed, this takes a function: the
widget's module is imported, and the widget built, only then. The owner keeps working before
the widget exists: it holds its state and `built` hands it the widget to render into.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from textual.widget import MountError, Widget

W = TypeVar("W", bound=Widget)


class Deferred(Widget, Generic[W]):
    """Mounts `build()` where it stands after the first refresh, then removes itself;
    `built(widget)` is called once the widget (and what it composes) is mounted."""

    DEFAULT_CSS = """
    Deferred {
        display: none;
    }
    """

    def __init__(
        self,
        build: Callable[[], W],
        built: Callable[[W], object] | None = None,
    ) -> None:
        super().__init__()
        self._build = build
        self._built = built

    def on_mount(self) -> None:
        # After the first frame, in this widget's own task: the screen awaits its after-refresh
        # callbacks one by one, and the app's (a queued --send) must not wait for these mounts.
        self.call_after_refresh(self.call_later, self._mount_widget)

    async def _mount_widget(self) -> None:
        parent = self.parent
        if not (self.is_attached and isinstance(parent, Widget) and parent.is_attached):
            return  # the app closed before the first frame
        widget = self._build()
        try:
            await parent.mount(widget, after=self)
            await self.remove()
        except MountError:
            return  # the parent went away while mounting: nothing to show it in
        if self._built is not None and widget.is_attached:
            self._built(widget)
