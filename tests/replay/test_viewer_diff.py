"""A replay's log and its original compared in the viewer: the issue's "a replay and its
original" case of the diff, from real logs on both sides."""

from __future__ import annotations

from pathlib import Path

from llmgine.replay import replay_log
from llmgine.viewer import diff_runs
from tests.replay._record import get_weather, record


async def test_a_faithful_replay_compares_step_for_step_equal_to_its_original(
    tmp_path: Path,
) -> None:
    original = await record(tmp_path / "recorded")
    report = await replay_log(original, tools=[get_weather], log_dir=tmp_path / "replayed")
    assert report.identical, report.summary()
    assert report.log_path is not None
    diff = diff_runs(original, report.log_path)
    assert diff.identical, [row.as_json() for row in diff.rows if row.status != "same"]
    labels = [row.a.node["label"] for row in diff.rows if row.a is not None]
    assert labels.count("llm") == 5
    assert labels.count("tool") == 2
    assert diff.a.totals == diff.b.totals


async def test_a_replay_with_a_changed_system_prompt_diverges_where_it_failed(
    tmp_path: Path,
) -> None:
    original = await record(tmp_path / "recorded")
    report = await replay_log(
        original, tools=[get_weather], system_prompt="Answer in French.",
        log_dir=tmp_path / "replayed",
    )  # fmt: skip
    assert not report.identical
    assert report.log_path is not None
    diff = diff_runs(original, report.log_path)
    assert diff.first_divergence is not None
    first = diff.rows[diff.first_divergence]
    assert first.status != "same"
    assert [row.status for row in diff.rows[: diff.first_divergence]] == ["same"] * (
        diff.first_divergence
    )
