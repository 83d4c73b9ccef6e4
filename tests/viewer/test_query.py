"""The search language: words and key:value conditions, over the records of the logs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from llmgine.logs import read_records
from llmgine.viewer._folder import LogFolder
from llmgine.viewer._query import QueryError, failure_text, parse_query
from tests.logs._logs import NEW_LOG, OLD_LOG


def found(query: str) -> list[tuple[str, str]]:
    chosen = parse_query(query)
    return [(r.type, r.session_id) for r in read_records(NEW_LOG) if chosen.matches(r)]


def test_tool_finds_every_message_of_a_tools_calls() -> None:
    assert found("tool:divide") == [
        ("ToolCallRequestedEvent", "math"),
        ("ToolCallRequestedEvent", "math"),
        ("ExecuteToolCommand", "math"),
        ("ExecuteToolCommand", "math"),
        ("ToolCallCompletedEvent", "math"),
        ("ToolCallFailedEvent", "math"),
    ]
    assert {t for t, _ in found("tool:get_weather")} >= {"ExecuteToolCommand"}
    assert found("tool:nothing") == []


def test_error_finds_failures_by_their_error() -> None:
    zero = found("error:ZeroDivision")
    assert ("ToolCallFailedEvent", "math") in zero
    every = found("error:")
    assert {s for _, s in every} == {"math", "broken", "admin"}
    assert all(failure_text(r) for r in read_records(NEW_LOG) if parse_query("error:").matches(r))


def test_conditions_all_hold_and_a_key_given_twice_takes_either() -> None:
    assert set(found("session:weather type:PromptCommand")) == {("PromptCommand", "weather")}
    assert len(found("session:weather type:PromptCommand")) == 2
    both = found("session:weather session:math kind:command type:Prompt")
    assert {s for _, s in both} == {"weather", "math"}
    assert found('"weather in paris"')[0] == ("PromptCommand", "weather")
    assert found("kind:result session:admin") == [("CommandResult", "admin")]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ('tool:"divide', "close the quote"),
        ("kind:commands", "use command, event or result"),
        ("session:", "session: needs a value"),
    ],
)
def test_a_query_that_cannot_be_read_says_how_to_write_it(query: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        parse_query(query)


def test_a_folder_is_searched_newest_first_and_run_narrows_it(tmp_path: Path) -> None:
    old = tmp_path / "llmgine-20260101-000000-old.jsonl"
    new = tmp_path / "llmgine-20260102-000000-new.jsonl"
    shutil.copyfile(OLD_LOG, old)
    shutil.copyfile(NEW_LOG, new)

    os.utime(old, (1, 1))
    folder = LogFolder(tmp_path)
    hits, more = folder.search(parse_query("type:PromptCommand"), 100)
    assert [h.run for h in hits] == [new.name] * 5 + [old.name] * 5
    assert not more
    hits, more = folder.search(parse_query("type:PromptCommand"), 3)
    assert (len(hits), more) == (3, True)
    hits, _ = folder.search(parse_query("type:PromptCommand run:old"), 100)
    assert {h.run for h in hits} == {old.name}
    assert hits[0].as_json()["text"] == '"What is the weather in Paris?"'
