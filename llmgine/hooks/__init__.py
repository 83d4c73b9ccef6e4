"""Hooks: functions that observe, change or reject the work of the bus at fixed stages.

A hook runs before or after the handler of a chat turn (``executor``), a workflow, a tool
call or a model call, on that stage's payload (the prompt, the tool arguments, the
response...). Hooks are built on the bus's command middleware: ``Hooks.install(bus)`` adds
one middleware, and ``HookPoint`` says which command class is which target. See
``docs/hooks.md``.
"""

from llmgine.hooks._builtin import register_builtin_points
from llmgine.hooks._errors import HookRejected
from llmgine.hooks._hooks import Hooks
from llmgine.hooks._messages import HookFailedEvent
from llmgine.hooks._points import HookPoint, hook_points, register_hook_point
from llmgine.hooks._types import (
    HookContext,
    HookErrorPolicy,
    HookFunction,
    HookStage,
    HookTarget,
)

register_builtin_points()

__all__ = [
    "HookContext",
    "HookErrorPolicy",
    "HookFailedEvent",
    "HookFunction",
    "HookPoint",
    "HookRejected",
    "HookStage",
    "HookTarget",
    "Hooks",
    "hook_points",
    "register_hook_point",
]
