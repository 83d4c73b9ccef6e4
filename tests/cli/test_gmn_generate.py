"""``llmgine gmn generate|refine`` as a user runs them: a process of its own, a local fake
model server (or no key at all), the spec on stdout, how it went on stderr."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from llmgine.cli._gmn_generate import AGENT_TYPES
from llmgine.gmn import AGENT_TYPES as GMN_AGENT_TYPES
from llmgine.gmn import render, template, validate
from llmgine.testing import FakeLLMServer, text
from tests.gmn._generation import BROKEN, UNNORMALISED, fenced, logged, run_cli
from tests.gmn._specs import CORRIDOR


def llmgine(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return run_cli("gmn", *args, cwd=cwd, env=env, stdin=stdin)


def keyed(server: FakeLLMServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.openai_base_url}


def test_the_agent_types_listed_for_help_are_the_packages() -> None:
    assert AGENT_TYPES == GMN_AGENT_TYPES


def test_with_no_key_generate_prints_the_offline_template_and_says_so(tmp_path: Path) -> None:
    prompt = "a cautious explorer on a 3x3 grid"
    done = llmgine("generate", prompt, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert done.stdout == render(template("explorer", prompt))
    assert done.stderr.splitlines() == [
        "note: no language model is available (offline:stand-in): this is the offline "
        "explorer template, customised: 3x3 grid, cautious; set OPENAI_API_KEY or "
        "ANTHROPIC_API_KEY, or start Ollama, to use a language model",
        "valid, template (offline:stand-in)",
    ]
    assert len(list((tmp_path / "logs").glob("*.jsonl"))) == 1


def test_generate_repairs_the_models_spec_and_logs_it(tmp_path: Path) -> None:
    with FakeLLMServer([text(fenced(UNNORMALISED)), text(fenced(CORRIDOR))]) as server:
        done = llmgine(
            "generate", "--agent-type", "general", "--log-dir", "run", "--max-states", "5",
            cwd=tmp_path, env=keyed(server), stdin="a corridor walker\n",
        )  # fmt: skip
        asked = [r.messages for r in server.requests]

    assert done.returncode == 0, done.stderr
    assert done.stdout == CORRIDOR
    assert done.stderr == "valid, after 1 repair round(s) (openai:gpt-4o-mini)\n"
    assert "a corridor walker" in asked[0][-1]["content"]
    assert "- max_states: 5" in asked[0][0]["content"]
    assert "E302" in asked[1][-1]["content"]
    [log] = (tmp_path / "run").glob("*.jsonl")
    assert [type(m).__name__ for m in logged(log)].count("GMNRepairRequestedEvent") == 1


def test_generate_json_and_a_spec_still_invalid_exits_1(tmp_path: Path) -> None:
    with FakeLLMServer([text(fenced(BROKEN))] * 2) as server:
        done = llmgine(
            "generate", "a corridor walker", "--repair-rounds", "1", "--json", "--log-dir", "",
            cwd=tmp_path, env=keyed(server),
        )  # fmt: skip

    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert (result["valid"], result["rounds"], result["spec"]) == (False, 1, BROKEN)
    assert [e["code"] for e in result["errors"]] == validate(BROKEN).codes()[
        : len(result["errors"])
    ]
    assert done.stderr.splitlines()[0].startswith("<spec>:")
    assert done.stderr.splitlines()[-1] == "invalid, after 1 repair round(s) (openai:gpt-4o-mini)"
    assert not (tmp_path / "logs").exists()


def test_refine_reads_a_file_and_the_feedback(tmp_path: Path) -> None:
    refined = CORRIDOR.replace("[0.0, 0.0, 2.0]", "[0.0, 0.0, 5.0]")
    (tmp_path / "corridor.gmn").write_text(CORRIDOR)
    with FakeLLMServer([text(fenced(refined))]) as server:
        done = llmgine(
            "refine", "corridor.gmn", "--feedback", "want the right end more",
            cwd=tmp_path, env=keyed(server),
        )  # fmt: skip
        [asked] = [r.messages for r in server.requests]

    assert done.returncode == 0, done.stderr
    assert done.stdout == refined
    assert CORRIDOR.strip() in asked[-1]["content"]
    assert "want the right end more" in asked[-1]["content"]


def test_offline_refine_reads_stdin_and_gives_it_back_unchanged(tmp_path: Path) -> None:
    done = llmgine("refine", "--feedback", "fix it", cwd=tmp_path, stdin=BROKEN)

    assert done.returncode == 1
    assert done.stdout == BROKEN
    lines = done.stderr.splitlines()
    assert lines[0].startswith("note: no language model is available (offline:stand-in) to apply")
    assert lines[-1] == "invalid, unchanged (offline:stand-in)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("generate", "x", "--model", "anthropic:claude-x"), "error: "),
        (("generate", "x", "--model", "nowhere:x"), "error: no provider is registered"),
        (("generate", "  \n "), "error: prompt: String should have at least 1 character"),
    ],
    ids=["no-key", "unknown-provider", "blank-prompt"],
)
def test_problems_before_any_answer_are_one_error_line(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    done = llmgine(*args, "--log-dir", "", cwd=tmp_path)

    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(message)
    assert len(done.stderr.splitlines()) == 1
    if "anthropic" in args:
        assert "ANTHROPIC_API_KEY" in done.stderr
