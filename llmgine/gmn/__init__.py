"""GMN, Generative Model Notation: active-inference generative models as text, checked in
code, compiled to the arrays of pymdp.

A model (``GMNModel``) has state factors, observations and actions, the transitions and
emissions that link them, preferences, initial priors and LLM-query points. It reads and
writes as FreeAgentics' node-block text (``parse``, ``render``) and as JSON
(``from_json``, ``to_json``); ``load`` also reads FreeAgentics' ``[nodes]``/``[edges]``
sections and JSON graphs. ``validate`` lists every problem with a code; ``compile`` gives
numpy arrays (the ``gmn`` extra); ``template`` builds a runnable model per agent type.

Above the notation sits the generator: ``GMNGenerator``, a bus component that answers
``GenerateGMNCommand``, ``RefineGMNCommand`` and ``ValidateGMNCommand`` by asking a language
model through the bus and repairing its answer with validation's errors, and
``create_llm_factory``, FreeAgentics' entry points on top of it. Those names are imported
lazily: the notation imports nothing of llmgine above ``llmgine.messages``, so reading and
checking GMN never loads the bus, the engine or the providers.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from llmgine.gmn._commands import (
    GenerateGMNCommand,
    GMNResult,
    RefineGMNCommand,
    ValidateGMNCommand,
)
from llmgine.gmn._compile import CompiledModel, compile
from llmgine.gmn._context import Constraints
from llmgine.gmn._errors import (
    GMNError,
    GMNSyntaxError,
    GMNTemplateError,
    GMNValidationError,
    Position,
    SourceMap,
)
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
from llmgine.gmn._jsonform import from_json, to_json
from llmgine.gmn._load import Document, Form, detect_form, load
from llmgine.gmn._model import (
    Action,
    Emission,
    GMNModel,
    LLMQuery,
    Observation,
    Preference,
    State,
    Tensor,
    Transition,
)
from llmgine.gmn._parse import parse
from llmgine.gmn._render import render
from llmgine.gmn._report import CODES, Issue, Severity, ValidationReport
from llmgine.gmn._templates import AGENT_TYPES, AgentType, agent_type_for, template
from llmgine.gmn._validate import DEFAULT_TOLERANCE, validate

_LAZY: dict[str, str] = {
    "GMNGenerator": "llmgine.gmn._generator",
    "LLMProviderFactory": "llmgine.gmn._factory",
    "create_llm_factory": "llmgine.gmn._factory",
}

__all__ = [
    "AGENT_TYPES",
    "CODES",
    "DEFAULT_TOLERANCE",
    "Action",
    "AgentType",
    "CompiledModel",
    "Constraints",
    "Document",
    "Emission",
    "Form",
    "GMNDraftReceivedEvent",
    "GMNError",
    "GMNGeneratedEvent",
    "GMNGenerationStartedEvent",
    "GMNGenerator",
    "GMNModel",
    "GMNRefinedEvent",
    "GMNRefinementStartedEvent",
    "GMNRepairRequestedEvent",
    "GMNResult",
    "GMNSyntaxError",
    "GMNTemplateError",
    "GMNTemplateUsedEvent",
    "GMNValidatedEvent",
    "GMNValidationError",
    "GenerateGMNCommand",
    "Issue",
    "LLMProviderFactory",
    "LLMQuery",
    "Observation",
    "Position",
    "Preference",
    "RefineGMNCommand",
    "Severity",
    "SourceMap",
    "State",
    "Tensor",
    "Transition",
    "ValidateGMNCommand",
    "ValidationReport",
    "agent_type_for",
    "compile",
    "create_llm_factory",
    "detect_form",
    "from_json",
    "load",
    "parse",
    "render",
    "template",
    "to_json",
    "validate",
]

if TYPE_CHECKING:
    from llmgine.gmn._factory import LLMProviderFactory, create_llm_factory
    from llmgine.gmn._generator import GMNGenerator


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmgine.gmn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
