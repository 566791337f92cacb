from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from reqscope.core.model import Exchange, Request, Response, SentRequest, Session, Variable
from reqscope.core.workspace import (
    Workspace,
    discard_draft,
    draft_path,
    drafts_dir,
    pending_draft,
    unique_name,
    write_draft,
)


def exchange(name: str, status: int) -> Exchange:
    return Exchange(
        request=SentRequest("GET", "http://127.0.0.1/x"),
        response=Response(status=status),
        request_name=name,
    )


def two_requests() -> Session:
    return Session(
        name="s",
        requests=(Request(name="a", url="http://127.0.0.1/a"), Request(name="b")),
    )


def test_empty_session_gets_one_request_and_is_clean() -> None:
    ws = Workspace()
    assert len(ws.requests) == 1
    assert ws.current == Request()
    assert not ws.dirty
    assert ws.title == "scratch"


def test_update_marks_dirty_and_reverting_makes_clean_again() -> None:
    ws = Workspace(two_requests(), Path("x.toml"))
    original = ws.current
    ws.update(replace(original, url="http://127.0.0.1/changed"))
    assert ws.dirty
    assert ws.title == "x.toml *"
    ws.update(original)
    assert not ws.dirty


def test_add_duplicate_rename_keep_names_unique() -> None:
    ws = Workspace(two_requests())
    assert ws.add(Request(name="a")) == 2
    assert ws.current.name == "a 2"
    assert ws.duplicate(0) == 1
    assert [r.name for r in ws.requests] == ["a", "a copy", "b", "a 2"]
    assert ws.requests[1].url == "http://127.0.0.1/a"
    assert ws.rename(3, "b") == "b 2"
    assert ws.rename(3, "  ") == "request"
    # Updating with a taken name also keeps names unique.
    ws.update(replace(ws.requests[2], name="a"), 2)
    assert ws.requests[2].name == "a 2"


def test_history_follows_its_request_through_moves_and_deletes() -> None:
    ws = Workspace(two_requests())
    ws.record(exchange("a", 403), 0)
    ws.record(exchange("a", 200), 0)
    ws.record(exchange("b", 500), 1)
    assert [e.status for e in ws.history(0)] == [200, 403]  # newest first
    ws.select(1)
    assert ws.move(1, -5) == 0
    assert ws.current.name == "b"  # selection follows the moved request
    assert [e.status for e in ws.history(0)] == [500]
    assert [e.status for e in ws.history(1)] == [200, 403]
    ws.delete(0)
    assert ws.current.name == "a"
    assert [e.status for e in ws.history()] == [200, 403]
    ws.delete(0)
    assert ws.requests == (Request(),)
    assert ws.history() == ()


def test_history_is_bounded() -> None:
    ws = Workspace(history_limit=3)
    for status in range(200, 210):
        ws.record(exchange("request", status))
    assert [e.status for e in ws.history()] == [209, 208, 207]


def test_sending_does_not_make_the_session_dirty_but_is_recorded_on_save() -> None:
    loaded = replace(two_requests(), history=(exchange("b", 401),))
    ws = Workspace(loaded, Path("s.toml"))
    assert [e.status for e in ws.history(1)] == [401]
    ws.record(exchange("a", 403), 0)
    assert not ws.dirty
    ws.rename(0, "first")
    saved = ws.session_for_save()
    assert [(e.request_name, e.status) for e in saved.history] == [("first", 403), ("b", 401)]
    ws.mark_saved(Path("other.toml"))
    assert not ws.dirty
    assert ws.path == Path("other.toml")


def test_delete_before_current_keeps_the_same_request_selected() -> None:
    ws = Workspace(two_requests())
    ws.add(Request(name="c"))
    ws.delete(0)
    assert ws.current.name == "c"
    with pytest.raises(IndexError):
        ws.select(5)


def test_variables_edit_is_dirty() -> None:
    ws = Workspace(two_requests())
    ws.set_variables([Variable("base", "http://127.0.0.1:1")])
    assert ws.dirty


def test_unique_name() -> None:
    assert unique_name("x", ["x", "x 2"]) == "x 3"
    assert unique_name("y", ["x"]) == "y"


def test_drafts_dir_follows_xdg() -> None:
    assert drafts_dir({"XDG_STATE_HOME": "/s"}) == Path("/s/reqscope/drafts")
    assert drafts_dir({}).parts[-4:] == (".local", "state", "reqscope", "drafts")


def test_draft_paths_are_per_session_file(tmp_path: Path) -> None:
    a = draft_path(tmp_path / "a.toml", tmp_path)
    assert a != draft_path(tmp_path / "sub" / "a.toml", tmp_path)
    assert a.parent == tmp_path
    assert draft_path(None, tmp_path).name == "scratch.toml"


def test_draft_offered_back_when_newer_and_different(tmp_path: Path) -> None:
    from reqscope.core.store import save_session

    session_file = tmp_path / "s.toml"
    drafts = tmp_path / "drafts"
    on_disk = two_requests()
    save_session(on_disk, session_file)
    assert pending_draft(session_file, on_disk, drafts) is None

    edited = replace(on_disk, requests=(Request(name="a", url="http://127.0.0.1/typed"),))
    written = write_draft(edited, session_file, drafts)
    os.utime(session_file, (1, 1))  # the file is older than the draft
    recovered = pending_draft(session_file, on_disk, drafts)
    assert recovered is not None
    assert recovered.requests[0].url == "http://127.0.0.1/typed"

    discard_draft(session_file, drafts)
    assert not written.exists()


def test_stale_or_identical_drafts_are_removed(tmp_path: Path) -> None:
    from reqscope.core.store import save_session

    session_file = tmp_path / "s.toml"
    drafts = tmp_path / "drafts"
    on_disk = two_requests()
    draft = write_draft(on_disk, session_file, drafts)
    # Identical to what is on disk: nothing to offer.
    save_session(on_disk, session_file)
    os.utime(session_file, (1, 1))
    assert pending_draft(session_file, on_disk, drafts) is None
    assert not draft.exists()
    # Older than the file: stale.
    edited = replace(on_disk, name="changed")
    draft = write_draft(edited, session_file, drafts)
    os.utime(draft, (1, 1))
    os.utime(session_file, None)
    assert pending_draft(session_file, on_disk, drafts) is None
    assert not draft.exists()
    # Broken draft: removed, not offered.
    draft.write_text("not [toml")
    os.utime(session_file, (1, 1))
    assert pending_draft(session_file, on_disk, drafts) is None
    assert not draft.exists()


def test_scratch_draft_has_no_file_to_compare_with(tmp_path: Path) -> None:
    edited = Session(requests=(Request(url="http://127.0.0.1/typed"),))
    write_draft(edited, None, tmp_path)
    recovered = pending_draft(None, Session(), tmp_path)
    assert recovered is not None and recovered.requests[0].url == "http://127.0.0.1/typed"
