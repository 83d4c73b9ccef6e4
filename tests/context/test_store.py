"""SessionStore: round trips, the file format, permissions, atomic writes, ids, bad files."""

from __future__ import annotations

import itertools
import os
import pickle
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import orjson
import pytest
from pydantic import ValidationError

from llmgine.context._store import SessionRecord, SessionStore, SessionSummary
from llmgine.context._store_errors import (
    CorruptSessionError,
    InvalidSessionIdError,
    SessionError,
    SessionNotFoundError,
)
from llmgine.llm._types import (
    AssistantMessage,
    ToolCall,
    ToolResultMessage,
    Usage,
    UserMessage,
)

START = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def ticking() -> Callable[[], datetime]:
    """A clock one second later at each call: orders saves without sleeping."""
    times = (START + timedelta(seconds=i) for i in itertools.count())
    return lambda: next(times)


def full_record(session_id: str = "chat-1") -> SessionRecord:
    call = ToolCall(id="call-1", name="weather", arguments='{"city": "Paris"}')
    return SessionRecord(
        id=session_id,
        name="Weather chat",
        created_at=START - timedelta(days=1),
        updated_at=START - timedelta(days=1),
        model="offline:stand-in",
        system_prompt="Be brief.",
        messages=[
            UserMessage(content="Weather in Paris?"),
            AssistantMessage(content="", tool_calls=(call,)),
            ToolResultMessage(
                tool_call_id="call-1", name="weather", content="no network", is_error=True
            ),
            AssistantMessage(content="I could not find out."),
        ],
        usage=Usage(input_tokens=120, output_tokens=30),
    )


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    return SessionStore(tmp_path / "sessions", clock=ticking())


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- round trip and format -----------------------------------------------------------------


def test_a_record_with_every_kind_of_message_round_trips(store: SessionStore) -> None:
    record = full_record()
    path = store.save(record)
    assert path == store.path("chat-1") == store.directory / "chat-1.json"
    loaded = SessionStore(store.directory).load("chat-1")
    assert loaded == record.model_copy(update={"updated_at": START})
    assert loaded.usage.total_tokens == 150
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == timedelta(0)
    assert isinstance(loaded.messages[2], ToolResultMessage)
    assert loaded.messages[2].is_error


def test_save_leaves_the_given_record_as_it_was(store: SessionStore) -> None:
    record = full_record()
    store.save(record)
    assert record.updated_at == START - timedelta(days=1)
    assert store.load("chat-1").updated_at == START


def test_the_file_is_indented_json_with_the_documented_fields(store: SessionStore) -> None:
    text = store.save(full_record()).read_text()
    assert text.startswith('{\n  "format": 1,\n  "id": "chat-1",')
    data = orjson.loads(text)
    assert list(data) == [
        "format",
        "id",
        "name",
        "created_at",
        "updated_at",
        "model",
        "system_prompt",
        "messages",
        "usage",
    ]
    assert data["updated_at"] == "2025-03-01T12:00:00Z"
    assert data["usage"] == {"input_tokens": 120, "output_tokens": 30}
    assert [m["role"] for m in data["messages"]] == ["user", "assistant", "tool", "assistant"]
    assert data["messages"][0] == {"role": "user", "content": "Weather in Paris?"}
    assert data["messages"][1]["tool_calls"][0]["arguments"] == '{"city": "Paris"}'
    assert data["messages"][2]["is_error"] is True


def test_times_are_stored_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    record = SessionRecord(id="a", created_at=START.astimezone(paris), updated_at=START)
    assert record.created_at.tzinfo is UTC
    assert record.created_at == START


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        SessionRecord(id="a", created_at=datetime(2025, 1, 1), updated_at=START)


def test_a_new_record_has_a_fresh_valid_id_and_aware_times(store: SessionStore) -> None:
    first, second = SessionRecord.new(), SessionRecord.new(name="x", system_prompt="p")
    assert first.id != second.id
    assert store.path(first.id).name == first.id + ".json"  # valid: path() would raise
    assert first.created_at == first.updated_at
    assert first.created_at.tzinfo is UTC
    assert (second.name, second.system_prompt, second.messages) == ("x", "p", [])
    assert SessionRecord.new("given").id == "given"
    assert store.new_id() != store.new_id()
    store.path(store.new_id())


# -- permissions and atomic writes ---------------------------------------------------------


def test_the_file_is_owner_only_and_missing_folders_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "deep" / "er" / "sessions"
    path = SessionStore(folder).save(SessionRecord.new("a"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for level in (folder, folder.parent, folder.parent.parent):
        assert stat.S_IMODE(level.stat().st_mode) == 0o700, level


def test_the_mode_does_not_depend_on_the_umask(tmp_path: Path) -> None:
    # This umask strips the owner's write bit: only explicit chmods give 0o600 and 0o700.
    previous = os.umask(0o277)
    try:
        path = SessionStore(tmp_path / "s").save(SessionRecord.new("a"))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o750)
    os.chmod(folder, 0o750)
    SessionStore(folder).save(SessionRecord.new("a"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o750


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_crash_mid_write_leaves_the_old_file_and_no_temporary(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = store.save(full_record())
    before = path.read_bytes()
    temporaries: list[str] = []
    real = getattr(os, failing)

    def crash(*args: object) -> None:
        if failing == "replace":
            temporaries.append(str(args[0]))
        raise OSError("disk pulled out")

    monkeypatch.setattr(os, failing, crash)
    changed = full_record().model_copy(update={"name": "changed"})
    with pytest.raises(OSError, match="disk pulled out"):
        store.save(changed)
    monkeypatch.setattr(os, failing, real)
    assert path.read_bytes() == before
    assert files_in(store.directory) == ["chat-1.json"]
    if failing == "replace":  # the temporary was a hidden file beside the target
        temporary = Path(temporaries[0])
        assert temporary.parent == store.directory
        assert temporary.name.startswith(".chat-1.")
        assert temporary.name.endswith(".tmp")
    assert store.load("chat-1").name == "Weather chat"


# -- session ids ---------------------------------------------------------------------------

BAD_IDS = [
    "",
    "../x",
    "..",
    "a/b",
    "a\\b",
    ".hidden",
    "x.json",
    "/etc/passwd",
    "a\x00b",
    "x\n",
    "a b",
    "-x",
    "_x",
    "\u0430bc",  # Cyrillic a
    "\uff41bc",  # fullwidth a
    "caf\u00e9",
    "a" * 129,
]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_bad_id_is_refused_before_the_disk_is_touched(tmp_path: Path, bad: str) -> None:
    outside = files_in(tmp_path.parent)
    store = SessionStore(tmp_path / "sessions")
    record = SessionRecord.new("good").model_copy(update={"id": bad})
    calls: list[Callable[[], object]] = [
        lambda: store.path(bad),
        lambda: store.exists(bad),
        lambda: store.load(bad),
        lambda: store.delete(bad),
        lambda: store.save(record),
        lambda: SessionRecord.new(bad),
    ]
    for call in calls:
        with pytest.raises(InvalidSessionIdError) as caught:
            call()
        assert repr(bad) in str(caught.value)
        assert "ASCII letters, digits" in str(caught.value)
        assert isinstance(caught.value, ValueError)
    assert files_in(tmp_path) == []
    assert files_in(tmp_path.parent) == outside


@pytest.mark.parametrize("bad", ["../x", "a" * 129])
def test_a_record_cannot_be_built_with_a_bad_id(bad: str) -> None:
    with pytest.raises(ValidationError, match="invalid session id"):
        SessionRecord(id=bad, created_at=START, updated_at=START)


@pytest.mark.parametrize("good", ["a", "0", "A-b_c", "a" * 128, "01956a3c-1f2e-7d3b-9c4a"])
def test_good_ids_are_accepted(store: SessionStore, good: str) -> None:
    store.save(SessionRecord.new(good))
    assert store.load(good).id == good


# -- missing and corrupt files -------------------------------------------------------------


def test_a_missing_session_names_the_id_and_the_folder(store: SessionStore) -> None:
    with pytest.raises(SessionNotFoundError) as caught:
        store.load("nobody")
    message = str(caught.value)
    assert "'nobody'" in message
    assert str(store.directory) in message
    assert isinstance(caught.value, LookupError)


def test_reading_never_creates_the_folder(store: SessionStore) -> None:
    assert not store.exists("a")
    assert store.list() == []
    assert store.delete("a") is False
    with pytest.raises(SessionNotFoundError):
        store.load("a")
    assert not store.directory.exists()


CORRUPT = {
    "not json": (b"{not json", "not JSON"),
    "not utf-8": (b"\xff\xfe", "not JSON"),
    "a list": (b"[1, 2]", "JSON list, not an object"),
    "no fields": (b'{"id": "chat-1"}', "created_at: Field required"),
    "unknown role": (
        b'{"id": "chat-1", "created_at": "2025-01-01T00:00:00Z", '
        b'"updated_at": "2025-01-01T00:00:00Z", "messages": [{"role": "bot", "content": ""}]}',
        "messages.0",
    ),
    "another id": (
        b'{"id": "other", "created_at": "2025-01-01T00:00:00Z", '
        b'"updated_at": "2025-01-01T00:00:00Z"}',
        "holds session 'other', not 'chat-1'",
    ),
    "newer format": (
        b'{"format": 2, "id": "chat-1", "created_at": "2025-01-01T00:00:00Z", '
        b'"updated_at": "2025-01-01T00:00:00Z"}',
        "format 2",
    ),
}


@pytest.mark.parametrize("kind", list(CORRUPT))
def test_a_corrupt_file_is_reported_and_never_overwritten(tmp_path: Path, kind: str) -> None:
    content, problem = CORRUPT[kind]
    folder = tmp_path / "sessions"
    folder.mkdir()
    path = folder / "chat-1.json"
    path.write_bytes(content)
    store = SessionStore(folder)

    with pytest.raises(CorruptSessionError) as loading:
        store.load("chat-1")
    assert loading.value.path == path
    assert str(path) in str(loading.value)
    assert problem in str(loading.value)
    assert "move it aside" in str(loading.value)
    assert "delete it" in str(loading.value)

    for saver in (store, SessionStore(folder)):
        with pytest.raises(CorruptSessionError, match="corrupt"):
            saver.save(full_record())
    assert path.read_bytes() == content
    assert files_in(folder) == ["chat-1.json"]

    [summary] = store.list()
    assert (summary.id, summary.path, summary.updated_at) == ("chat-1", path, None)
    assert summary.error is not None
    assert problem in summary.error


def test_a_corrupt_file_can_be_deleted_and_the_session_saved_again(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    (tmp_path / "chat-1.json").write_bytes(b"garbage")
    assert store.delete("chat-1") is True
    store.save(full_record())
    assert store.load("chat-1").name == "Weather chat"


def test_a_store_trusts_the_file_it_wrote_itself(tmp_path: Path) -> None:
    # Only a file this store has not read or written is checked before a save.
    store = SessionStore(tmp_path)
    path = store.save(full_record())
    path.write_bytes(b"garbage")
    store.save(full_record())
    assert store.load("chat-1").name == "Weather chat"
    path.write_bytes(b"garbage")
    with pytest.raises(CorruptSessionError):
        SessionStore(tmp_path).save(full_record())


# -- listing and deleting ------------------------------------------------------------------


def test_the_listing_is_newest_first_with_counts(store: SessionStore) -> None:
    store.save(full_record("a"))
    store.save(SessionRecord.new("b", name="bee"))
    store.save(SessionRecord.new("c"))
    store.save(full_record("a").model_copy(update={"name": "again"}))
    listing = store.list()
    assert [s.id for s in listing] == ["a", "c", "b"]
    assert listing[0] == SessionSummary(
        id="a",
        name="again",
        updated_at=START + timedelta(seconds=3),
        message_count=4,
        path=store.path("a"),
        error=None,
    )
    assert (listing[2].name, listing[2].message_count) == ("bee", 0)


def test_equal_times_are_listed_by_id(tmp_path: Path) -> None:
    store = SessionStore(tmp_path, clock=lambda: START)
    ids = [f"s{number:02}" for number in range(30)]
    for session_id in reversed(ids):
        store.save(SessionRecord.new(session_id))
    assert [s.id for s in store.list()] == ids


def test_the_listing_skips_what_is_not_a_session_file(store: SessionStore) -> None:
    store.save(SessionRecord.new("real"))
    folder = store.directory
    (folder / ".real.abc123.tmp").write_text("{")
    (folder / "notes.txt").write_text("hello")
    (folder / "bad name.json").write_text("{")
    (folder / ".hidden.json").write_text("{")
    (folder / "folder.json").mkdir()
    (folder / "broken.json").write_text("[]")
    assert [(s.id, s.error is None) for s in store.list()] == [("real", True), ("broken", False)]


def test_delete_removes_the_file_once(store: SessionStore) -> None:
    store.save(SessionRecord.new("a"))
    store.save(SessionRecord.new("b"))
    assert store.delete("a") is True
    assert store.delete("a") is False
    assert not store.exists("a")
    assert store.exists("b")
    with pytest.raises(SessionNotFoundError):
        store.load("a")
    assert [s.id for s in store.list()] == ["b"]


def test_the_default_folder_is_sessions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    SessionStore().save(SessionRecord.new("a"))
    assert (tmp_path / "sessions" / "a.json").is_file()


# -- the error tree ------------------------------------------------------------------------


def test_every_error_is_a_session_error_and_survives_pickling(tmp_path: Path) -> None:
    errors: list[SessionError] = [
        InvalidSessionIdError("../x"),
        SessionNotFoundError("a", tmp_path),
        CorruptSessionError(tmp_path / "a.json", "it is not JSON"),
    ]
    for error in errors:
        assert isinstance(error, SessionError)
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
    assert not issubclass(CorruptSessionError, ValueError)
