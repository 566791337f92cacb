"""The key footer: the keys of what is focused, on the first frame, clickable, and the palette
key kept at the right edge however narrow the terminal."""

from __future__ import annotations

from app_helpers import SIZE, make_app, screen_text, wait_until
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input

from reqscope.core.model import Request
from reqscope.ui.widgets.key_footer import KeyFooter


def footer_line(app: App[object]) -> str:
    return screen_text(app).splitlines()[-1]


async def test_the_footer_is_on_the_first_frame_with_the_palette_at_the_right() -> None:
    app = make_app(Request(url="http://127.0.0.1:1/x"))
    async with app.run_test(size=SIZE):
        # run_test returns once the first frame is up: no waiting for a recompose.
        line = footer_line(app)
        assert line.startswith(" ^q Quit  ^j Send  ^s Save")
        assert line.rstrip().endswith("▏^p palette")
        assert len(line) == SIZE[0]


async def test_the_palette_key_stays_when_keys_do_not_fit() -> None:
    app = make_app(Request(url="http://127.0.0.1:1/x"))
    async with app.run_test(size=(60, 24)):
        line = footer_line(app)
        assert line.rstrip().endswith("▏^p palette")
        assert "^q Quit" in line
        assert "f5 Replay" not in line  # cut, as Textual's footer scrolls it out of view


async def test_keys_follow_the_focus() -> None:
    app = make_app(Request(url="http://127.0.0.1:1/x"))
    async with app.run_test(size=SIZE) as pilot:
        assert "Save body" not in footer_line(app)
        app.query_one("#sidebar").query_one("#requests").focus()
        await wait_until(pilot, lambda: "New request" in footer_line(app), "the sidebar keys")
        app.query_one("#url").focus()
        await wait_until(pilot, lambda: "New request" not in footer_line(app), "the URL keys")


class Harness(App[None]):
    BINDINGS = [  # noqa: RUF012 - Textual's
        Binding("f2", "count", "Count", tooltip="Add one"),
        Binding("f3", "count", "Count again"),  # same action: shown once, like the Footer
        Binding("f4", "nothing", "Off"),
        Binding("f6", "hidden", "Hidden", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def compose(self) -> ComposeResult:
        yield Input()
        yield KeyFooter()

    def action_count(self) -> None:
        self.count += 1

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "nothing" else True  # None: shown, dimmed, does nothing


async def test_a_click_presses_the_key_and_a_disabled_key_only_rings() -> None:
    app = Harness()
    async with app.run_test(size=(80, 10)) as pilot:
        line = footer_line(app)
        assert "f2 Count" in line and "Count again" not in line and "Hidden" not in line
        footer = app.query_one(KeyFooter)
        await pilot.click(KeyFooter, offset=(line.index("Count"), 0))
        await wait_until(pilot, lambda: app.count == 1, "the f2 action")
        off = footer.item_at(line.index("Off"))
        assert off is not None and not off.enabled
        await pilot.click(KeyFooter, offset=(line.index("Off"), 0))
        await pilot.pause()
        assert app.count == 1
        assert footer.item_at(line.index("palette")) is not None  # the palette key is there
        assert footer.item_at(len(line.rstrip()) + 1) is None  # the trailing blank is not


async def test_hovering_a_key_sets_its_tooltip() -> None:
    app = Harness()
    async with app.run_test(size=(80, 10)) as pilot:
        line = footer_line(app)
        await pilot.hover(KeyFooter, offset=(line.index("Count"), 0))
        assert app.query_one(KeyFooter).tooltip == "Add one"
        await pilot.hover(KeyFooter, offset=(line.index("Off"), 0))
        assert app.query_one(KeyFooter).tooltip == "Off"  # no tooltip: the description


class CountingFooter(KeyFooter):
    renders = 0

    def render(self) -> Content:
        CountingFooter.renders += 1
        return super().render()


class RefreshHarness(Harness):
    off_enabled = False

    def compose(self) -> ComposeResult:
        yield Input()
        yield CountingFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "nothing":
            return True if self.off_enabled else None
        return True


async def test_refreshed_bindings_that_read_the_same_do_not_repaint() -> None:
    """Bindings are refreshed on every response (the diagnosis pane's keys), mostly to the
    same keys: the key bar is drawn again only when what it shows changed."""
    app = RefreshHarness()
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        drawn = CountingFooter.renders
        for _ in range(3):
            app.refresh_bindings()
            await pilot.pause()
        assert CountingFooter.renders == drawn
        footer = app.query_one(CountingFooter)
        off = footer.item_at(footer_line(app).index("Off"))
        assert off is not None and not off.enabled
        app.off_enabled = True  # the same keys, one of them no longer dimmed
        app.refresh_bindings()
        await wait_until(pilot, lambda: CountingFooter.renders > drawn, "a repaint")
        off = footer.item_at(footer_line(app).index("Off"))
        assert off is not None and off.enabled
