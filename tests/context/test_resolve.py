"""SessionStore.resolve: a session by exact id, unique id prefix, name, or ``latest``."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from llmgine.context import (
    AmbiguousSessionError,
    SessionError,
    SessionNotFoundError,
    SessionRecord,
    SessionStore,
)

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def ticking() -> Callable[[], datetime]:
    """A clock one second later at each call: each save is newer than the one before."""
    times = (START + timedelta(seconds=i) for i in itertools.count())
    return lambda: next(times)


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    """Three sessions saved in this order: the last, "abcd9999", is the latest."""
    store = SessionStore(tmp_path / "sessions", clock=ticking())
    for session_id, name in [
        ("abcd1234", "Paris trip"),
        ("abce5678", "Paris  TRIP"),
        ("abcd9999", "Groceries"),
    ]:
        store.save(SessionRecord.new(session_id, name=name))
    return store


def test_an_exact_id_is_itself(store: SessionStore) -> None:
    assert store.resolve("abcd1234") == "abcd1234"


def test_latest_is_the_most_recently_updated(store: SessionStore) -> None:
    assert store.resolve("latest") == "abcd9999"
    store.save(store.load("abcd1234"))  # saving again makes it the newest
    assert store.resolve("latest") == "abcd1234"
    assert store.resolve(" LATEST ") == "abcd1234"


def test_latest_skips_an_unreadable_file(store: SessionStore) -> None:
    store.save(store.load("abce5678"))
    (store.directory / "zzzz0000.json").write_text("{not json")
    assert store.resolve("latest") == "abce5678"


def test_a_unique_prefix_of_four_or_more_characters(store: SessionStore) -> None:
    assert store.resolve("abce") == "abce5678"
    assert store.resolve("abcd12") == "abcd1234"
    assert store.resolve("ABCD99") == "abcd9999"  # ids are matched ignoring case


def test_a_name_ignoring_case_and_spaces(store: SessionStore) -> None:
    assert store.resolve("groceries") == "abcd9999"
    assert store.resolve("  GROCERIES ") == "abcd9999"


def test_a_prefix_that_fits_several_names_them(store: SessionStore) -> None:
    with pytest.raises(AmbiguousSessionError) as caught:
        store.resolve("abcd")
    error = caught.value
    assert isinstance(error, SessionError)
    assert isinstance(error, LookupError)
    assert [c.id for c in error.candidates] == ["abcd9999", "abcd1234"]  # newest first
    assert str(error) == (
        f"'abcd' fits 2 sessions in {str(store.directory)!r}: abcd9999 ('Groceries'), "
        "abcd1234 ('Paris trip'); give more of the id, or the whole id"
    )


def test_a_name_that_several_sessions_share_is_ambiguous(store: SessionStore) -> None:
    with pytest.raises(AmbiguousSessionError) as caught:
        store.resolve("paris trip")
    assert {c.id for c in caught.value.candidates} == {"abcd1234", "abce5678"}


def test_a_name_and_a_prefix_fitting_two_sessions_is_no_guess(store: SessionStore) -> None:
    store.save(SessionRecord.new("other-1", name="abce"))
    with pytest.raises(AmbiguousSessionError) as caught:
        store.resolve("abce")
    assert {c.id for c in caught.value.candidates} == {"abce5678", "other-1"}


def test_an_ambiguity_names_five_and_counts_the_rest(tmp_path: Path) -> None:
    store = SessionStore(tmp_path, clock=ticking())
    for index in range(8):
        store.save(SessionRecord.new(f"same{index}"))
    with pytest.raises(AmbiguousSessionError) as caught:
        store.resolve("same")
    message = str(caught.value)
    assert message.count("same") == 6  # the reference and five candidates
    assert "same7, same6, same5, same4, same3, and 3 more;" in message


def test_a_short_prefix_is_not_enough(store: SessionStore) -> None:
    with pytest.raises(SessionNotFoundError) as caught:
        store.resolve("abc")
    assert "an id prefix needs 4 characters or more" in str(caught.value)


def test_nothing_fits(store: SessionStore) -> None:
    with pytest.raises(SessionNotFoundError) as caught:
        store.resolve("Rome trip")
    assert caught.value.session_id == "Rome trip"
    assert str(caught.value) == (
        f"no session 'Rome trip' in {str(store.directory)!r} (no session has that id or name, "
        "nor an id starting with it); SessionStore.list() shows the sessions there"
    )


def test_latest_in_an_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(SessionNotFoundError) as caught:
        SessionStore(tmp_path / "none").resolve("latest")
    assert "(there are no saved sessions yet)" in str(caught.value)


def test_a_reference_is_never_a_path(store: SessionStore, tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text("{}")
    with pytest.raises(SessionNotFoundError):
        store.resolve("../secret")


def test_an_exact_id_of_a_corrupt_file_resolves_so_load_can_say_why(
    store: SessionStore,
) -> None:
    (store.directory / "broken1.json").write_text("[]")
    assert store.resolve("broken1") == "broken1"
    assert store.resolve("brok") == "broken1"  # listed, by id, though it cannot be read


def test_an_unnamed_session_is_not_found_by_an_empty_name(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    store.save(SessionRecord.new("unnamed1"))
    with pytest.raises(SessionNotFoundError):
        store.resolve("   ")
