"""records_of_session: one session's records across logs, in the order the session ran."""

from __future__ import annotations

from pathlib import Path

import orjson

from llmgine.logs import records_of_session


def log(path: Path, *lines: tuple[str, str]) -> Path:
    """A log of (session, timestamp) records."""
    path.write_bytes(
        b"".join(
            orjson.dumps({"kind": "event", "type": "Said", "session_id": s, "timestamp": t}) + b"\n"
            for s, t in lines
        )
    )
    return path


def test_files_in_the_order_the_session_reached_them(tmp_path: Path) -> None:
    later = log(
        tmp_path / "a.jsonl",
        ("chat", "2026-01-02T10:00:00Z"),
        ("other", "2026-01-02T10:00:01Z"),
        ("chat", "2026-01-02T10:00:02Z"),
    )
    earlier = log(tmp_path / "b.jsonl", ("chat", "2026-01-01T09:00:00Z"))
    unrelated = log(tmp_path / "c.jsonl", ("other", "2026-01-01T08:00:00Z"))
    empty = tmp_path / "d.jsonl"
    empty.write_bytes(b"")

    found = records_of_session([later, unrelated, empty, earlier], "chat")

    assert [path for path, _ in found] == [earlier, later]
    assert [len(records) for _, records in found] == [1, 2]
    assert all(r.session_id == "chat" for _, records in found for r in records)
    assert records_of_session([later, earlier], "nobody") == []


def test_a_session_id_that_is_a_prefix_of_another_is_not_confused(tmp_path: Path) -> None:
    path = log(tmp_path / "a.jsonl", ("chat-2", "2026-01-01T09:00:00Z"))
    assert records_of_session([path], "chat") == []
