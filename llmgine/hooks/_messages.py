"""The event a failing hook leaves in the log.

    HookFailedEvent    a hook raised (other than ``HookRejected``) or timed out;
                       ``policy`` says what became of its command

The name is part of the log format: keep it.
"""

from __future__ import annotations

from llmgine.hooks._types import HookErrorPolicy, HookStage
from llmgine.messages import Event


class HookFailedEvent(Event):
    """Hook ``hook`` failed at ``stage`` on a ``command_type``; ``policy`` was applied.

    With ``"fail"`` the command failed; with ``"skip"`` or ``"log"`` the hook's change was
    dropped and the other hooks ran on.
    """

    hook: str
    stage: HookStage
    command_type: str
    error_type: str
    error: str
    policy: HookErrorPolicy
