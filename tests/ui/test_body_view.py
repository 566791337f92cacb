"""BodyView in a small harness app: what is on screen, keys, search, wrap, inert text."""

from __future__ import annotations

import json

from textual.app import App, ComposeResult
from textual.widgets import Input

from reqscope.core import body as body_module
from reqscope.core.body import BodyDocument
from reqscope.core.model import Response
from reqscope.ui.widgets.body_view import BodyView

SIZE = (80, 20)


class BodyApp(App[None]):
    def __init__(self, document: BodyDocument | None = None) -> None:
        super().__init__()
        self.document = document
        self.search_events: list[BodyView.SearchChanged] = []

    def compose(self) -> ComposeResult:
        yield BodyView()

    def on_mount(self) -> None:
        view = self.query_one(BodyView)
        view.show(self.document)
        view.focus()

    def on_body_view_search_changed(self, event: BodyView.SearchChanged) -> None:
        self.search_events.append(event)


def screen_lines(app: App[None]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def view_lines(app: App[None]) -> list[str]:
    view = app.query_one(BodyView)
    return [view.render_line(y).text for y in range(view.size.height)]


def numbered(count: int) -> BodyDocument:
    return BodyDocument("\n".join(f"line {i}" for i in range(count)))


async def test_shows_first_lines_with_a_gutter() -> None:
    app = BodyApp(numbered(100))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = view_lines(app)
        assert lines[0].startswith("  1 line 0")
        assert lines[4].startswith("  5 line 4")
        assert any("line 0" in line for line in screen_lines(app))


async def test_keys_scroll_the_view() -> None:
    app = BodyApp(numbered(200))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(BodyView)
        await pilot.press("down", "down")
        assert view.scroll_offset.y == 2
        assert view_lines(app)[0].startswith("  3 line 2")
        await pilot.press("pagedown")
        assert view.scroll_offset.y > 2
        await pilot.press("G")
        assert view.scroll_offset.y == view.max_scroll_y
        assert any("line 199" in line for line in view_lines(app))
        await pilot.press("g")
        assert view.scroll_offset.y == 0


async def test_horizontal_scroll_keeps_the_gutter() -> None:
    document = BodyDocument("x" * 80 + "TAIL" + "y" * 100)
    app = BodyApp(document)
    async with app.run_test(size=SIZE) as pilot:
        assert "TAIL" not in view_lines(app)[0]
        await pilot.press(*["right"] * 10)
        line = view_lines(app)[0]
        assert line.startswith("1 ")
        assert "TAIL" in line


async def test_search_with_slash_enter_and_n() -> None:
    text = "\n".join(f"row {i} {'needle' if i % 50 == 0 else 'hay'}" for i in range(500))
    app = BodyApp(BodyDocument(text))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(BodyView)
        await pilot.press("slash")
        assert isinstance(app.focused, Input)
        await pilot.press(*"needle", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.focused is view
        last = app.search_events[-1]
        assert (last.query, last.index, last.total, last.status) == ("needle", 0, 10, "1/10")
        await pilot.press("n", "n")
        await pilot.pause()
        assert app.search_events[-1].status == "3/10"
        assert any("row 100 needle" in line for line in view_lines(app))
        assert view.scroll_offset.y > 0
        assert any("3/10" in line for line in screen_lines(app))
        await pilot.press("N")
        assert app.search_events[-1].status == "2/10"
        await pilot.press("escape")
        assert app.search_events[-1].total == 0


async def test_current_match_is_styled_apart_from_other_matches() -> None:
    app = BodyApp(BodyDocument("ab ab ab"))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(BodyView)
        await pilot.press("slash", "a", "b", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        segments = list(view.render_line(0))
        styles = {seg.text: seg.style for seg in segments if seg.text == "ab"}
        match_styles = [seg.style for seg in segments if seg.text == "ab"]
        assert len(match_styles) == 3 and styles
        assert match_styles[0] != match_styles[1]
        assert match_styles[1] == match_styles[2]


async def test_bad_regex_is_reported_not_raised() -> None:
    app = BodyApp(BodyDocument("abc"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+r", "slash", "(", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("invalid regular expression" in line for line in screen_lines(app))


async def test_wrap_toggle_wraps_long_lines() -> None:
    app = BodyApp(BodyDocument("start " + "z" * 300 + " end\nsecond"))
    async with app.run_test(size=SIZE) as pilot:
        assert "second" in view_lines(app)[1]
        await pilot.press("w")
        await pilot.pause()
        lines = view_lines(app)
        assert lines[0].startswith("1 start")
        assert lines[1].startswith("  zzz")
        assert any(line.rstrip().endswith(" end") for line in lines[:6])
        assert any(line.startswith("2 second") for line in lines[:8])
        await pilot.press("w")
        await pilot.pause()
        assert view_lines(app)[1].startswith("2 second")


async def test_escapes_and_markup_are_shown_inert() -> None:
    body = "[bold red]not bold[/] \x1b[31mred\x1b[0m \x1b]52;c;aGk=\x07 bell\x07\ttab"
    app = BodyApp(BodyDocument(body))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        view = app.query_one(BodyView)
        segments = list(view.render_line(0))
        text = "".join(seg.text for seg in segments)
        assert "[bold red]not bold[/]" in text
        assert "\u241b[31mred" in text
        assert all(ord(ch) >= 0x20 for seg in segments for ch in seg.text)
        assert not any(seg.style and seg.style.bold for seg in segments if "not" in seg.text)
        assert any("[bold red]not bold[/]" in line for line in screen_lines(app))


async def test_binary_body_is_a_hex_dump() -> None:
    response = Response(status=200, body=bytes(range(40)), is_binary=True)
    app = BodyApp(BodyDocument.from_response(response))
    async with app.run_test(size=(100, 10)) as pilot:
        await pilot.pause()
        lines = view_lines(app)
        assert lines[0].startswith("1 00000000  00 01 02 03")
        assert lines[2].startswith("3 00000020  20 21 22")
        assert "| !\"#$%&'|" in lines[2]


async def test_truncated_body_shows_a_notice_first() -> None:
    response = Response(status=200, body=b"abc\n", text="abc\n", truncated=True, size=10 << 20)
    app = BodyApp(BodyDocument.from_response(response))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = view_lines(app)
        assert lines[0].startswith("body truncated at 4 B of 10.0 MiB")
        assert "save to file" in lines[0]
        assert lines[1].startswith("1 abc")


async def test_empty_and_no_document() -> None:
    app = BodyApp(BodyDocument(""))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert view_lines(app)[0].startswith("(empty body)")
        app.query_one(BodyView).show(None)
        await pilot.pause()
        assert view_lines(app)[0].strip() == ""


async def test_show_replaces_the_document_and_resets_scroll() -> None:
    app = BodyApp(numbered(300))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(BodyView)
        await pilot.press("pagedown", "pagedown")
        assert view.scroll_offset.y > 0
        view.show(BodyDocument("other"))
        await pilot.pause()
        assert view.scroll_offset.y == 0
        assert view_lines(app)[0].startswith("1 other")
        assert view.document is not None and view.document.line(0) == "other"


async def test_big_json_shows_its_first_lines_and_loads_the_rest() -> None:
    items = [{"id": i, "name": f"user-{i}", "tags": ["a", "b"]} for i in range(100_000)]
    body = json.dumps({"data": items}, separators=(",", ":")).encode()
    assert len(body) > 4_500_000
    response = Response(
        status=200,
        headers=(("content-type", "application/json"),),
        body=body,
        text=body.decode(),
        size=len(body),
    )
    document = BodyDocument.from_response(response)
    assert not document.is_complete
    app = BodyApp(document)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = view_lines(app)
        assert lines[0].rstrip().endswith("{")
        assert lines[1].rstrip().endswith('"data": [')
        assert lines[3].rstrip().endswith('"id": 0,')
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert document.is_complete
        await pilot.press("G")
        assert view_lines(app)[-1].rstrip().endswith("}")


async def test_light_theme_and_ansi_render() -> None:
    app = BodyApp(BodyDocument('{"a": 1}', language="json"))
    async with app.run_test(size=SIZE) as pilot:
        dark = list(app.query_one(BodyView).render_line(1))
        app.theme = "textual-light"
        await pilot.pause()
        light = list(app.query_one(BodyView).render_line(1))
        assert "".join(s.text for s in dark) == "".join(s.text for s in light)
        key_dark = next(s.style for s in dark if s.text == '"a"')
        key_light = next(s.style for s in light if s.text == '"a"')
        assert key_dark is not None and key_light is not None
        assert key_dark.color != key_light.color


def big_json_document(records: int = 30_000) -> BodyDocument:
    items = [{"id": i, "name": f"user-{i}"} for i in range(records)]
    items[-1]["name"] = "the-last-needle"
    body = json.dumps({"data": items}, separators=(",", ":"))
    return BodyDocument(body, language="json")


async def test_only_the_lines_on_screen_are_laid_out_and_highlighted() -> None:
    document = big_json_document()
    app = BodyApp(document)
    async with app.run_test(size=SIZE) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert document.is_complete and document.line_count > 100_000
        view = app.query_one(BodyView)
        # Lexed: the first 256-line window only; rendered: about one screen of rows.
        assert {window for _revision, window in document._lex_cache} == {0}
        assert len(view._strips) <= 2 * SIZE[1]
        await pilot.press("G")
        await pilot.pause()
        last_window = (document.line_count - 1) // 256
        assert {w for _r, w in document._lex_cache} <= {0, last_window - 1, last_window}
        assert view_lines(app)[-1].rstrip().endswith("}")
        # A pretty-printed body keeps no second copy of its text: blocks are made again.
        assert len(document._index.made) <= body_module.MADE_CHUNKS


async def test_search_covers_the_whole_body_even_before_it_is_loaded() -> None:
    document = big_json_document()
    assert not document.is_complete
    app = BodyApp(document)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash", *"the-last-needle", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.search_events[-1].status == "1/1"
        assert any("1/1" in line for line in screen_lines(app))  # the visible count
        assert any('"name": "the-last-needle"' in line for line in view_lines(app))
        await pilot.press("n")  # wraps around to the same, only match
        assert app.search_events[-1].status == "1/1"
