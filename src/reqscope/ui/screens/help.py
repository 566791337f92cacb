"""F1: the keys that work right now, generated from the bindings (never a hand-kept list):
the app's own actions first (they work everywhere and are what people look for), then the
focused widget's editing keys."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


@dataclass(frozen=True, slots=True)
class HelpEntry:
    key: str
    description: str
    where: str


def help_entries(
    bindings: Iterable[ActiveBinding], key_display: Callable[[Binding], str] | None = None
) -> list[HelpEntry]:
    """One entry per bound action that has a description, deduplicated, in binding order."""
    entries: list[HelpEntry] = []
    seen: set[tuple[str, str]] = set()
    for active in bindings:
        binding = active.binding
        description = binding.description
        if binding.tooltip and binding.tooltip != description:
            description = f"{description} — {binding.tooltip}" if description else binding.tooltip
        if not description or binding.system:
            continue
        key = key_display(binding) if key_display else (binding.key_display or binding.key)
        where = type(active.node).__name__
        where = "app" if where.endswith("App") else where
        if (key, description) in seen:
            continue
        seen.add((key, description))
        entries.append(HelpEntry(key, description, where))
    return sorted(entries, key=lambda entry: entry.where != "app")


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: 80; max-width: 100%; height: 80%; border: thick $primary; background: $surface;
    }
    HelpScreen #help-title { height: 1; padding: 0 1; text-style: bold; }
    HelpScreen DataTable { height: 1fr; }
    HelpScreen #help-hint { height: 1; padding: 0 1; color: $text-muted; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close help"),
    ]

    def __init__(self, entries: Sequence[HelpEntry]) -> None:
        super().__init__()
        self._entries = tuple(entries)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                "reqscope — keys that work everywhere, then in the focused widget", id="help-title"
            )
            table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Action", "Where")
            for entry in self._entries:
                table.add_row(entry.key, entry.description, entry.where)
            yield table
            yield Static("ctrl+p opens the command palette with every action", id="help-hint")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
