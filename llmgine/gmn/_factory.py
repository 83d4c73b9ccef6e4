"""FreeAgentics' entry points, on llmgine: ``create_llm_factory`` and its factory.

FreeAgentics' ``llm`` module hands out a factory that picks a provider, fails over to the
next, and generates, validates and refines GMN. This one keeps those calls and their
arguments, so FreeAgentics' examples run with only the import changed, and carries them
out with llmgine's parts: the providers of ``llmgine.llm`` behind one ``FailoverProvider``
(which keeps each one's success rate and latency for ``health_check``), and, for each call,
a bus with the chat engine and the ``GMNGenerator`` on it, so every model call and repair
round is in the JSONL log under the command that caused it.

A bus lives for one call: a script that never closes the factory (FreeAgentics' examples
do not) still leaves a complete log and no task or thread behind. The providers live as
long as the factory, and so does what they remember; ``close()`` releases them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from pydantic import JsonValue

from llmgine.bus import MessageBus
from llmgine.config import load_settings
from llmgine.engine import ToolChatEngine
from llmgine.gmn._commands import (
    GenerateGMNCommand,
    RefineGMNCommand,
    ValidateGMNCommand,
)
from llmgine.gmn._generator import DEFAULT_REPAIR_ROUNDS, GMNGenerator
from llmgine.gmn._prompts import issue_text
from llmgine.gmn._providers import build, plan, provider_choice, temperature_of
from llmgine.gmn._templates import AgentType
from llmgine.llm import FailoverProvider, LLMError, LLMProvider, detect_model
from llmgine.messages import Command, CommandFailedError, CommandResult

R = TypeVar("R")


class LLMProviderFactory:
    """Generates, validates and refines GMN with the best models available, failing over.

    ``config`` is FreeAgentics' (see ``create_llm_factory``). Providers are chosen and
    built at the first call (or ``start()``); ``close()`` (or ``async with``) releases them.
    """

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        self.config: dict[str, Any] = dict(config or {})
        provider_choice(self.config)  # an unknown provider is an error now, not at first use
        self.log_dir: str | None = self.config.get("log_dir", "logs")
        self.max_repair_rounds = int(self.config.get("max_repair_rounds", DEFAULT_REPAIR_ROUNDS))
        self.last_log_path: Path | None = None
        """The JSONL log of the last call, when logging is on (``log_dir``)."""
        self._provider: FailoverProvider | None = None
        self._unavailable: dict[str, str] = {}
        self._lock = asyncio.Lock()

    async def start(self) -> LLMProviderFactory:
        """Choose and build the providers (done by the first call when not called)."""
        async with self._lock:
            if self._provider is None:
                auto = not self.config.get("models") and provider_choice(self.config) == "auto"
                detected = await detect_model() if auto else None
                keys = load_settings().api_key_for
                built = build(plan(self.config, detected), self.config, keys, auto=auto)
                cooldown = float(self.config.get("cooldown", 30.0))
                self._provider = FailoverProvider(built.providers, cooldown=cooldown)
                self._unavailable = built.unavailable
        return self

    async def close(self) -> None:
        """Release the providers' connections; the next call builds them again."""
        provider, self._provider = self._provider, None
        if provider is not None:
            await provider.aclose()

    async def __aenter__(self) -> LLMProviderFactory:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def provider(self) -> FailoverProvider:
        """The models chosen, behind one ``FailoverProvider``; known once started."""
        return self._started()

    @property
    def unavailable(self) -> dict[str, str]:
        """The models that could not be built, each with the reason; known once started."""
        return dict(self._unavailable)

    @property
    def primary_provider(self) -> str:
        """The model tried first (``provider:model``); known once started."""
        return self._started().candidates[0].model_name

    @property
    def fallback_chain(self) -> list[str]:
        """The models tried after the primary, in order; known once started."""
        return [p.model_name for p in self._started().candidates[1:]]

    async def execute(
        self, command: Command[R], *, model: LLMProvider | None = None
    ) -> CommandResult[R]:
        """Run a GMN command (or any command the engine answers) on a bus of its own, with
        ``model`` as the engine's model (default: the failover over every model chosen)."""
        provider = model or (await self.start())._started()
        async with MessageBus(log_dir=self.log_dir) as bus:
            self.last_log_path = bus.log_path
            async with ToolChatEngine(bus, model=provider, stream=False) as engine:
                generator = GMNGenerator(
                    engine.model,
                    max_repair_rounds=self.max_repair_rounds,
                    temperature=temperature_of(self.config, engine.model, 0.3),
                )
                with generator.attach(bus):
                    return await bus.execute(command)

    async def generate_gmn(
        self,
        prompt: str,
        agent_type: AgentType | None = None,
        constraints: Mapping[str, JsonValue] | None = None,
        examples: Sequence[str] | None = None,
    ) -> str:
        """A GMN spec (text) for the agent ``prompt`` describes, repaired until valid or
        out of rounds: ``validate_gmn`` says which. ``agent_type`` ``None`` chooses from
        the prompt's words. Raises ``LLMError`` when no model could answer."""
        command = GenerateGMNCommand(
            prompt=prompt,
            agent_type=agent_type,
            constraints=dict(constraints or {}),
            examples=tuple(examples or ()),
        )
        return _value(await self.execute(command)).spec

    async def validate_gmn(
        self, gmn_spec: str, constraints: Mapping[str, JsonValue] | None = None
    ) -> tuple[bool, list[str]]:
        """``(is_valid, errors)``, checked in code (against ``constraints`` too, when
        given); each error reads ``line 4, column 9: E203 message (hint: ...)``."""
        command = ValidateGMNCommand(spec=gmn_spec, constraints=dict(constraints or {}))
        report = _value(await self.execute(command))
        return report.ok, [issue_text(issue) for issue in report.errors]

    async def refine_gmn(self, gmn_spec: str, feedback: str) -> str:
        """``gmn_spec`` changed as ``feedback`` asks, keeping its intent, re-validated and
        repaired like a generated spec. Raises ``LLMError`` when no model could answer."""
        command = RefineGMNCommand(spec=gmn_spec, feedback=feedback)
        return _value(await self.execute(command)).spec

    async def health_check(self) -> dict[str, Any]:
        """Per provider: ``available``, ``healthy``, ``success_rate`` (percent, over the
        last 20 calls; 100.0 before any), ``latency`` (median seconds of the successful
        ones, ``None`` before any), ``consecutive_failures``, ``total_requests``; one that
        could not be built is unavailable, at 0 %, with the ``error`` that kept it out.
        Nothing is sent to any provider."""
        provider = (await self.start())._started()
        providers: dict[str, dict[str, Any]] = {}
        for health in provider.health():
            providers[health.model_name.partition(":")[0]] = {
                "model": health.model_name,
                "available": True,
                "healthy": health.state != "cooling_down",
                "state": health.state,
                "success_rate": health.success_rate * 100,
                "latency": health.latency,
                "consecutive_failures": health.consecutive_failures,
                "total_requests": health.total_calls,
            }
        for name, error in self._unavailable.items():
            providers.setdefault(name.partition(":")[0], _unavailable(name, error))
        return {
            "primary_provider": self.primary_provider,
            "fallback_chain": self.fallback_chain,
            "providers": providers,
        }

    async def get_provider(self) -> LLMProviderFactory:
        """What FreeAgentics' ``get_provider()`` gave its GMN calls to: here the factory
        itself, whose calls fail over instead of staying with one provider."""
        return await self.start()

    def _started(self) -> FailoverProvider:
        if self._provider is None:
            raise RuntimeError("the factory has not started: await factory.start() first")
        return self._provider


def create_llm_factory(config: Mapping[str, Any] | None = None) -> LLMProviderFactory:
    """A factory over the providers this machine has, with failover between them.

    ``config`` (all optional): ``provider`` (``auto``, ``openai``, ``anthropic``,
    ``ollama``, ``mock``; default ``$LLM_PROVIDER`` or ``auto``), a section per provider
    (``model``, ``api_key``, ``base_url``, ``timeout``, ``max_retries``, ``temperature``),
    ``models`` (``provider:model`` names to try in order, instead of ``provider``),
    ``max_repair_rounds`` (3), ``temperature`` (0.3), ``cooldown`` (seconds a failing
    provider is skipped, 30), ``log_dir`` (``"logs"``; ``None``: no log). With no key
    and no local model, GMN comes from the offline templates, and results say so.
    """
    return LLMProviderFactory(config)


def _unavailable(name: str, error: str) -> dict[str, Any]:
    return {
        "model": name,
        "available": False,
        "healthy": False,
        "state": "unavailable",
        "success_rate": 0.0,
        "latency": None,
        "consecutive_failures": 0,
        "total_requests": 0,
        "error": error,
    }


def _value(result: CommandResult[R]) -> R:
    """The value, or the failure raised: an ``LLMError`` for a model call's."""
    if result.failure is not None:
        try:
            error = LLMError.from_failure(result.failure)
        except ValueError:
            raise CommandFailedError(result.failure) from None
        raise error
    return result.unwrap()
