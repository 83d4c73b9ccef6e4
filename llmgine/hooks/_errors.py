"""How a hook refuses a command.

    llmgine.bus.BusError
    └── llmgine.bus.MessageRejected   a middleware refused a message
        └── HookRejected              ... and that middleware was a hook

``HookRejected`` is the one exception a hook raises on purpose. It is never subject to the
hook's error policy: it always rejects, and the bus turns it into a failed
``CommandResult`` whose error gives the reason and the hook. Any other exception is a
failure of the hook, handled by its policy.
"""

from __future__ import annotations

from llmgine.bus import MessageRejected


class HookRejected(MessageRejected):
    """Raised by a hook to refuse the command: ``raise HookRejected("no shell commands")``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hook: str | None = None
        """The name of the hook that raised, filled in by the hook runner."""
        self.stage: str | None = None

    def __str__(self) -> str:
        if self.hook is None:
            return self.reason
        return f"{self.reason} (hook {self.hook!r} at {self.stage})"
