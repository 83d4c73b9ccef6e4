"""GMN, Generative Model Notation: active-inference generative models as text, checked in
code, compiled to the arrays of pymdp.

A model (``GMNModel``) has state factors, observations and actions, the transitions and
emissions that link them, preferences, initial priors and LLM-query points. It reads and
writes as FreeAgentics' node-block text (``parse``, ``render``) and as JSON
(``from_json``, ``to_json``); ``load`` also reads FreeAgentics' ``[nodes]``/``[edges]``
sections and JSON graphs. ``validate`` lists every problem with a code; ``compile`` gives
numpy arrays (the ``gmn`` extra); ``template`` builds a runnable model per agent type.

This package is pure: it imports nothing of llmgine above ``llmgine.messages``.
"""

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
    "GMNError",
    "GMNModel",
    "GMNSyntaxError",
    "GMNTemplateError",
    "GMNValidationError",
    "Issue",
    "LLMQuery",
    "Observation",
    "Position",
    "Preference",
    "Severity",
    "SourceMap",
    "State",
    "Tensor",
    "Transition",
    "ValidationReport",
    "agent_type_for",
    "compile",
    "detect_form",
    "from_json",
    "load",
    "parse",
    "render",
    "template",
    "to_json",
    "validate",
]
