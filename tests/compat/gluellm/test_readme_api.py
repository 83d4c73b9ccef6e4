"""GlueLLM's README, "Quick Start" to "Multi-turn Conversations", "Error Handling" and the
production example: each Python block, with only its imports changed, against FakeLLMServer.

A fragment gets the smallest completion that runs it, named in its case: the tool or model
it uses (``my_tool``, ``MyModel``...), the import of the function it calls, and, where the
block only defines something, a call of it.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import pytest

from llmgine.compat.gluellm import api
from llmgine.llm import split_model_name
from llmgine.testing import Fault, json_reply, text, tool_call, tool_calls
from tests.compat.gluellm._readme import BLOCKS, Case, register, run_case
from tests.compat.gluellm.conftest import Example
from tests.engine._harness import tool_results_in, user_texts_in

CASES: dict[str, Case] = {}
case = register(CASES)

MY_TOOL = '''
def my_tool(query: str) -> str:
    """Look something up.

    Args:
        query: what to look up.
    """
    return f"found {query}"
'''
CALCULATOR = '''
def calculator(expression: str) -> str:
    """Work out an arithmetic expression.

    Args:
        expression: for example "25 * 4".
    """
    return str(eval(expression, {"__builtins__": {}}))
'''
IMPORT_COMPLETE = "from llmgine.compat.gluellm.api import complete, structured_complete\n"


def system_of(request: Any) -> str:
    return str(request.messages[0]["content"])


@case("01-simple-completion.py")
def _simple_completion(example: Example) -> None:
    example.server.add(text("The capital of France is Paris."))
    ran = example.run("01-simple-completion.py")
    assert ran.printed == "The capital of France is Paris.\n"
    (request,) = example.requests
    assert request.model == "gpt-4o-mini"  # GLUELLM_DEFAULT_MODEL
    assert system_of(request) == "You are a helpful geography assistant."
    assert user_texts_in(request) == ["What is the capital of France?"]


@case("02-tool-execution.py")
def _tool_execution(example: Example) -> None:
    example.server.add(
        tool_calls(
            ("get_weather", {"location": "Tokyo, Japan"}),
            ("get_weather", {"location": "Paris, France", "unit": "fahrenheit"}),
        ),
        text("Tokyo is 22°C and Paris 22°F, both sunny."),
    )
    ran = example.run("02-tool-execution.py")
    assert ran.lines == ["Tokyo is 22°C and Paris 22°F, both sunny.", "Tool calls made: 2"]
    weather = ran["get_weather"]
    assert tool_results_in(example.requests[1]) == [
        weather("Tokyo, Japan"),
        weather("Paris, France", "fahrenheit"),
    ]
    (schema,) = {t["function"]["name"]: t for t in example.requests[0].tools}.values()
    assert schema["function"]["parameters"]["required"] == ["location"]


@case("03-structured-output.py")
def _structured_output(example: Example) -> None:
    example.server.add(json_reply({"name": "John Smith", "age": 35, "city": "Seattle"}))
    ran = example.run("03-structured-output.py")
    assert ran.printed == "John Smith is 35 years old and lives in Seattle\n"
    assert example.requests[0].body["response_format"]["json_schema"]["name"] == "PersonInfo"


@case("04-model-specification-format.py")
def _model_specification_format(example: Example) -> None:
    # Assignments only: each model is a "provider:model" name that llmgine resolves too.
    ran = example.run("04-model-specification-format.py")
    assert ran["model"] == "xai:grok-beta"
    code = BLOCKS["04-model-specification-format.py"]
    models = [line.split('"')[1] for line in code.splitlines() if line.startswith("model=")]
    assert len(models) == 6
    for model in models:
        assert split_model_name(model)[0] in {"openai", "anthropic", "xai"}


@case("05-switching-providers.py")
def _switching_providers(example: Example) -> None:
    # Completion: the import of ``complete``.
    example.server.add(text("Hi from OpenAI"), text("Hi from Claude"), text("Hi from Grok"))
    ran = example.run("05-switching-providers.py", before=IMPORT_COMPLETE)
    assert ran["result"].final_response == "Hi from Grok"
    assert [(r.api, r.model) for r in example.requests] == [
        ("openai", "gpt-4o-mini"),
        ("anthropic", "claude-3-5-sonnet-20241022"),
        ("openai", "grok-beta"),
    ]
    assert [r.api_key for r in example.requests] == [
        "sk-test-gluellm-openai",
        "sk-ant-test-gluellm",
        "xai-test-gluellm-key",
    ]


@case("06-default-provider.py")
def _default_provider(example: Example, monkeypatch: pytest.MonkeyPatch) -> None:
    # The default model from a .env file, as the README sets it.
    monkeypatch.delenv("GLUELLM_DEFAULT_MODEL")
    (example.folder / ".env").write_text("GLUELLM_DEFAULT_MODEL=openai:gpt-4o-mini\n")
    api.config.reload_settings()
    example.server.add(text("Hello! How can I help?"))
    ran = example.run("06-default-provider.py")
    assert ran["result"].final_response == "Hello! How can I help?"
    assert example.requests[0].model == "gpt-4o-mini"


@case("07-gluellm-client.py")
def _gluellm_client(example: Example) -> None:
    # Completion: ``my_tool`` and ``MyModel``.
    before = MY_TOOL + "from pydantic import BaseModel\nclass MyModel(BaseModel):\n    item: str\n"
    example.server.add(
        text("Noted: blue."),
        text("Your favorite color is blue."),
        json_reply({"item": "blue"}),
    )
    ran = example.run("07-gluellm-client.py", before=before)
    assert ran["result"].final_response == "Your favorite color is blue."
    assert ran["data"].item == "blue"
    first, second, third = example.requests
    assert user_texts_in(second) == ["My favorite color is blue", "What's my favorite color?"]
    assert user_texts_in(third)[:2] == user_texts_in(second)
    assert system_of(first).startswith("You are helpful.")
    assert [t["function"]["name"] for t in first.tools] == ["my_tool"]
    assert ran["client"].history == []  # reset_conversation()


@case("08-convenience-functions.py")
def _convenience_functions(example: Example) -> None:
    # Completion: ``calculator`` and ``PersonInfo``.
    before = CALCULATOR + (
        "from pydantic import BaseModel\n"
        "class PersonInfo(BaseModel):\n    name: str\n    age: int\n"
    )
    example.server.add(
        tool_call("calculator", {"expression": "2+2"}),
        text("2 + 2 = 4"),
        json_reply({"name": "Jane Doe", "age": 28}),
    )
    ran = example.run("08-convenience-functions.py", before=before)
    assert ran["result"].final_response == "2 + 2 = 4"
    assert ran["result"].tool_calls_made == 1
    assert (ran["person"].name, ran["person"].age) == ("Jane Doe", 28)
    assert tool_results_in(example.requests[1]) == ["4"]
    assert system_of(example.requests[2]) == "Extract data."


@case("09-toolexecutionresult.py")
def _tool_execution_result(example: Example) -> None:
    # Completion: ``ChatCompletion`` (the class body's annotations are evaluated), ``my_tool``
    # and the import of ``complete``. The block redefines ToolExecutionResult for show; what
    # ``complete`` returns has those fields (but ``raw_response``: docs/migrating.md).
    before = "ChatCompletion = object\n" + MY_TOOL + IMPORT_COMPLETE
    example.server.add(
        tool_call("my_tool", {"query": "tides"}, usage=(30, 5)),
        text("Tides are caused by the Moon.", usage=(50, 7)),
    )
    ran = example.run("09-toolexecutionresult.py", before=before)
    assert ran.lines == [
        "Tides are caused by the Moon.",
        "Made 1 tool calls",
        "Tokens used: 92",
        "  Prompt: 80",
        "  Completion: 12",
        "my_tool({'query': 'tides'}) -> found tides",
    ]
    assert isinstance(ran["result"], api.ToolExecutionResult)


@case("10-creating-tools.py")
def _creating_tools(example: Example) -> None:
    # The block defines a tool; the completion offers it to ``complete``.
    after = IMPORT_COMPLETE + 'result = await complete("What is 10 * 5?", tools=[calculate])\n'
    example.server.add(tool_call("calculate", {"expression": "10 * 5"}), text("50"))
    ran = example.run("10-creating-tools.py", after=after)
    assert ran["result"].tool_execution_history[0]["result"] == "50"
    (tool,) = example.requests[0].tools
    assert tool["function"]["name"] == "calculate"
    assert tool["function"]["description"].startswith("Safely evaluate a mathematical expression.")
    assert "expression" in tool["function"]["parameters"]["required"]


@case("11-multiple-tools-example.py")
def _multiple_tools(example: Example) -> None:
    example.server.add(
        tool_calls(("get_weather", {"location": "Tokyo"}), ("get_time", {"timezone": "JST"})),
        text("Sunny, and it is evening in Tokyo."),
    )
    ran = example.run("11-multiple-tools-example.py", before=IMPORT_COMPLETE)
    weather, clock = tool_results_in(example.requests[1])
    assert weather == ran["get_weather"]("Tokyo")
    assert len(clock) == 8
    assert clock.count(":") == 2
    assert ran["result"].tool_calls_made == 2


@case("12-async-tools.py")
def _async_tools(example: Example, monkeypatch: pytest.MonkeyPatch) -> None:
    # Completion: ``aiohttp`` stood in by a stub (tests reach no network), and the import of
    # ``complete``.
    monkeypatch.setitem(sys.modules, "aiohttp", _aiohttp_stub('{"data": [1, 2, 3]}'))
    example.server.add(
        tool_call("fetch_data", {"url": "https://api.example.com/data"}),
        text("The data is [1, 2, 3]."),
    )
    ran = example.run("12-async-tools.py", before=IMPORT_COMPLETE)
    assert tool_results_in(example.requests[1]) == ['{"data": [1, 2, 3]}']
    assert ran["result"].final_response == "The data is [1, 2, 3]."


def _aiohttp_stub(body: str) -> types.ModuleType:
    class Response:
        async def __aenter__(self) -> Response:
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

        async def text(self) -> str:
            return body

    class ClientSession(Response):
        def get(self, url: str) -> Response:
            return Response()

    stub = types.ModuleType("aiohttp")
    stub.ClientSession = ClientSession  # type: ignore[attr-defined]
    return stub


@case("13-tool-execution-history.py")
def _tool_execution_history(example: Example) -> None:
    # Completion: ``tool1``, ``tool2`` (which fails) and the import of ``complete``.
    before = IMPORT_COMPLETE + (
        "def tool1(city: str) -> str:\n    return f'{city}: 2.1 million'\n"
        "def tool2(city: str) -> str:\n    raise ValueError(f'no data for {city}')\n"
    )
    example.server.add(
        tool_calls(("tool1", {"city": "Paris"}), ("tool2", {"city": "Paris"})),
        text("Paris has 2.1 million people."),
    )
    ran = example.run("13-tool-execution-history.py", before=before)
    assert ran.lines[:5] == [
        "",
        "Tool Call 1:",
        "  Tool: tool1",
        "  Args: {'city': 'Paris'}",
        "  Result: Paris: 2.1 million",
    ]
    assert ran.lines[5] == "  Error: None"
    assert ran.lines[6:9] == ["", "Tool Call 2:", "  Tool: tool2"]
    assert "no data for Paris" in ran.lines[10]
    assert "no data for Paris" in ran.lines[11]
    assert ran.lines[11].startswith("  Error: ")


@case("14-structured-output.py")
def _structured_product(example: Example) -> None:
    example.server.add(
        json_reply(
            {"name": "iPhone 15 Pro", "price": 999, "in_stock": True, "category": "Electronics"}
        )
    )
    ran = example.run("14-structured-output.py", before=IMPORT_COMPLETE)
    assert ran.lines == ["iPhone 15 Pro: $999.0", "In stock: True"]


@case("15-complex-structured-output.py")
def _complex_structured_output(example: Example) -> None:
    # Completion: ``BaseModel`` (imported by the block before) and ``structured_complete``.
    before = IMPORT_COMPLETE + "from pydantic import BaseModel\n"
    sarah = {
        "name": "Sarah Johnson",
        "age": 32,
        "addresses": [
            {"street": "123 Main St", "city": "New York", "country": "USA"},
            {"street": "456 Oak Ave", "city": "Boston", "country": "USA"},
        ],
        "occupation": "software engineer",
    }
    example.server.add(json_reply(sarah))
    ran = example.run("15-complex-structured-output.py", before=before)
    person = ran["person"]
    assert [a.city for a in person.addresses] == ["New York", "Boston"]
    assert person.occupation == "software engineer"


@case("16-multi-turn-conversations.py")
def _multi_turn(example: Example) -> None:
    # Completion: ``calculator``. The fake model says what the README's comments show.
    example.server.add(
        text("I'll remember that your favorite number is 42!"),
        text("Your favorite number is 42."),
        tool_call("calculator", {"expression": "42 * 2"}),
        text("42 x 2 = 84"),
    )
    ran = example.run("16-multi-turn-conversations.py", before=CALCULATOR)
    assert ran.lines == [
        "I'll remember that your favorite number is 42!",
        "Your favorite number is 42.",
        "42 x 2 = 84",
    ]
    assert user_texts_in(example.requests[1]) == [
        "My favorite number is 42",
        "What's my favorite number?",
    ]
    assert tool_results_in(example.requests[3]) == ["84"]
    assert ran["client"].history == []


@case("51-exception-hierarchy.py")
def _exception_hierarchy(example: Example) -> None:
    ran = example.run("51-exception-hierarchy.py")
    errors = ("TokenLimitError", "RateLimitError", "APIConnectionError", "InvalidRequestError")
    for name in (*errors, "AuthenticationError"):
        assert issubclass(ran[name], ran["LLMError"]), name


@case("52-handling-errors.py")
def _handling_errors(example: Example, monkeypatch: pytest.MonkeyPatch) -> None:
    # Completion: ``my_tool``. Run twice: a context too long (never retried), then a rate
    # limit that outlasts the retries (two attempts, no wait, to keep the test quick).
    monkeypatch.setenv("GLUELLM_RETRY_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("GLUELLM_RETRY_MIN_WAIT", "0")
    api.config.reload_settings()
    example.server.add(Fault.context_length())
    ran = example.run("52-handling-errors.py", before=MY_TOOL)
    assert ran.printed.startswith("Token limit exceeded: ")
    example.server.add(Fault.rate_limit(retry_after=0), Fault.rate_limit(retry_after=0))
    ran = example.run("52-handling-errors.py")
    assert ran.printed.startswith("Rate limit hit after retries: ")
    assert len(example.requests) == 3


@case("54-example-production-application.py")
def _production_application(example: Example) -> None:
    example.server.add(text("Hello! How can I help you today?"))
    ran = example.run("54-example-production-application.py")
    assert ran.printed == (
        "{'success': True, 'response': 'Hello! How can I help you today?', 'tool_calls': 0}\n"
    )
    assert system_of(example.requests[0]) == "You are helpful."


@pytest.mark.parametrize("block", sorted(CASES))
def test_readme_block(block: str, example: Example, request: pytest.FixtureRequest) -> None:
    run_case(CASES, block, example, request)
