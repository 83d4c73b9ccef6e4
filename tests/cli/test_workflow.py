"""``llmgine workflow`` as a user runs it: a process of its own, the offline stand-in or a
fake model server, the answer on stdout, the steps and the summary on stderr."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from llmgine.bootstrap import WORKFLOW_PATTERNS
from llmgine.logs import read_log
from llmgine.testing import FakeLLMServer, Fault, RecordedRequest, Reply, Step, text
from llmgine.workflows import WorkflowBudgetExceededEvent, WorkflowCompletedEvent
from tests.gmn._generation import run_cli
from tests.programs._chat import REPO

STEP_LINE = re.compile(r"^pipeline step (\d) (\w+) (…|✓ \d+(\.\d+)? m?s · \d+ tokens → \".*\")$")


def workflow(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return run_cli("workflow", *args, cwd=cwd, env={"PYTHONPATH": str(REPO)} | (env or {}),
                   stdin=stdin)  # fmt: skip


def keyed(server: FakeLLMServer) -> dict[str, str]:
    return {
        "OPENAI_API_KEY": "sk-test-workflow",
        "OPENAI_BASE_URL": server.openai_base_url,
        "LLMGINE_RETRY_MAX_ATTEMPTS": "1",
    }


def test_list_names_every_pattern_with_its_input_and_options(tmp_path: Path) -> None:
    done = workflow("list", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    lines = done.stdout.splitlines()
    assert lines[0] == (
        f"{len(WORKFLOW_PATTERNS)} workflow patterns; run one with: "
        "llmgine workflow run NAME --input TEXT"
    )
    width = max(len(name) for name in WORKFLOW_PATTERNS.names)
    for entry in WORKFLOW_PATTERNS:
        at = lines.index(f"{entry.name:<{width}}  {entry.summary}")
        assert lines[at + 1] == f"{'':<{width}}  input: {entry.takes}"
        assert lines[at + 2].startswith(f"{'':<{width}}  options: ")
    debate = lines.index(f"{'debate':<{width}}  {WORKFLOW_PATTERNS.get('debate').summary}")
    assert lines[debate + 2].strip() == (
        "options: max_rounds=3, parallel_rounds=false, detect_consensus=false"
    )

    listed = json.loads(workflow("list", "--json", cwd=tmp_path).stdout)
    assert [row["name"] for row in listed] == WORKFLOW_PATTERNS.names
    react = next(row for row in listed if row["name"] == "react")
    assert react["needs_tools"] is True
    assert react["options"]["max_steps"] == 10
    assert [row["name"] for row in listed if row["needs_retriever"]] == ["rag"]


def test_offline_run_json_is_one_object_and_says_it_ran_offline(tmp_path: Path) -> None:
    done = workflow("run", "pipeline", "--input", "Why do tides happen?", "--json", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "")
    result = json.loads(done.stdout)
    assert (result["ok"], result["reason"], result["offline"]) == (True, "completed", True)
    assert (result["model"], result["pattern"]) == ("offline:stand-in", "pipeline")
    assert [s["executor"] for s in result["steps"]] == ["researcher", "writer", "editor"]
    assert result["steps"][0]["input"] == "Why do tides happen?"
    assert result["output"].startswith("[llmgine offline stand-in, not a language model]")
    assert result["usage"]["model_calls"] == 3
    assert result["usage"]["cost_usd"] == 0.0
    [log] = (tmp_path / "logs").glob("llmgine-*.jsonl")
    ended = [m for m in read_log(log) if isinstance(m, WorkflowCompletedEvent)]
    assert [e.run_id for e in ended] == [result["run_id"]]


def test_piped_output_is_a_line_per_step_then_the_summary(tmp_path: Path) -> None:
    done = workflow("run", "pipeline", "--input", "Why do tides happen?", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("[llmgine offline stand-in, not a language model]")
    assert done.stdout.endswith("\n")
    assert done.stdout.count("\n") == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "no API key or local model server found: running on the offline stand-in"
    assert lines[1] == "pipeline started"
    steps = [STEP_LINE.match(line) for line in lines[2:8]]
    assert [(m[1], m[2], m[3][0]) for m in steps if m] == [
        ("1", "researcher", "…"), ("1", "researcher", "✓"),
        ("2", "writer", "…"), ("2", "writer", "✓"),
        ("3", "editor", "…"), ("3", "editor", "✓"),
    ]  # fmt: skip
    assert re.fullmatch(r"pipeline completed · 3 steps · \S+ m?s", lines[8])
    assert re.fullmatch(
        r"\[pipeline completed · offline:stand-in · 3 steps · 3 model calls · [\d,]+ tokens "
        r"\([\d,]+ in, [\d,]+ out\) · \$0\.000000 · \d+\.\d\d s\]",
        lines[9],
    )
    assert len(lines) == 10
    assert "\x1b" not in done.stderr  # no escape codes through a pipe


def test_the_input_comes_from_a_file_or_stdin(tmp_path: Path) -> None:
    (tmp_path / "topic.txt").write_text("Tides\n")
    for args, stdin in [
        (("--file", "topic.txt"), ""),
        (("--file", "-"), "Tides\n"),
        ((), "Tides\n"),
    ]:
        done = workflow("run", "pipeline", *args, "--json", cwd=tmp_path, stdin=stdin)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["steps"][0]["input"] == "Tides\n"


def debate_replies(request: RecordedRequest) -> Step:
    """Each agent says who it is, from its system prompt; 10 tokens in and out a call."""
    role = str(request.messages[0]["content"]).split()[1]
    return Reply(text=f"{role} has spoken.", usage=(10, 10))


def test_a_run_on_a_model_server_uses_the_settings_model_and_prices_it(tmp_path: Path) -> None:
    with FakeLLMServer(responder=debate_replies) as server:
        done = workflow(
            "run", "debate", "--input", "Tea or coffee?", "--set", "max_rounds=2", "--json",
            cwd=tmp_path, env=keyed(server),
        )  # fmt: skip
        asked = server.requests
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["offline"], result["model"]) == (False, "openai:gpt-4o-mini")
    assert result["output"] == "judge has spoken."
    assert [s["executor"] for s in result["steps"]] == ["Proponent", "Opponent"] * 2 + ["Judge"]
    assert len(asked) == 5
    assert {r.model for r in asked} == {"gpt-4o-mini"}
    assert "You are Opponent, debating with Proponent" in asked[1].messages[-1]["content"]
    assert result["usage"]["tokens"]["input_tokens"] == 50
    assert result["usage"]["cost_usd"] == pytest.approx(5 * (10 * 0.15 + 10 * 0.60) / 1e6)


def test_a_budget_stops_the_run_and_the_exit_status_says_so(tmp_path: Path) -> None:
    with FakeLLMServer(responder=debate_replies) as server:
        done = workflow(
            "run", "debate", "--input", "Tea or coffee?", "--max-tokens", "30",
            cwd=tmp_path, env=keyed(server),
        )  # fmt: skip
        calls = len(server.requests)
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[-1] == "error: budget exceeded: max_tokens: 40 tokens used, the budget is 30"
    assert lines[-2].startswith("[debate budget exceeded · openai:gpt-4o-mini · 2 steps · ")
    assert "debate budget exceeded: max_tokens: 40 tokens used" in lines[-3]
    assert calls == 2  # the third argument was refused before it started
    [log] = (tmp_path / "logs").glob("llmgine-*.jsonl")
    [ended] = [m for m in read_log(log) if isinstance(m, WorkflowBudgetExceededEvent)]
    assert ended.limit == "max_tokens"

    done = workflow(
        "run", "pipeline", "--input", "Tides", "--max-steps", "1", "--json", cwd=tmp_path
    )  # fmt: skip
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert (result["ok"], result["reason"], result["limit"]) == (
        False,
        "budget_exceeded",
        "max_steps",
    )


def test_a_timeout_cancels_the_call_in_flight(tmp_path: Path) -> None:
    with FakeLLMServer([Fault.hang(seconds=30)]) as server:
        done = workflow(
            "run", "pipeline", "--input", "Tides", "--timeout", "0.5",
            cwd=tmp_path, env=keyed(server),
        )  # fmt: skip
        server.stop(check=False)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "error: timed out: the run took longer than 0.5 s"
    assert "pipeline step 1 researcher ✗ cancelled: the run took longer than 0.5 s" in done.stderr


def test_react_acts_with_the_tools_it_is_given(tmp_path: Path) -> None:
    # The offline stand-in plays the reasoner: it calls calculate for "2+3".
    done = workflow(
        "run", "react", "--input", "What is 2+3?", "--tool", "programs.function_chat:calculate",
        "--set", "max_steps=1", "--json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    kinds = [(s["kind"], s["executor"], s["output"]) for s in result["steps"]]
    assert kinds[:2] == [("agent", "reasoner", ""), ("tool", "calculate", "5")]
    assert result["usage"]["tool_calls"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "debat", "--input", "x"),
         "error: no workflow pattern 'debat' (did you mean 'debate'?); the patterns are: "
         + ", ".join(WORKFLOW_PATTERNS.names)),
        (("run", "react", "--input", "x"), "error: the react pattern acts with tools, and none"),
        (("run", "debate", "--input", "x", "--set", "rounds=2"),
         "error: the debate pattern has no option 'rounds'; its options are max_rounds, "),
        (("run", "debate", "--input", "x", "--set", "max_rounds=0"),
         "error: invalid options for debate: max_rounds: Input should be greater than or "),
        (("run", "debate", "--input", "x", "--set", "max_rounds"),
         "error: --set 'max_rounds': write it as KEY=VALUE"),
        (("run", "debate", "--input", "  "), "error: the input is empty"),
        (("run", "debate", "--file", "nowhere.txt"), "error: cannot read 'nowhere.txt': "),
        (("run", "debate", "--input", "x", "--tool", "nowhere:f"), "error: --tool 'nowhere:f': "),
        (("run", "debate", "--input", "x", "--model", "nowhere:x"),
         "error: cannot start: no provider is registered for 'nowhere'"),
        (("run", "rag", "--input", "x", "--docs", "nowhere"),
         "error: rag: no such file or folder: 'nowhere'"),
        (("run", "rag", "--input", "x"),
         "error: rag: no text to search in .: give files, or folders holding .md, .txt, .rst"),
        (("run", "debate", "--input", "x", "--docs", "."),
         "error: --docs is for a pattern that retrieves (rag), not debate"),
    ],
    ids=["unknown", "no-tools", "unknown-option", "bad-option", "not-a-pair", "blank",
         "no-file", "no-tool", "unknown-provider", "no-docs", "empty-docs", "docs-not-used"],
)  # fmt: skip
def test_usage_errors_are_one_line_and_exit_2(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    done = workflow(*args, cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(message)


def test_a_pattern_whose_agents_must_judge_fails_offline_saying_why(tmp_path: Path) -> None:
    done = workflow("run", "reflection", "--input", "Write a haiku.", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (1, "")
    lines = done.stderr.splitlines()
    assert lines[-1].startswith(
        "error: failed: the reply of 'reviewer' (step 2) is not a Review object: the reply "
        "is not a JSON object: '[llmgine offline stand-in"
    )
    assert lines[-2].startswith("note: the offline stand-in is not a language model: it cannot")
    assert lines[-3].startswith("[reflection failed · offline:stand-in · 2 steps · ")


def test_a_limit_that_is_not_a_positive_number_is_refused_by_the_parser(tmp_path: Path) -> None:
    done = workflow("run", "debate", "--input", "x", "--max-tokens", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert "--max-tokens: must be above 0, got 0" in done.stderr


def test_the_log_of_a_run_is_drawn_as_its_tree(tmp_path: Path) -> None:
    with FakeLLMServer([text("Notes."), text("Draft."), text("Final.")]) as server:
        done = workflow("run", "pipeline", "--input", "Tides", cwd=tmp_path, env=keyed(server))
    assert done.returncode == 0, done.stderr
    shown = run_cli("logs", "show", "latest", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    tree = [line for line in shown.stdout.splitlines()[2:] if line.strip()]
    assert tree[0].startswith("session BUS · 1 workflow run · ")
    labels = [re.sub(r"^[│├└─ ]*", "", line).split("  ")[0] for line in tree[1:]]
    assert labels == [
        'workflow pipeline "Tides"',
        "step 1 researcher", 'agent researcher "Tides"',
        "llm openai:gpt-4o-mini round 1", 'answer "Notes."',
        "step 2 writer", 'agent writer "Notes."',
        "llm openai:gpt-4o-mini round 1", 'answer "Draft."',
        "step 3 editor", 'agent editor "Draft."',
        "llm openai:gpt-4o-mini round 1", 'answer "Final."',
    ]  # fmt: skip
