"""The chat takes the bare model names the ``llmgine`` command takes, in ``--model`` and
``/model`` alike (``llmgine.llm.full_model_name``)."""

from __future__ import annotations

from pathlib import Path

from llmgine.testing import FakeLLMServer, text
from tests.programs._chat import run_piped, server_env


def test_bare_names_in_the_flag_and_the_command(tmp_path: Path) -> None:
    with FakeLLMServer([text("one"), text("two")]) as server:
        run = run_piped(
            tmp_path,
            "Hi\n/model gpt-4o\nAgain\n/model llama3.2\n/exit\n",
            "--model", "o3-mini",
            env=server_env("openai", server),
        )  # fmt: skip
    assert run.status == 0, run.stderr
    assert [request.model for request in server.requests] == ["o3-mini", "gpt-4o"]
    assert "model: openai:gpt-4o" in run.stdout
    assert "error: model 'llama3.2' names no provider: write it as provider:model" in run.stderr


def test_a_bare_flag_of_no_known_provider_is_one_line(tmp_path: Path) -> None:
    run = run_piped(tmp_path, "/exit\n", "--model", "llama3.2")
    assert run.status == 2
    (line,) = run.stderr.splitlines()
    assert line.startswith("error: model 'llama3.2' names no provider")
