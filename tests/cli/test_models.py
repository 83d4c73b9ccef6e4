"""``llmgine models``: the models of each configured provider, asked of the provider itself."""

from __future__ import annotations

from pathlib import Path

import orjson

from llmgine.testing import FakeLLMServer
from tests.cli._llmgine import run_llmgine
from tests.programs._chat import closed_port


def test_each_configured_provider_lists_its_models_and_the_default_is_marked(
    tmp_path: Path,
) -> None:
    with (
        FakeLLMServer(ollama_models=["gpt-4o-mini", "gpt-4o"]) as openai,
        FakeLLMServer(ollama_models=["claude-haiku-4-5"]) as anthropic,
        FakeLLMServer(ollama_models=["qwen2.5:0.5b", "llama3.2"]) as ollama,
    ):
        env = {
            "OPENAI_API_KEY": "sk-test-models",
            "OPENAI_BASE_URL": openai.openai_base_url,
            "ANTHROPIC_API_KEY": "sk-ant-test-models",
            "ANTHROPIC_BASE_URL": anthropic.anthropic_base_url,
            "OLLAMA_HOST": ollama.url,
        }
        run = run_llmgine(tmp_path, "models", env=env)
    assert (run.status, run.stderr) == (0, "")
    assert run.stdout.splitlines() == [
        "openai:gpt-4o",
        "openai:gpt-4o-mini  (default)",
        "anthropic:claude-haiku-4-5",
        "ollama:llama3.2",
        "ollama:qwen2.5:0.5b",
        "offline:stand-in",
    ]
    assert [(r.method, r.path) for r in openai.requests + anthropic.requests] == []  # no chat
    assert "sk-test" not in run.stdout + run.stderr


def test_a_provider_that_cannot_be_reached_is_one_line_and_the_others_are_listed(
    tmp_path: Path,
) -> None:
    nowhere = f"127.0.0.1:{closed_port()}"
    with FakeLLMServer(ollama_models=["llama3.2"]) as ollama:
        env = {
            "ANTHROPIC_API_KEY": "sk-ant-test-models",
            "ANTHROPIC_BASE_URL": f"http://{nowhere}",
            "OLLAMA_HOST": ollama.url,
            "LLMGINE_MODEL": "claude-haiku-4-5",
        }
        text = run_llmgine(tmp_path, "models", env=env)
        as_json = run_llmgine(tmp_path, "--json", "models", env=env)
    assert text.status == 1
    (line,) = text.stderr.splitlines()
    assert line.startswith(f"anthropic: cannot list its models: could not connect to {nowhere}")
    assert text.stdout.splitlines() == [
        "ollama:llama3.2",
        "offline:stand-in",
        "default: anthropic:claude-haiku-4-5 (not in the lists above)",
    ]
    body = orjson.loads(as_json.stdout)
    assert body["default"] == "anthropic:claude-haiku-4-5"
    assert [(p["name"], p["models"], p["error"] is None) for p in body["providers"]] == [
        ("anthropic", [], False),
        ("ollama", ["ollama:llama3.2"], True),
        ("offline", ["offline:stand-in"], True),
    ]


def test_an_ollama_that_was_asked_for_and_does_not_answer_says_how_to_start_it(
    tmp_path: Path,
) -> None:
    run = run_llmgine(tmp_path, "models", env={"OLLAMA_HOST": f"127.0.0.1:{closed_port()}"})
    assert run.status == 1
    (line,) = run.stderr.splitlines()
    assert line.startswith("ollama: cannot list its models: could not reach Ollama at http://")
    assert line.endswith("Start it with `ollama serve`, or set OLLAMA_HOST to where it listens")
    assert run.stdout.splitlines() == ["offline:stand-in  (default)"]
