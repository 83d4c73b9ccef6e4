"""Tools at the edges, through the one-call API and the real SDKs: a tool that exits fails
its call and the turn goes on; integers in the arguments reach the tool exact."""

from __future__ import annotations

import argparse

import pytest

import llmgine
from llmgine.testing import FakeLLMServer, text, tool_call
from tests.engine._harness import MODELS, provider_options

BIG = 98765432109876543210987
"""Above 2**64: a float would make it 9.876543210987654e+22."""


def run_cli(command: str) -> str:
    """Run a small command line.

    Args:
        command: the arguments, as on a command line.
    """
    parser = argparse.ArgumentParser(prog="cli")
    parser.add_argument("--count", type=int, required=True)
    return str(parser.parse_args(command.split()).count)  # exits when --count is missing


async def run_cli_async(command: str) -> str:
    """Run a small command line, asynchronously.

    Args:
        command: the arguments, as on a command line.
    """
    return run_cli(command)


@pytest.mark.parametrize("tool", [run_cli, run_cli_async], ids=["sync", "async"])
async def test_a_tool_that_exits_fails_its_call_and_the_turn_goes_on(
    adapter: str, fake: FakeLLMServer, tool: object, capsys: pytest.CaptureFixture[str]
) -> None:
    name = tool.__name__  # type: ignore[attr-defined]
    fake.add(tool_call(name, {"command": "--bogus"}), text("That command is wrong."))
    result = await llmgine.complete(
        "Run it.",
        model=MODELS[adapter],
        tools=[tool],  # type: ignore[list-item]
        log_dir=None,
        provider_options=provider_options(adapter, fake),
    )
    assert result.final_response == "That command is wrong."
    (call,) = result.tool_execution_history
    assert call.error == "SystemExit: 2"
    assert call.result.startswith("Error: SystemExit: 2. The tool tried to end the program")
    assert "cli: error: the following arguments are required" in capsys.readouterr().err


def find_order(order_id: int, reference: str) -> str:
    """Look an order up.

    Args:
        order_id: the order's number.
        reference: the customer's reference.
    """
    return f"{order_id!r} {reference!r}"


async def test_integers_in_tool_arguments_reach_the_tool_exact(
    adapter: str, fake: FakeLLMServer
) -> None:
    fake.add(
        tool_call("find_order", {"order_id": BIG, "reference": BIG + 1}),
        text("Found it."),
    )
    result = await llmgine.complete(
        "Find my order.",
        model=MODELS[adapter],
        tools=[find_order],
        log_dir=None,
        provider_options=provider_options(adapter, fake),
    )
    (call,) = result.tool_execution_history
    assert call.error is None
    assert call.result == f"{BIG} '{BIG + 1}'"
    assert call.arguments == {"order_id": BIG, "reference": BIG + 1}
