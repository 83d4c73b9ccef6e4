"""Every Python block of FreeAgentics' LLM-module README runs on llmgine with its import
rewritten (``from llm import`` -> ``from llmgine.compat.freeagentics.llm import``).

Each block runs as a script of its own (``tests/compat/_readme_code.py``) against
``FakeLLMServer``: OpenAI's key and base URL point at it, as a user's environment would point
at OpenAI. Only the Quick Start is complete; the others continue it, so each gets the
smallest completion that makes it run (the ``factory`` the Quick Start made, a spec to
validate...), said in its test. What they print, or a line printing what they return, is
checked against what the README says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmgine.gmn import validate
from llmgine.testing import FakeLLMServer, Fault, text
from tests.compat._readme_code import block, manifest, run_block
from tests.gmn._generation import BROKEN, fenced
from tests.gmn._specs import CORRIDOR

README = "freeagentics-llm"
IMPORT = "from llmgine.compat.freeagentics.llm import"
FACTORY = f"{IMPORT} create_llm_factory\n\nfactory = create_llm_factory()\n"
"""The Quick Start's factory, for the blocks that go on from it."""
REFINED = CORRIDOR.replace('description: "One step"', 'description: "One step, remembered"')


def openai_env(server: FakeLLMServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": server.openai_base_url}


def run(name: str, folder: Path, env: dict[str, str], **parts: str) -> Any:
    return run_block(block(README, name), folder, env, **parts)


def user_text(request: Any) -> str:
    return str(request.messages[-1]["content"])


def test_every_python_block_of_the_readme_has_a_test() -> None:
    names = [entry["file"] for entry in manifest()[README]["blocks"]]  # type: ignore[attr-defined]
    tests = sorted(name for name in globals() if name.startswith("test_block_"))
    assert [name[:2] for name in names] == [test.split("_")[2] for test in tests]


def test_block_01_quick_start_generates_gmn_for_the_prompt(tmp_path: Path) -> None:
    with FakeLLMServer([text(fenced(CORRIDOR))]) as server:
        done = run("01-quick-start.py", tmp_path, openai_env(server), after="print(gmn)")
        (request,) = server.requests

    assert done.stdout == CORRIDOR + "\n"  # "Generate GMN from natural language"
    assert validate(done.stdout).ok
    assert "Create an agent that explores a grid world" in user_text(request)
    assert "Agent type: explorer" in request.messages[0]["content"]
    assert request.model == "gpt-4o-mini"  # auto: the OpenAI key was found
    assert list((tmp_path / "logs").glob("*.jsonl"))  # every call is logged


def test_block_02_configuration_file_configures_the_factory(tmp_path: Path) -> None:
    # Completion: LLMProviderFactory imported (the block uses it without an import); then
    # what the factory chose, and one generation to see the config reach the request.
    before = f"{IMPORT} LLMProviderFactory\n"
    after = """\
gmn = await factory.generate_gmn(prompt="Create a cautious explorer agent")
print(factory.primary_provider, factory.fallback_chain)
"""
    with FakeLLMServer([text(CORRIDOR)]) as server:
        done = run("02-configuration-file.py", tmp_path, openai_env(server),
                   before=before, after=after)  # fmt: skip
        (request,) = server.requests

    # "auto" with an OpenAI key: the config's OpenAI model, then the Ollama it names
    # (Anthropic has no key here, so it is left out).
    assert done.stdout == "openai:gpt-4o ['ollama:llama3.2']\n"
    assert (request.model, request.body["temperature"]) == ("gpt-4o", 0.3)


def test_block_03_basic_generation_uses_agent_types_and_constraints(tmp_path: Path) -> None:
    # Completion: the Quick Start's factory; the last result's first line printed.
    after = "print(gmn.splitlines()[0])"
    script = [text(fenced(CORRIDOR))] * 3
    with FakeLLMServer(script) as server:
        done = run("03-basic-generation.py", tmp_path, openai_env(server),
                   before=FACTORY, after=after)  # fmt: skip
        requests = server.requests

    assert done.stdout == "node state pos {\n"  # the last gmn: a spec
    systems = [r.messages[0]["content"] for r in requests]
    assert ["Agent type: explorer" in s for s in systems] == [True, False, False]
    assert "Agent type: trader" in systems[1]
    assert "Agent type: coordinator" in systems[2]
    assert "- max_states: 10\n- max_actions: 5" in systems[2]
    assert [user_text(r).count("Create a") for r in requests] == [1, 1, 1]


@pytest.mark.parametrize(
    ("spec", "printed"),
    [(CORRIDOR, ""), (BROKEN, "Validation errors: [")],
    ids=["valid", "invalid"],
)
def test_block_04_gmn_validation_checks_in_code(spec: str, printed: str, tmp_path: Path) -> None:
    # Completion: the Quick Start's factory and a spec to validate; no model is asked.
    before = FACTORY + f"gmn = {spec!r}\n"
    with FakeLLMServer() as server:
        done = run("04-gmn-validation.py", tmp_path, openai_env(server), before=before)
        assert server.requests == []

    assert done.stdout.startswith(printed)
    if printed:  # the errors say where and what
        assert "line 27, column 5: E103 'to' of 'E_cue' names 'clue'" in done.stdout
        assert "line 2, column 5: E201 'pos' has size 0" in done.stdout


def test_block_05_gmn_refinement_sends_the_spec_and_the_feedback(tmp_path: Path) -> None:
    # Completion: the Quick Start's factory, its provider, and the spec to refine.
    before = FACTORY + f"provider = await factory.get_provider()\ncurrent_gmn = {CORRIDOR!r}\n"
    with FakeLLMServer([text(fenced(REFINED))]) as server:
        done = run("05-gmn-refinement.py", tmp_path, openai_env(server),
                   before=before, after="print(refined_gmn)")  # fmt: skip
        (request,) = server.requests

    assert done.stdout == REFINED + "\n"
    assert "Add memory capabilities" in user_text(request)
    assert "node state pos {" in user_text(request)


def test_block_06_custom_messages_are_sent_as_written(tmp_path: Path) -> None:
    # Completion: the Quick Start's factory; the reply printed.
    with FakeLLMServer([text("Three agents, one shared world model.")]) as server:
        done = run("06-custom-messages.py", tmp_path, openai_env(server),
                   before=FACTORY, after="print(response.content)")  # fmt: skip
        (request,) = server.requests

    assert done.stdout == "Three agents, one shared world model.\n"
    assert request.messages == [
        {"role": "system", "content": "You are an expert in active inference"},
        {"role": "user", "content": "Design a multi-agent system"},
    ]


def test_block_07_provider_specific_features_force_one_provider(tmp_path: Path) -> None:
    # Completion: the Quick Start's factory, messages to send, ProviderType imported; then
    # the reply printed, and a factory built from the block's Ollama config, whose GPU and
    # context options llmgine's Ollama adapter does not take (it says so on stderr).
    before = FACTORY + (
        f"{IMPORT} LLMMessage, LLMProviderFactory, LLMRole, ProviderType\n"
        'messages = [LLMMessage(role=LLMRole.USER, content="Hello")]\n'
    )
    after = """\
print(response.model_name, response.content)
print(json.dumps(config))
await LLMProviderFactory({**config, "provider": "ollama", "log_dir": None}).start()
"""
    with FakeLLMServer([text("Hello from Claude.")]) as server:
        env = openai_env(server) | {
            "ANTHROPIC_API_KEY": "sk-ant-test",
            "ANTHROPIC_BASE_URL": server.anthropic_base_url,
        }
        done = run("07-provider-specific-features.py", tmp_path, env,
                   before=before, after="import json\n" + after)  # fmt: skip
        (request,) = server.requests

    reply, config = done.stdout.splitlines()
    assert reply == "anthropic:claude-haiku-4-5 Hello from Claude."
    assert request.api == "anthropic"
    assert json.loads(config) == {"ollama": {"num_gpu": -1, "num_ctx": 8192}}
    assert "ignoring ['num_ctx', 'num_gpu']" in done.stderr


def test_block_08_health_monitoring_prints_each_providers_success_rate(tmp_path: Path) -> None:
    # Completion: the Quick Start's factory (OpenAI has a key, Anthropic none).
    with FakeLLMServer() as server:
        done = run("08-health-monitoring.py", tmp_path, openai_env(server), before=FACTORY)

    assert done.stdout == "openai: 100.0% success rate\nanthropic: 0.0% success rate\n"


def test_block_09_error_handling_catches_llm_errors(tmp_path: Path) -> None:
    # Completion: the Quick Start's factory, a prompt, and LLMError imported; the key is
    # refused, and no other provider has one.
    before = FACTORY + f'{IMPORT} LLMError\nprompt = "Create an explorer agent"\n'
    with FakeLLMServer([Fault.unauthorized()]) as server:
        done = run("09-error-handling.py", tmp_path, openai_env(server), before=before)

    assert done.stdout.startswith("LLM Error: openai:gpt-4o-mini (HTTP 401): ")
