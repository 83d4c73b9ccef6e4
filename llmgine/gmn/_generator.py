"""``GMNGenerator``: the bus component that writes, checks and repairs GMN specs.

It answers ``GenerateGMNCommand``, ``RefineGMNCommand`` and ``ValidateGMNCommand``. To
write a spec it asks a language model through the bus, with ``CallLLMCommand``, which the
chat engine (``ToolChatEngine``) answers: every model call is then in the log beneath the
command that caused it, with its usage and latency, and hooks can see and refuse it like
any other. Each answer's spec is validated in code, through ``ValidateGMNCommand``; while
it has errors, and repair rounds are left, the errors go back to the model in the same
conversation and it is asked again.

With no language model (the offline stand-in, ``offline:...``) generation returns the
template of the agent type, customised by the prompt's words, and refinement returns the
spec unchanged; the result says so in ``source`` and ``note``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import JsonValue

from llmgine.bus import BusLike, Registration
from llmgine.engine import CallLLMCommand
from llmgine.gmn._commands import (
    GenerateGMNCommand,
    GMNResult,
    RefineGMNCommand,
    Source,
    ValidateGMNCommand,
)
from llmgine.gmn._context import Constraints
from llmgine.gmn._events import (
    GMNDraftReceivedEvent,
    GMNGeneratedEvent,
    GMNGenerationStartedEvent,
    GMNRefinedEvent,
    GMNRefinementStartedEvent,
    GMNRepairRequestedEvent,
    GMNTemplateUsedEvent,
    GMNValidatedEvent,
)
from llmgine.gmn._extract import extract_spec
from llmgine.gmn._prompts import (
    generation_request,
    issue_text,
    refinement_request,
    repair_request,
    system_prompt,
)
from llmgine.gmn._render import render
from llmgine.gmn._report import ValidationReport
from llmgine.gmn._templates import AgentType, agent_type_for, customisations, template
from llmgine.gmn._validate import DEFAULT_TOLERANCE, validate
from llmgine.llm import (
    AssistantMessage,
    ChatMessage,
    LLMRequest,
    SystemMessage,
    UserMessage,
    detect_model,
)
from llmgine.messages import CommandResult, Failure

DEFAULT_REPAIR_ROUNDS = 3
_CONNECT = "set OPENAI_API_KEY or ANTHROPIC_API_KEY, or start Ollama, to use a language model"
_NO_ENGINE = (
    "nothing on this bus answers CallLLMCommand, so the GMN generator cannot reach a model: "
    "start a ToolChatEngine (llmgine.engine) on the same bus, or use create_llm_factory()"
)


class GMNGenerator:
    """Generates, refines and validates GMN specs on a bus.

    Args:
        model: ``provider:model`` to ask, unless a command names one; ``None``: the model
            ``detect_model()`` finds, chosen at the first command. Pass the engine's
            (``engine.model``) when it was given a provider object.
        max_repair_rounds: how many times an invalid spec is sent back with its errors.
        temperature: of every model call (low: a spec is not creative writing).
        max_tokens: the longest answer, or ``None`` for the provider's default.
        tolerance: how far a distribution may sum from 1 (see ``validate``).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        max_repair_rounds: int = DEFAULT_REPAIR_ROUNDS,
        temperature: float | None = 0.3,
        max_tokens: int | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
    ) -> None:
        if max_repair_rounds < 0:
            raise ValueError(f"max_repair_rounds must be 0 or more, got {max_repair_rounds}")
        self.model = model
        self.max_repair_rounds = max_repair_rounds
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.tolerance = tolerance

    def attach(self, target: BusLike) -> Registration:
        """Handle the three GMN commands on ``target`` (a bus or one session of it)."""
        run = _Run(self, target)
        return Registration.group(
            "gmn generator",
            [
                target.register_command_handler(GenerateGMNCommand, run.generate),
                target.register_command_handler(RefineGMNCommand, run.refine),
                target.register_command_handler(ValidateGMNCommand, run.validate),
            ],
        )

    async def model_for(self, named: str | None) -> str:
        """The model a command runs on: the one it names, the generator's, or the detected."""
        if named:
            return named
        if self.model is None:
            self.model = await detect_model()
        return self.model


class _Run:
    """The handlers of one attachment, and the target they talk through."""

    def __init__(self, generator: GMNGenerator, target: BusLike) -> None:
        self.generator = generator
        self.target = target

    async def validate(self, command: ValidateGMNCommand) -> ValidationReport:
        report = validate(
            command.spec,
            constraints=Constraints.model_validate(command.constraints),
            tolerance=command.tolerance,
        )
        await self.target.publish(
            GMNValidatedEvent(
                valid=report.ok,
                errors=tuple(issue.code for issue in report.errors),
                warnings=tuple(issue.code for issue in report.warnings),
            )
        )
        return report

    async def generate(self, command: GenerateGMNCommand) -> GMNResult | CommandResult[Any]:
        agent_type = command.agent_type or agent_type_for(command.prompt)
        model, rounds = await self._settings(command.model, command.max_repair_rounds)
        offline = _offline(model)
        await self.target.publish(
            GMNGenerationStartedEvent(
                prompt=command.prompt,
                agent_type=agent_type,
                model=model,
                offline=offline,
                max_repair_rounds=rounds,
            )
        )
        if offline:
            return await self._done(command, await self._template(command, agent_type, model))
        conversation = (
            SystemMessage(content=system_prompt(agent_type, command.constraints, command.examples)),
            UserMessage(content=generation_request(command.prompt)),
        )
        outcome = await self._converge(conversation, model, rounds, command, agent_type)
        return await self._done(command, outcome)

    async def refine(self, command: RefineGMNCommand) -> GMNResult | CommandResult[Any]:
        agent_type = command.agent_type or "general"
        model, rounds = await self._settings(command.model, command.max_repair_rounds)
        offline = _offline(model)
        await self.target.publish(
            GMNRefinementStartedEvent(
                feedback=command.feedback, model=model, offline=offline, max_repair_rounds=rounds
            )
        )
        current = await self._check(command.spec, command.constraints)
        if offline:
            note = (
                f"no language model is available ({model}) to apply the feedback: the spec is "
                f"returned unchanged, validated; {_CONNECT}"
            )
            unchanged = _result(command.spec, current, 0, model, "unchanged", agent_type, note)
            return await self._done(command, unchanged)
        conversation = (
            SystemMessage(content=system_prompt(agent_type, command.constraints, ())),
            UserMessage(content=refinement_request(command.spec, current, command.feedback)),
        )
        outcome = await self._converge(conversation, model, rounds, command, agent_type)
        return await self._done(command, outcome)

    async def _done(
        self, command: GenerateGMNCommand | RefineGMNCommand, outcome: GMNResult | Failure
    ) -> GMNResult | CommandResult[Any]:
        """Announce the end of a generation or refinement, or fail the command."""
        if isinstance(outcome, Failure):
            return CommandResult.failed(command, outcome)
        fields = {
            "valid": outcome.valid,
            "rounds": outcome.rounds,
            "source": outcome.source,
            "model": outcome.model,
            "errors": len(outcome.errors),
            "warnings": len(outcome.warnings),
        }
        ended = GMNGeneratedEvent if isinstance(command, GenerateGMNCommand) else GMNRefinedEvent
        await self.target.publish(ended(**fields))
        return outcome

    async def _settings(self, named: str | None, rounds: int | None) -> tuple[str, int]:
        model = await self.generator.model_for(named)
        return model, self.generator.max_repair_rounds if rounds is None else rounds

    async def _template(
        self, command: GenerateGMNCommand, agent_type: AgentType, model: str
    ) -> GMNResult:
        limits = Constraints.model_validate(command.constraints)
        spec = render(template(agent_type, command.prompt, limits))
        words = customisations(agent_type, command.prompt)
        await self.target.publish(GMNTemplateUsedEvent(agent_type=agent_type, customisations=words))
        note = f"no language model is available ({model}): this is the offline {agent_type} "
        note += f"template, customised: {', '.join(words)}" if words else "template"
        report = await self._check(spec, command.constraints)
        return _result(spec, report, 0, model, "template", agent_type, f"{note}; {_CONNECT}")

    async def _converge(
        self,
        conversation: Sequence[ChatMessage],
        model: str,
        max_rounds: int,
        command: GenerateGMNCommand | RefineGMNCommand,
        agent_type: AgentType,
    ) -> GMNResult | Failure:
        """Ask, validate, and send the errors back until a spec is valid or the rounds
        run out; the result of the last answer, or the failure of a model call."""
        constraints = command.constraints
        messages = list(conversation)
        round = 0
        while True:
            called = await self.target.execute(
                CallLLMCommand(
                    request=LLMRequest(
                        messages=tuple(messages),
                        temperature=self.generator.temperature,
                        max_tokens=self.generator.max_tokens,
                    ),
                    model=model,
                    round=round + 1,
                )
            )
            if called.failure is not None:
                return _explained(called.failure)
            answer = called.unwrap()
            spec, fenced = extract_spec(answer.content)
            await self.target.publish(GMNDraftReceivedEvent(round=round, spec=spec, fenced=fenced))
            report = await self._check(spec, constraints)
            if report.ok or round == max_rounds:
                return _result(spec, report, round, answer.model_name, "model", agent_type)
            round += 1
            errors = tuple(issue_text(issue) for issue in report.errors)
            await self.target.publish(GMNRepairRequestedEvent(round=round, errors=errors))
            messages += [
                AssistantMessage(content=answer.content),
                UserMessage(content=repair_request(report)),
            ]

    async def _check(self, spec: str, constraints: dict[str, JsonValue]) -> ValidationReport:
        command = ValidateGMNCommand(
            spec=spec, constraints=constraints, tolerance=self.generator.tolerance
        )
        return (await self.target.execute(command)).unwrap()


def _offline(model: str) -> bool:
    # The offline stand-in answers every request with a note, never with a spec.
    return model.partition(":")[0] == "offline"


def _explained(failure: Failure) -> Failure:
    if failure.kind == "no_handler":
        return failure.model_copy(update={"message": _NO_ENGINE})
    return failure


def _result(
    spec: str,
    report: ValidationReport,
    rounds: int,
    model: str,
    source: Source,
    agent_type: AgentType,
    note: str = "",
) -> GMNResult:
    """The result of ``spec`` as validation found it."""
    return GMNResult(
        spec=spec,
        valid=report.ok,
        errors=tuple(report.errors),
        warnings=tuple(report.warnings),
        rounds=rounds,
        source=source,
        model=model,
        agent_type=agent_type,
        note=note,
    )
