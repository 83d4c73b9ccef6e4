"""FreeAgentics' entry points on llmgine: the providers a config chooses, generation through
the real adapters against a local fake server, failover, the health numbers, and the
offline path. FreeAgentics' own calls run with only the import changed."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from llmgine.engine import CallLLMCommand
from llmgine.gmn import (
    GenerateGMNCommand,
    GMNGeneratedEvent,
    LLMProviderFactory,
    create_llm_factory,
    render,
    template,
    validate,
)
from llmgine.gmn._prompts import issue_text
from llmgine.gmn._providers import plan
from llmgine.llm import AuthenticationError, InvalidRequestError, LLMError
from llmgine.testing import FakeLLMServer, Fault, text
from tests.gmn._generation import BROKEN, UNNORMALISED, fenced, logged
from tests.gmn._specs import CORRIDOR

OFFLINE: dict[str, Any] = {"provider": "mock", "log_dir": None}


def served_by(server: FakeLLMServer, **extra: Any) -> dict[str, Any]:
    """A config whose OpenAI and Anthropic are the fake server, tried in that order."""
    return {
        "provider": "openai",
        "openai": {"api_key": "sk-test", "base_url": server.openai_base_url, "max_retries": 1},
        "anthropic": {
            "api_key": "ant-test",
            "base_url": server.anthropic_base_url,
            "max_retries": 1,
            "model": "claude-test",
        },
        "log_dir": None,
        **extra,
    }


@pytest.mark.parametrize(
    ("config", "detected", "names"),
    [
        ({"provider": "openai"}, None, ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]),
        (
            {"provider": "anthropic", "anthropic": {"model": "claude-x"}, "ollama": {}},
            None,
            ["anthropic:claude-x", "openai:gpt-4o-mini", "ollama:llama3.2"],
        ),
        ({}, "offline:stand-in", ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"]),
        (
            {},
            "ollama:qwen3",
            ["openai:gpt-4o-mini", "anthropic:claude-haiku-4-5", "ollama:qwen3"],
        ),
        (
            {"openai": {"model": "gpt-4o"}},
            "openai:gpt-4o-mini",
            ["openai:gpt-4o", "anthropic:claude-haiku-4-5"],
        ),
        (
            {},
            "xai:grok-beta",
            ["xai:grok-beta", "openai:gpt-4o-mini", "anthropic:claude-haiku-4-5"],
        ),
        ({"provider": "mock"}, None, ["offline:stand-in"]),
        ({"models": ["xai:grok-2", "openai:o3", "xai:grok-2"]}, None, ["xai:grok-2", "openai:o3"]),
    ],
    ids=[
        "openai",
        "anthropic",
        "auto-none",
        "auto-ollama",
        "auto-key",
        "auto-env",
        "mock",
        "models",
    ],
)
def test_plan_orders_the_models_to_try(
    config: Mapping[str, Any], detected: str | None, names: list[str]
) -> None:
    assert plan(config, detected) == names


def test_an_unknown_provider_is_refused_when_the_factory_is_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="unknown provider 'gpt'; choose one of auto, openai"):
        create_llm_factory({"provider": "gpt"})
    monkeypatch.setenv("LLM_PROVIDER", "nonsense")
    with pytest.raises(ValueError, match="'nonsense'"):
        LLMProviderFactory()


async def test_a_fenced_answer_arrives_whole_through_the_openai_adapter_with_no_stop() -> None:
    script = [text(fenced(UNNORMALISED)), text(fenced(CORRIDOR))]
    async with FakeLLMServer(script) as server:
        async with create_llm_factory(served_by(server)) as factory:
            spec = await factory.generate_gmn("a corridor walker", agent_type="general")

    assert spec == CORRIDOR
    first, second = server.requests
    assert "stop" not in first.body, "a stop sequence would cut a fenced answer"
    assert first.body["temperature"] == 0.3
    assert issue_text(validate(UNNORMALISED).errors[0]) in second.messages[-1]["content"]


async def test_failover_and_the_health_numbers() -> None:
    script = [Fault.unauthorized(), text(fenced(CORRIDOR)), text(fenced(CORRIDOR))]
    async with FakeLLMServer(script) as server:
        async with create_llm_factory(served_by(server)) as factory:
            before = await factory.health_check()
            assert await factory.generate_gmn("a corridor walker") == CORRIDOR
            # OpenAI cools down after its 401: the second call goes straight to Anthropic.
            assert await factory.generate_gmn("another corridor walker") == CORRIDOR
            health = await factory.health_check()

    assert [r.api for r in server.requests] == ["openai", "anthropic", "anthropic"]
    assert before["providers"]["openai"]["success_rate"] == 100.0
    assert before["providers"]["openai"]["latency"] is None
    assert health["primary_provider"] == "openai:gpt-4o-mini"
    assert health["fallback_chain"] == ["anthropic:claude-test"]
    openai, anthropic = health["providers"]["openai"], health["providers"]["anthropic"]
    assert openai | {"state": None} == {
        "model": "openai:gpt-4o-mini",
        "available": True,
        "healthy": False,
        "state": None,
        "success_rate": 0.0,
        "latency": None,
        "consecutive_failures": 1,
        "total_requests": 1,
    }
    assert openai["state"] == "cooling_down"
    assert (anthropic["success_rate"], anthropic["total_requests"]) == (100.0, 2)
    assert anthropic["healthy"]
    assert 0 < anthropic["latency"] < 10
    printed = [
        f"{name}: {s['success_rate']:.1f}% success rate" for name, s in health["providers"].items()
    ]
    assert printed == ["openai: 0.0% success rate", "anthropic: 100.0% success rate"]


async def test_a_request_the_model_refuses_raises_its_llm_error() -> None:
    async with FakeLLMServer([Fault.bad_request()]) as server:
        factory = create_llm_factory(served_by(server, models=["openai:gpt-4o-mini"]))
        async with factory:
            with pytest.raises(InvalidRequestError, match="Unrecognized request argument"):
                await factory.generate_gmn("a corridor walker")


async def test_an_explicit_provider_without_its_key_says_which_key() -> None:
    factory = create_llm_factory({"provider": "anthropic", "log_dir": None})

    with pytest.raises(AuthenticationError, match="ANTHROPIC_API_KEY"):
        await factory.generate_gmn("a trader")


async def test_a_fallback_without_its_key_is_reported_not_tried() -> None:
    config = {"provider": "openai", "openai": {"api_key": "sk-test"}, "log_dir": None}
    async with create_llm_factory(config) as factory:
        health = await factory.health_check()

    assert health["fallback_chain"] == []
    assert health["providers"]["anthropic"]["error"] == (
        "no API key: set ANTHROPIC_API_KEY (or LLMGINE_ANTHROPIC_API_KEY)"
    )


async def test_auto_without_keys_or_models_is_offline_and_reports_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LLMGINE_MODEL", "offline:stand-in")  # what detection finds here
    async with create_llm_factory({"log_dir": None}) as factory:
        health = await factory.health_check()
        spec = await factory.generate_gmn("a cautious explorer on a 3x3 grid")

    assert spec == render(template("explorer", "a cautious explorer on a 3x3 grid"))
    assert health["primary_provider"] == "offline:stand-in"
    assert health["fallback_chain"] == []
    offline, openai = health["providers"]["offline"], health["providers"]["openai"]
    assert (offline["available"], offline["success_rate"], offline["latency"]) == (
        True,
        100.0,
        None,
    )
    assert (openai["available"], openai["healthy"], openai["state"]) == (
        False,
        False,
        "unavailable",
    )
    assert "OPENAI_API_KEY" in openai["error"]
    assert "ANTHROPIC_API_KEY" in health["providers"]["anthropic"]["error"]


async def test_validate_gmn_returns_is_valid_and_the_errors() -> None:
    factory = create_llm_factory(OFFLINE)

    assert await factory.validate_gmn(CORRIDOR) == (True, [])
    is_valid, errors = await factory.validate_gmn(CORRIDOR, constraints={"max_states": 2})
    assert (is_valid, [e.split(": ")[1][:4] for e in errors]) == (False, ["E208"])
    is_valid, errors = await factory.validate_gmn(BROKEN)
    assert not is_valid
    assert errors == [issue_text(issue) for issue in validate(BROKEN).errors]
    assert errors[0].startswith("line ")


async def test_offline_refinement_gives_the_spec_back(tmp_path: Path) -> None:
    factory = create_llm_factory(OFFLINE | {"log_dir": tmp_path})

    assert await factory.refine_gmn(BROKEN, feedback="fix the names") == BROKEN
    assert factory.last_log_path is not None
    assert factory.last_log_path.parent == tmp_path


async def test_every_call_is_logged_on_a_bus_of_its_own(tmp_path: Path) -> None:
    script = [text(fenced(BROKEN)), text(fenced(CORRIDOR))]
    async with FakeLLMServer(script) as server:
        async with create_llm_factory(served_by(server, log_dir=tmp_path)) as factory:
            await factory.generate_gmn("a corridor walker")
            first = factory.last_log_path
            result = await factory.execute(GenerateGMNCommand(prompt="x", model="offline:x"))
            second = factory.last_log_path
    log = logged(first)

    assert first is not None
    assert second is not None
    assert (first.parent, second.parent) == (tmp_path, tmp_path)
    assert first != second
    assert result.unwrap().source == "template"
    assert not [m for m in logged(second) if isinstance(m, CallLLMCommand)]
    [command] = [m for m in log if isinstance(m, GenerateGMNCommand)]
    calls = [m for m in log if isinstance(m, CallLLMCommand)]
    assert [c.parent_id for c in calls] == [command.command_id] * 2
    [done] = [m for m in log if isinstance(m, GMNGeneratedEvent)]
    assert (done.valid, done.rounds, done.model) == (True, 1, "openai:gpt-4o-mini")


async def test_freeagentics_calls_run_with_only_the_import_changed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The calls of FreeAgentics' llm module README, on the offline templates.
    monkeypatch.setenv("LLMGINE_MODEL", "offline:stand-in")
    monkeypatch.chdir(tmp_path)  # the default log_dir, "logs", goes there
    factory = create_llm_factory()
    gmn = await factory.generate_gmn(
        prompt="Create an agent that explores a grid world", agent_type="explorer"
    )
    cautious = await factory.generate_gmn(prompt="Create a cautious explorer agent")
    team = await factory.generate_gmn(
        prompt="Create a team coordinator",
        agent_type="coordinator",
        constraints={"max_states": 10, "max_actions": 5},
    )
    provider = await factory.get_provider()
    is_valid, errors = await provider.validate_gmn(gmn)
    refined_gmn = await provider.refine_gmn(gmn_spec=team, feedback="Add memory capabilities")
    health = await factory.health_check()
    for name, status in health["providers"].items():
        print(f"{name}: {status['success_rate']:.1f}% success rate")
    try:
        await create_llm_factory({"provider": "openai"}).generate_gmn("x")
    except LLMError as e:
        print(f"LLM Error: {type(e).__name__}")

    assert (is_valid, errors) == (True, [])
    assert len(list((tmp_path / "logs").glob("*.jsonl"))) == 5, "a log per GMN call"
    assert "node state position" in gmn
    assert cautious != gmn, "cautious weighs the pit three times"
    assert refined_gmn == team
    assert validate(team, constraints={"max_states": 10, "max_actions": 5}).ok
    assert capsys.readouterr().out.splitlines() == [
        "offline: 100.0% success rate",
        "openai: 0.0% success rate",
        "anthropic: 0.0% success rate",
        "LLM Error: AuthenticationError",
    ]
