"""A sessions folder that cannot be used: ``SessionStore.check`` says so before anything is
written, and the ``ContextManager`` remembers a failed save until one succeeds."""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path

import pytest

from llmgine.context import ContextManager, SessionStorageError, SessionStore
from llmgine.llm import AssistantMessage, UserMessage


def test_check_passes_for_a_folder_that_is_not_there_yet_and_creates_nothing(
    tmp_path: Path,
) -> None:
    SessionStore(tmp_path / "a" / "b").check()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["sessions", "sessions/inner"])
def test_check_refuses_a_file_in_the_way(tmp_path: Path, where: str) -> None:
    (tmp_path / "sessions").write_text("x")
    with pytest.raises(SessionStorageError) as caught:
        SessionStore(tmp_path / where).check()
    assert caught.value.errno == errno.ENOTDIR
    assert f"{str(tmp_path / 'sessions')!r} is a file, not a folder" in str(caught.value)
    assert str(caught.value).startswith("cannot use the sessions folder in ")


def test_check_refuses_a_folder_it_may_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sessions").mkdir()
    asked: list[int] = []

    def access(path: object, mode: int) -> bool:  # root may write anywhere: simulated
        asked.append(mode)
        return False

    monkeypatch.setattr(os, "access", access)
    with pytest.raises(SessionStorageError, match="permission denied"):
        SessionStore(tmp_path / "sessions").check()
    assert asked == [os.W_OK | os.X_OK]


async def test_a_failed_save_is_remembered_until_a_save_succeeds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "sessions"
    folder.write_text("in the way")
    context = ContextManager(store=SessionStore(folder))
    conversation = await context.session("s1")
    with caplog.at_level(logging.ERROR, logger="llmgine.context"):
        with pytest.raises(SessionStorageError):
            await context.commit(
                conversation, [UserMessage(content="Hi"), AssistantMessage(content="Hello")]
            )
    (record,) = caplog.records
    assert record.exc_info is None  # one line, no traceback
    assert record.getMessage().endswith("the session stays in memory, the next change saves it")
    assert isinstance(context.save_error("s1"), SessionStorageError)
    assert context.save_error("other") is None

    caplog.clear()
    with pytest.raises(SessionStorageError):
        await context.save("s1")  # still in the way: raised, and left to the caller to tell
    assert caplog.records == []

    folder.unlink()
    await context.save("s1")
    assert context.save_error("s1") is None
    saved = SessionStore(folder).load("s1")
    assert [m.content for m in saved.messages] == ["Hi", "Hello"]
