"""``provider_factory``: the engine asks the app for its providers and owns what it gets."""

from __future__ import annotations

import pytest

from llmgine.bus import MessageBus
from llmgine.engine import PromptCommand, ToolChatEngine, TurnResult
from llmgine.llm import LLMProvider
from llmgine.testing import ScriptedProvider, text


class Closing(ScriptedProvider):
    closed = False

    async def aclose(self) -> None:
        self.closed = True
        await super().aclose()


async def test_every_model_comes_from_the_factory_and_is_closed_with_the_engine() -> None:
    made: dict[str, Closing] = {}

    def factory(name: str) -> LLMProvider:
        made[name] = Closing([text(f"from {name}")], model=name)
        return made[name]

    async with MessageBus(log_dir=None) as bus:
        engine = ToolChatEngine(bus, model="fake:first", provider_factory=factory)
        async with engine:
            first = await bus.execute(PromptCommand(prompt="hi", session_id="s"))
            second = await bus.execute(
                PromptCommand(prompt="hi", session_id="s", model="fake:second")
            )
        assert isinstance(first.result, TurnResult)
        assert isinstance(second.result, TurnResult)
        assert first.result.content == "from fake:first"
        assert second.result.content == "from fake:second"
    assert sorted(made) == ["fake:first", "fake:second"]
    assert all(provider.closed for provider in made.values())


def test_options_and_a_factory_do_not_mix() -> None:
    bus = MessageBus(log_dir=None)
    with pytest.raises(ValueError, match="provider_options or a provider_factory"):
        ToolChatEngine(
            bus,
            provider_options={"api_key": "k"},
            provider_factory=lambda name: ScriptedProvider([]),
        )
