"""``llmgine sessions show|delete REF``: a session by id, unique id prefix, name or latest."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from llmgine.context import SessionRecord, SessionStore
from tests.cli._llmgine import run_llmgine


def saved(folder: Path) -> SessionStore:
    times = (datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=i) for i in itertools.count())
    store = SessionStore(folder / "sessions", clock=lambda: next(times))
    for session_id, name in [
        ("0196aa00", "Paris trip"),
        ("0196ab11", "Groceries"),
        ("0196ab22", "Tax return"),
    ]:
        store.save(SessionRecord.new(session_id, name=name))
    return store


def shown_id(folder: Path, ref: str) -> str:
    run = run_llmgine(folder, "sessions", "show", "--json", ref)
    assert (run.status, run.stderr) == (0, ""), run.stderr
    return str(orjson.loads(run.stdout)["id"])


def test_show_by_latest_name_and_prefix(tmp_path: Path) -> None:
    saved(tmp_path)
    assert shown_id(tmp_path, "latest") == "0196ab22"
    assert shown_id(tmp_path, "paris TRIP") == "0196aa00"
    assert shown_id(tmp_path, "0196ab1") == "0196ab11"
    assert shown_id(tmp_path, "0196ab22") == "0196ab22"
    text = run_llmgine(tmp_path, "sessions", "show", "Groceries")
    assert text.stdout.splitlines()[:2] == ["session   0196ab11", "name      Groceries"]


def test_an_ambiguous_prefix_names_the_candidates_and_fails(tmp_path: Path) -> None:
    saved(tmp_path)
    run = run_llmgine(tmp_path, "sessions", "show", "0196ab")
    assert (run.status, run.stdout) == (1, "")
    assert run.stderr == (
        "error: '0196ab' fits 2 sessions in 'sessions': 0196ab22 ('Tax return'), "
        "0196ab11 ('Groceries'); give more of the id, or the whole id\n"
    )


def test_a_reference_that_fits_nothing_says_what_was_tried(tmp_path: Path) -> None:
    saved(tmp_path)
    run = run_llmgine(tmp_path, "sessions", "show", "Rome")
    assert run.status == 1
    assert run.stderr == (
        "error: no saved session 'Rome' in 'sessions' (no session has that id or name, nor an "
        "id starting with it); `llmgine sessions list` shows the saved ones\n"
    )
    empty = run_llmgine(tmp_path, "sessions", "--dir", "none", "show", "latest")
    assert empty.status == 1
    assert "(there are no saved sessions yet)" in empty.stderr


def test_delete_by_name_deletes_that_one_only(tmp_path: Path) -> None:
    store = saved(tmp_path)
    run = run_llmgine(tmp_path, "sessions", "delete", "tax return")
    assert (run.status, run.stdout, run.stderr) == (0, "deleted session 0196ab22\n", "")
    assert [s.id for s in store.list()] == ["0196ab11", "0196aa00"]
    assert shown_id(tmp_path, "latest") == "0196ab11"
