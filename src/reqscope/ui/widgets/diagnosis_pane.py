"""The diagnosis pane: why the server refused, as ranked findings with their evidence and the
fixes to try, and the causes ruled out. It only renders a Diagnosis; "try fix" posts a
message and the app applies the fix to the request and resends (never from in here)."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from reqscope.core.model import Diagnosis, Exchange, Finding, Fix, RuledOut
from reqscope.ui.formatting import (
    describe_action,
    inert,
    percent,
    score_bar,
    transport_error_hint,
)

IDLE_TEXT = "Send a request: the diagnosis of the response shows here."
PENDING_TEXT = "Diagnosing…"


SCORE_BAR_CELLS = 5  # short, so rank, score and cause id fit one line of a narrow pane


def actionable_fix(finding: Finding) -> Fix | None:
    """The fix "try fix" applies: the first one that is a change the app can make."""
    return next((fix for fix in finding.fixes if fix.action is not None), None)


class Item(NamedTuple):
    """A paragraph with a hanging indent: `lead` starts its first line, `indent` (as wide)
    starts the lines it wraps onto, so numbers and quote bars stay in their own column."""

    lead: Content
    indent: Content
    text: Content


def item(text: Content | str, lead: str = "", style: str = "", *, quote: bool = False) -> Item:
    """An Item whose wrapped lines line up under its text (or repeat a quote bar)."""
    body = text if isinstance(text, Content) else Content(text)
    first = Content.styled(lead, style) if lead else Content()
    rest = first if quote else Content(" " * first.cell_length)
    return Item(first, rest, body)


def wrap_items(items: list[Item], width: int) -> list[Content]:
    """The items as screen lines, `width` cells wide at most."""
    lines: list[Content] = []
    for entry in items:
        room = max(width - entry.lead.cell_length, 8)
        wrapped = entry.text.wrap(room) if entry.text else [Content()]
        lines.append(entry.lead + wrapped[0])
        lines.extend(entry.indent + line for line in wrapped[1:])
    return lines


class HangingText(Widget):
    """Paragraphs with hanging indents. Textual wraps text flush to the left edge, which in a
    30-column pane loses list numbers and quote bars among the wrapped lines."""

    DEFAULT_CSS = """
    HangingText {
        height: auto;
    }
    """

    def __init__(self, items: list[Item], *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.items = items

    def show(self, items: list[Item]) -> None:
        self.items = items
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(wrap_items(self.items, width))

    def render(self) -> Content:
        return Content("\n").join(wrap_items(self.items, self.content_size.width))


def finding_head(finding: Finding, rank: int, *, expanded: bool) -> Content:
    """`▾ 1  ████░  72%  cause_id`: the title goes below it, on lines of its own."""
    return Content.assemble(
        ("▾ " if expanded else "▸ ", "$accent"),
        (f"{rank}  ", "bold"),
        (score_bar(finding.score, SCORE_BAR_CELLS), "$primary"),
        (f" {percent(finding.score):>4}  ", "$text-muted"),
        (inert(finding.cause), "$text-muted"),
    )


def finding_title(finding: Finding) -> list[Item]:
    return [item(Content.styled(inert(finding.title), "bold"), "  ")]


def finding_details(finding: Finding) -> list[Item]:
    """Evidence (quoted), fixes in order (the one "t" applies marked) and references. Evidence
    quotes the response, so everything is drawn inert."""
    items: list[Item] = []
    if finding.evidence:
        items.append(item(Content.styled("Evidence", "$text-muted italic")))
        items += [item(inert(line), "┃ ", "$text-muted", quote=True) for line in finding.evidence]
    chosen = actionable_fix(finding)
    if finding.fixes:
        items.append(item(Content.styled("Fixes", "$text-muted italic")))
        for number, fix in enumerate(finding.fixes, start=1):
            items.append(item(inert(fix.text), f"{number}. "))
            if fix is chosen and fix.action is not None:
                action = fix.action
                label = describe_action(action.kind, action.name, action.value)
                items.append(item(Content.styled(f"press t to {label}", "bold $success"), "   → "))
    if chosen is None:
        note = "No automatic fix for this one: apply it by hand, then resend."
        items.append(item(Content.styled(note, "$text-muted")))
    if finding.references:
        items.append(item(Content.styled("See", "$text-muted italic")))
        items += [item(Content.styled(inert(ref), "$text-muted")) for ref in finding.references]
    return items


def ruled_out_items(ruled_out: tuple[RuledOut, ...]) -> list[Item]:
    return [
        item(Content.assemble((inert(entry.cause), "bold"), "  ", inert(entry.reason)))
        for entry in ruled_out
    ]


def headline(diagnosis: Diagnosis, exchange: Exchange) -> Content:
    """One line above the findings: the transport error hint, a count, or all clear."""
    if exchange.error is not None:
        hint = transport_error_hint(exchange.error, exchange.request.url)
        return Content.styled(hint, "bold $error")
    count = len(diagnosis.findings)
    status = exchange.status
    if count:
        noun = "likely cause" if count == 1 else "likely causes"
        return Content.assemble((f"{count} {noun}", "bold"), ("  t fix · z zoom", "$text-muted"))
    if status is not None and 200 <= status < 300:
        return Content.styled("✓ No problems found.", "$success")
    return Content.styled(
        f"No known cause matched this {status} response: read its body and headers for the "
        "server's own reason.",
        "$text-muted",
    )


def toggle_zoom(pane: Widget) -> None:
    """Maximise `pane` to the whole screen, or restore the layout if it is maximised: the
    panes are narrow at 80x24, and a long diagnosis or body reads better full size."""
    screen = pane.screen
    if screen.maximized is pane:
        screen.minimize()
    else:
        screen.maximize(pane, container=False)


def fill_when_maximised(pane: Widget, maximised: Widget | None) -> None:
    """Textual keeps a maximised widget's own size, and a pane sized by the app's stylesheet
    (a fraction of a row) beats any default rule: inline styles make it fill the screen, and
    clearing them restores the layout however it was minimised (z, escape, the palette)."""
    if maximised is pane:
        pane.styles.width = "1fr"
        pane.styles.height = "1fr"
    else:
        pane.styles.clear_rule("width")
        pane.styles.clear_rule("height")


class FindingView(Vertical):
    """One finding: a head line (rank, score, cause id), its title, and its details when
    expanded; wrapped lines keep their indents, so it reads in a 30-column pane. A view is
    reused for the next diagnosis's finding of the same rank (`show`): mounting four widgets
    per finding on every response cost each app ~15 ms a send."""

    DEFAULT_CSS = """
    FindingView {
        height: auto;
        padding: 0 1 0 0;
        margin-bottom: 1;
        border-left: blank;
    }
    FindingView.-selected {
        background: $boost;
        border-left: outer $primary;
    }
    FindingView > .finding-details {
        display: none;
        padding-left: 2;
    }
    FindingView.-expanded > .finding-details {
        display: block;
    }
    """

    def __init__(self, finding: Finding, rank: int, *, expanded: bool) -> None:
        super().__init__(classes="-expanded" if expanded else "")
        self.finding = finding
        self.rank = rank

    @property
    def expanded(self) -> bool:
        return self.has_class("-expanded")

    def compose(self) -> ComposeResult:
        head = finding_head(self.finding, self.rank, expanded=self.expanded)
        yield Static(head, classes="finding-head")
        yield HangingText(finding_title(self.finding), classes="finding-title")
        yield HangingText(finding_details(self.finding), classes="finding-details")

    def set_expanded(self, expanded: bool) -> None:
        self.set_class(expanded, "-expanded")
        head = finding_head(self.finding, self.rank, expanded=expanded)
        self.query_one(".finding-head", Static).update(head)

    def show(self, finding: Finding, *, expanded: bool) -> None:
        """Another finding in this place (same rank)."""
        self.finding = finding
        if not self.children:  # not composed yet: compose draws the new finding
            self.set_class(expanded, "-expanded")
            return
        self.query_one(".finding-title", HangingText).show(finding_title(finding))
        self.query_one(".finding-details", HangingText).show(finding_details(finding))
        self.set_expanded(expanded)


class DiagnosisPane(Widget, can_focus=True):
    """Ranked findings for the shown exchange; up/down select, enter expands, t tries the
    selected finding's fix by posting FixRequested."""

    DEFAULT_CSS = """
    DiagnosisPane {
        height: 1fr;
        layout: vertical;
    }
    DiagnosisPane > #diagnosis-headline {
        padding: 0 1;
        background: $boost;
        height: auto;
    }
    DiagnosisPane > #diagnosis-findings {
        height: 1fr;
    }
    DiagnosisPane:focus FindingView.-selected {
        border-left: outer $accent;
    }
    DiagnosisPane #ruled-out {
        padding: 0;
        margin-top: 1;
    }
    DiagnosisPane #ruled-out Static {
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "select_next", "Next finding", show=False),
        Binding("up,k", "select_previous", "Previous finding", show=False),
        Binding("enter,space", "toggle_finding", "Expand/collapse", tooltip="Show the evidence"),
        Binding("t", "try_fix", "Try fix", tooltip="Apply the finding's fix and resend"),
        Binding(
            "z", "toggle_zoom", "Zoom", tooltip="Fill the screen with the diagnosis (z again: back)"
        ),
        Binding("pagedown", "page_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Scroll up", show=False),
    ]

    class SelectionMoved(Message):
        """The user selected another finding (a share host's guests may follow it)."""

    class FixRequested(Message):
        """The user asked to apply `fix` (which has an action) of `finding` and resend."""

        def __init__(self, fix: Fix, finding: Finding) -> None:
            super().__init__()
            self.fix = fix
            self.finding = finding

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, name: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes, name=name)
        self.diagnosis: Diagnosis | None = None
        self.exchange: Exchange | None = None
        self.selected = 0
        self._views: list[FindingView] = []
        # The ruled-out list and its text, built with the first diagnosis that needs them.
        self._ruled_out: tuple[Collapsible, HangingText] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.styled(IDLE_TEXT, "$text-muted"), id="diagnosis-headline")
        findings = VerticalScroll(id="diagnosis-findings")
        findings.can_focus = False  # the pane keeps focus; up/down move the selection
        yield findings

    def on_mount(self) -> None:
        self.watch(self.screen, "maximized", self._maximised_changed, init=False)

    def _maximised_changed(self, maximised: Widget | None) -> None:
        fill_when_maximised(self, maximised)

    # --- public API ---------------------------------------------------------------------------

    def show_pending(self) -> None:
        self._show(None, None, Content.styled(PENDING_TEXT, "$accent"))

    def show_diagnosis(self, diagnosis: Diagnosis | None, exchange: Exchange | None) -> None:
        if exchange is None:
            self._show(None, None, Content.styled(IDLE_TEXT, "$text-muted"))
            return
        diagnosis = diagnosis if diagnosis is not None else Diagnosis()
        self._show(diagnosis, exchange, headline(diagnosis, exchange))

    @property
    def selected_finding(self) -> Finding | None:
        views = self._views
        return views[self.selected].finding if 0 <= self.selected < len(views) else None

    # --- rendering ----------------------------------------------------------------------------

    def _show(self, diagnosis: Diagnosis | None, exchange: Exchange | None, head: Content) -> None:
        """Finding views are reused rank by rank; only the difference is mounted or removed."""
        self.diagnosis = diagnosis
        self.exchange = exchange
        self.selected = 0
        self.query_one("#diagnosis-headline", Static).update(head)
        container = self.query_one("#diagnosis-findings", VerticalScroll)
        findings = diagnosis.findings if diagnosis else ()
        kept, surplus = self._views[: len(findings)], self._views[len(findings) :]
        for view, finding in zip(kept, findings, strict=False):
            view.show(finding, expanded=view.rank == 1)
        added = [
            FindingView(finding, rank, expanded=rank == 1)
            for rank, finding in enumerate(findings[len(kept) :], start=len(kept) + 1)
        ]
        self._views = kept + added
        for view in surplus:
            view.remove()
        if added:
            container.mount_all(added, before=self._ruled_out[0] if self._ruled_out else None)
        self._show_ruled_out(diagnosis.ruled_out if diagnosis is not None else (), container)
        container.scroll_home(animate=False)
        self._mark_selected()

    def _show_ruled_out(self, ruled: tuple[RuledOut, ...], container: Widget) -> None:
        """Built on the first diagnosis that rules something out, then kept (hidden when
        nothing is ruled out) and shown collapsed for each new diagnosis."""
        title = f"Ruled out ({len(ruled)})"
        if self._ruled_out is None:
            if not ruled:
                return
            text = HangingText(ruled_out_items(ruled))
            collapsible = Collapsible(text, title=title, collapsed=True, id="ruled-out")
            self._ruled_out = (collapsible, text)
            container.mount(collapsible)
            return
        collapsible, text = self._ruled_out
        collapsible.display = bool(ruled)
        collapsible.collapsed = True
        collapsible.title = title
        text.show(ruled_out_items(ruled))

    def _mark_selected(self) -> None:
        for index, view in enumerate(self._views):
            view.set_class(index == self.selected, "-selected")
        self.refresh_bindings()
        self.call_after_refresh(self._scroll_to_selected)

    def _scroll_to_selected(self) -> None:
        if 0 <= self.selected < len(self._views) and self._views[self.selected].is_mounted:
            self.query_one("#diagnosis-findings", VerticalScroll).scroll_to_widget(
                self._views[self.selected], animate=False
            )

    # --- actions ------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Dim "Try fix" in the footer when the selected finding has no automatic fix."""
        if action == "try_fix":
            finding = self.selected_finding
            return (finding is not None and actionable_fix(finding) is not None) or None
        if action in ("toggle_finding", "select_next", "select_previous"):
            return bool(self._views) or None
        return True

    def action_select_next(self) -> None:
        if self._views:
            self.select(self.selected + 1)
            self.post_message(self.SelectionMoved())

    def action_select_previous(self) -> None:
        if self._views:
            self.select(self.selected - 1)
            self.post_message(self.SelectionMoved())

    def select(self, index: int) -> None:
        """Select the finding at `index` (clamped to the findings shown)."""
        if self._views:
            self.selected = min(max(index, 0), len(self._views) - 1)
            self._mark_selected()

    def action_toggle_finding(self) -> None:
        views = self._views
        if 0 <= self.selected < len(views):
            view = views[self.selected]
            view.set_expanded(not view.expanded)
            self.call_after_refresh(self._scroll_to_selected)

    def action_try_fix(self) -> None:
        finding = self.selected_finding
        fix = actionable_fix(finding) if finding is not None else None
        if finding is None or fix is None:
            self.notify("This finding has no automatic fix: apply it by hand.", severity="warning")
            return
        self.post_message(self.FixRequested(fix, finding))

    def action_toggle_zoom(self) -> None:
        toggle_zoom(self)

    def action_page_down(self) -> None:
        self.query_one("#diagnosis-findings", VerticalScroll).scroll_page_down()

    def action_page_up(self) -> None:
        self.query_one("#diagnosis-findings", VerticalScroll).scroll_page_up()
