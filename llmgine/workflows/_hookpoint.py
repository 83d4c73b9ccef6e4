"""The ``workflow`` hook point: ``before_workflow`` and ``after_workflow`` hooks run on
every ``RunWorkflowCommand``, nested runs included.

    before_workflow   the run's input (str)
    after_workflow    ``WorkflowResult.output`` (str); empty when the run did not
                      complete, so a hook that adds text should check
                      ``ctx.result.reason`` first

Each agent call of a run is a ``PromptCommand``, so the ``executor`` hooks run on every
agent call already.
"""

from __future__ import annotations

from llmgine.hooks import HookPoint, register_hook_point
from llmgine.workflows._messages import RunWorkflowCommand
from llmgine.workflows._results import WorkflowResult


def _text(payload: object, stage: str) -> str:
    if not isinstance(payload, str):
        raise TypeError(f"the payload of {stage} must be a str, not {type(payload).__name__}")
    return payload


def _set_input(command: RunWorkflowCommand, payload: object) -> RunWorkflowCommand:
    return command.model_copy(update={"input": _text(payload, "before_workflow")})


def _output(result: WorkflowResult) -> str:
    if not isinstance(result, WorkflowResult):
        raise TypeError(f"a RunWorkflowCommand returns a WorkflowResult, not {result!r}")
    return result.output


def _set_output(result: WorkflowResult, payload: object) -> WorkflowResult:
    return result.model_copy(update={"output": _text(payload, "after_workflow")})


WORKFLOW_POINT = HookPoint(
    RunWorkflowCommand, "workflow", lambda c: c.input, _set_input, _output, _set_output
)
register_hook_point(WORKFLOW_POINT)
