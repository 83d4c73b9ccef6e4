"""The LLM layer and the messages agree on failures, and an ``LLMError`` survives as data.

``llmgine.llm`` does not import ``llmgine.messages``, so the kind of each ``LLMError`` class
is written twice: as the class's own ``kind``, and in ``LLM_ERROR_KINDS``, the table that
reads logs written before failures were data. Every class of the tree turns into a
``Failure`` and back into an equal error, also across a log line.
"""

from __future__ import annotations

import inspect
from typing import Any, get_args

import pytest

from llmgine.llm import LLMError
from llmgine.llm._errors import RETRYABLE_ERRORS
from llmgine.messages import (
    FAILURE_KINDS,
    Command,
    CommandResult,
    Failure,
    LLMFailureKind,
    decode,
    encode,
)
from llmgine.messages._failure import LLM_ERROR_KINDS


def _tree(cls: type[LLMError]) -> list[type[LLMError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        if sub.__module__.startswith("llmgine."):
            found.extend(_tree(sub))
    return found


TREE = _tree(LLMError)


def test_the_table_of_kinds_is_the_classes_own_kinds() -> None:
    assert len(TREE) == 10
    assert {cls.__name__: cls.kind for cls in TREE} == LLM_ERROR_KINDS


def test_each_class_has_a_kind_of_its_own_from_the_closed_set() -> None:
    kinds = [cls.kind for cls in TREE]
    assert len(set(kinds)) == len(kinds)
    assert set(kinds) == set(get_args(LLMFailureKind))
    assert set(kinds) <= FAILURE_KINDS


COMMON: dict[str, dict[str, Any]] = {
    "full": {"provider": "openai", "model": "gpt-4o", "status_code": 429, "request_id": "r-1"},
    "sparse": {"provider": "anthropic", "model": "claude", "status_code": None, "request_id": None},
}
OWN: dict[str, dict[str, Any]] = {
    "full": {"retry_after": 12.5, "raw": '{"temp": "warm"}', "errors": "temp: not a number"},
    "sparse": {"retry_after": None, "raw": "", "errors": ""},
}
"""Values for the arguments of the classes' own (a new one fails the test: add it here)."""


def build(cls: type[LLMError], variant: str) -> LLMError:
    common = COMMON[variant]
    parameters = inspect.signature(cls.__init__).parameters.values()
    own = {
        p.name: OWN[variant][p.name]
        for p in parameters
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in common
    }
    return cls("it went wrong", **common, **own)


def state(error: LLMError) -> tuple[object, ...]:
    return (
        type(error),
        error.message,
        error.provider,
        error.model,
        error.status_code,
        error.request_id,
        getattr(error, "retry_after", None),
        getattr(error, "raw", None),
        getattr(error, "errors", None),
        str(error),
    )


@pytest.mark.parametrize("variant", ["full", "sparse"])
@pytest.mark.parametrize("cls", TREE, ids=lambda cls: cls.__name__)
def test_an_error_rebuilt_from_its_failure_is_the_same_error(
    cls: type[LLMError], variant: str
) -> None:
    error = build(cls, variant)
    failure = Failure(**error.failure_fields())

    assert failure.kind == cls.kind
    assert failure.is_llm_error
    assert failure.retryable == isinstance(error, RETRYABLE_ERRORS)
    assert failure.describe() == f"{cls.__name__}: {error}"
    assert state(LLMError.from_failure(failure)) == state(error)

    line = encode(CommandResult.failed(Command(), failure))
    back = decode(line)
    assert isinstance(back, CommandResult)
    assert back.failure == failure
    assert state(LLMError.from_failure(back.failure)) == state(error)


def test_a_failure_of_the_bus_is_not_rebuilt_as_a_model_error() -> None:
    failure = Failure(kind="no_handler", message="nobody")

    assert not failure.is_llm_error
    with pytest.raises(ValueError, match="'no_handler' failure is not a model call's error"):
        LLMError.from_failure(failure)
