"""A workflow run in the viewer: one tree from the run down to each step's model calls, what
every level spent rolled up, and the run's sessions drawn inside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from llmgine.viewer._api import Api
from llmgine.viewer._folder import LogFolder
from tests.cli.test_logs_workflows import debate_in_map_reduce, write_log


def test_a_debate_inside_a_map_reduce_opens_level_by_level(tmp_path: Path) -> None:
    log = write_log(tmp_path, debate_in_map_reduce(), "Chapter one. Chapter two.")
    api = Api(LogFolder(tmp_path))

    def nodes(parent: str) -> list[dict[str, Any]]:
        status, answer = api.handle(f"/api/runs/{log.name}/nodes", {"parent": parent})
        assert status == 200, answer
        return list(answer["nodes"])

    (session,) = nodes("root")  # the steps' sessions are drawn inside the run's
    status, run_answer = api.handle(f"/api/runs/{log.name}", {})
    assert (status, run_answer["sessions"]) == (200, 1)
    (run,) = nodes(session["id"])
    assert (run["label"], run["ok"]) == ("workflow", True)
    assert run["totals"]["calls"] == 7
    assert (run["totals"]["input_tokens"], run["totals"]["output_tokens"]) == (483, 32)
    steps = nodes(run["id"])
    assert [s["title"] for s in steps] == [
        "debate as mapper (chunk 1)",
        "debate as mapper (chunk 2)",
        "Editor as reducer (level 1, group 1)",
    ]
    assert sum(s["totals"]["input_tokens"] for s in steps) == 483
    (debate,) = nodes(steps[0]["id"])
    arguments = nodes(debate["id"])
    assert [a["label"] for a in arguments] == ["step 1", "step 2", "step 3"]
    (agent,) = nodes(arguments[0]["id"])
    assert agent["label"] == "agent"
    llm, answer = nodes(agent["id"])
    assert (llm["label"], answer["label"]) == ("llm", "answer")
    assert (llm["totals"]["input_tokens"], llm["totals"]["output_tokens"]) == (65, 4)
    status, path = api.handle(f"/api/runs/{log.name}/path", {"line": str(llm["line"])})
    assert status == 200
    assert path["path"] == [
        session["id"],
        run["id"],
        steps[0]["id"],
        debate["id"],
        arguments[0]["id"],
        agent["id"],
        llm["id"],
    ]
