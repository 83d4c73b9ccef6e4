"""A run as the viewer's tree: sessions, steps opened a level at a time, and what each spent."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from llmgine.logs import log_stats, read_records
from llmgine.sinks import DEFAULT_PRICES
from llmgine.viewer._api import Api
from llmgine.viewer._figures import Prices
from llmgine.viewer._folder import LogFolder
from llmgine.viewer._run import RunIndex
from tests.logs._logs import BOTH_LOGS, NEW_LOG, command, event, result, write_log

NAME = "llmgine-20261202-010509-a1b2c3d4e5f6.jsonl"


@pytest.fixture
def api(tmp_path: Path) -> Api:
    shutil.copyfile(NEW_LOG, tmp_path / NAME)
    return Api(LogFolder(tmp_path))


def ask(api: Api, path: str, **params: object) -> Any:
    status, value = api.handle(f"/api/{path}", {k: str(v) for k, v in params.items()})
    assert status == 200, value
    return value


def nodes(api: Api, parent: str, **params: object) -> list[dict[str, Any]]:
    return list(ask(api, f"runs/{NAME}/nodes", parent=parent, **params)["nodes"])


def test_the_top_of_a_run_is_its_sessions_with_what_each_spent(api: Api) -> None:
    sessions = nodes(api, "root")
    assert [(s["id"], s["title"]) for s in sessions] == [
        ("S0", "weather"),
        ("S1", "math"),
        ("S2", "haiku"),
        ("S3", "broken"),
        ("S4", "admin"),
    ]
    weather = sessions[0]
    assert weather["kids"] == 2
    assert weather["models"] == ["openai:gpt-4o-mini"]
    assert weather["totals"]["calls"] == 3
    assert (weather["totals"]["input_tokens"], weather["totals"]["output_tokens"]) == (460, 34)
    assert sessions[3]["ok"] is False  # its model call and its turn failed
    assert sessions[3]["totals"]["failed"] == 1


def test_a_turn_opens_into_its_model_calls_tool_calls_and_answer(api: Api) -> None:
    first, second = nodes(api, "S0")
    assert (first["label"], first["title"], first["ok"]) == (
        "turn 1",
        '"What is the weather in Paris?"',
        True,
    )
    assert second["label"] == "turn 2"
    assert first["facts"] == ["2 rounds"]  # duration and tokens have columns of their own
    assert first["ms"] > 0
    children = nodes(api, first["id"])
    assert [(c["label"], c["title"]) for c in children] == [
        ("llm", "openai:gpt-4o-mini round 1"),
        ("tool", 'get_weather(city="Paris")'),
        ("llm", "openai:gpt-4o-mini round 2"),
        ("answer", '"It is sunny in Paris, 21 C."'),
    ]
    llm, tool, _, _ = children
    assert (llm["totals"]["input_tokens"], llm["totals"]["output_tokens"]) == (120, 18)
    assert llm["kids"] == 0
    assert llm["ms"] > 0
    assert tool["outcome"] == "Sunny and 21 C in Paris"
    assert tool["totals"]["calls"] == 0
    price = DEFAULT_PRICES["openai:gpt-4o-mini"]
    assert llm["totals"]["cost_usd"] == pytest.approx(price.cost(120, 18))
    assert first["totals"]["cost_usd"] == pytest.approx(price.cost(120, 18) + price.cost(160, 11))
    assert nodes(api, llm["id"]) == []


@pytest.mark.parametrize("log", BOTH_LOGS, ids=lambda p: p.name)
def test_the_totals_of_a_run_are_those_the_providers_reported(log: Path) -> None:
    """Rolled up over the tree, tokens add up to the usage of every model call in the log."""
    index = RunIndex(log, Prices())
    tree = index.tree()
    stats = log_stats(read_records(log))
    expected = (
        sum(m.calls for m in stats.models.values()),
        sum(m.input_tokens for m in stats.models.values()),
        sum(m.output_tokens for m in stats.models.values()),
    )
    sessions = [s.totals for s in tree.sessions]
    rolled = (
        sum(t.calls for t in sessions),
        sum(t.input_tokens for t in sessions),
        sum(t.output_tokens for t in sessions),
    )
    summary = index.summary.totals
    assert rolled == expected == (summary.calls, summary.input_tokens, summary.output_tokens)
    assert expected == (8, 1115, 109)  # as tests/fixtures/logs/README.md says


def test_a_cost_is_unknown_not_zero_when_a_model_has_no_price(tmp_path: Path) -> None:
    turn = command("PromptCommand", prompt="hi")
    priced = command("CallLLMCommand", parent=turn["command_id"])
    unknown = command("CallLLMCommand", parent=turn["command_id"])
    log = write_log(
        tmp_path / "run.jsonl",
        [
            turn,
            priced,
            event(
                "LLMCallCompletedEvent",
                parent=priced["command_id"],
                model="openai:gpt-4o-mini",
                usage={"input_tokens": 1000, "output_tokens": 100},
            ),
            unknown,
            event(
                "LLMCallCompletedEvent",
                parent=unknown["command_id"],
                model="somewhere:private-model",
                usage={"input_tokens": 10, "output_tokens": 1},
            ),
            result(turn, ms=5),
        ],
    )
    tree = RunIndex(log, Prices()).tree()
    (top, _) = tree.sessions[0].steps[0]
    first, second = (tree.step_json(s) for s in tree.shown(top))
    assert first["totals"]["cost_usd"] == pytest.approx(
        DEFAULT_PRICES["openai:gpt-4o-mini"].cost(1000, 100)
    )
    assert second["totals"]["cost_usd"] is None
    assert tree.step_json(top)["totals"] == {
        "calls": 2,
        "failed": 0,
        "input_tokens": 1010,
        "output_tokens": 101,
        "cost_usd": None,
    }


def test_a_line_leads_to_the_node_that_shows_it(api: Api) -> None:
    records = {r.line: r for r in read_records(NEW_LOG)}
    completed = next(n for n, r in records.items() if r.type == "LLMCallCompletedEvent")
    call = next(n for n, r in records.items() if r.type == "CallLLMCommand")
    turn = next(n for n, r in records.items() if r.type == "PromptCommand")
    path = ask(api, f"runs/{NAME}/path", line=completed)["path"]
    assert path == ["S0", f"L{turn}", f"L{call}"]  # the event is folded into its model call
    turn_result = next(
        n
        for n, r in records.items()
        if r.kind == "result" and r.data["command_id"] == records[turn].message_id
    )
    assert ask(api, f"runs/{NAME}/path", line=turn_result)["path"] == ["S0", f"L{turn}"]


def test_a_long_level_is_sent_a_page_at_a_time(tmp_path: Path) -> None:
    turns = [command("PromptCommand", session="long", prompt=f"turn {n}") for n in range(450)]
    write_log(tmp_path / "long.jsonl", turns)
    api = Api(LogFolder(tmp_path))
    first = ask(api, "runs/long.jsonl/nodes", parent="S0")
    assert (first["total"], first["offset"], len(first["nodes"])) == (450, 0, 200)
    assert first["nodes"][0]["label"] == "turn 1"
    last = ask(api, "runs/long.jsonl/nodes", parent="S0", offset=400)
    assert [n["label"] for n in last["nodes"]][-1] == "turn 450"
    focused = ask(api, "runs/long.jsonl/nodes", parent="S0", focus="L301")
    assert focused["offset"] == 200
    assert "L301" in [n["id"] for n in focused["nodes"]]


def test_a_growing_log_is_read_from_where_it_was(tmp_path: Path) -> None:
    log = write_log(tmp_path / "run.jsonl", [command("PromptCommand", prompt="one")])
    index = RunIndex(log, Prices())
    tree = index.tree()
    assert index.tree() is tree  # nothing new: the same tree
    with log.open("ab") as file:
        file.write(write_log(tmp_path / "more.jsonl", [command("PromptCommand")]).read_bytes())
    assert index.tree() is not tree
    assert len(index.tree().sessions[0].steps) == 2
    assert [r.line for r in index.after(1)] == [2]


def test_a_deep_tree_is_no_problem(tmp_path: Path) -> None:
    records = [command("PromptCommand", command_id="c0")]
    for n in range(1, 3000):
        records.append(command("NestedCommand", command_id=f"c{n}", parent=f"c{n - 1}"))
    tree = RunIndex(write_log(tmp_path / "deep.jsonl", records), Prices()).tree()
    assert len(tree.path(3000)) == 3001  # the session, then every level


def test_reading_pauses_the_collector_and_turns_it_back_on(tmp_path: Path) -> None:
    import gc

    from llmgine.viewer._run import bulk

    log = write_log(tmp_path / "run.jsonl", [command("PromptCommand")])
    assert gc.isenabled()
    with bulk():
        assert not gc.isenabled()
        RunIndex(log, Prices()).tree()  # a pause inside a pause
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        RunIndex(log, Prices()).tree()
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
