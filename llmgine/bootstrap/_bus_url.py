"""The bus across processes, when the settings name a server (``settings.bus_url``).

An app whose settings carry ``LLMGINE_BUS_URL`` runs its bus over NATS JetStream
(``llmgine[nats]``, see docs/distributed.md): ``transport_for`` makes that transport from
the settings (URL, namespace, credentials, TLS, monitoring URL). Its chat engine then
serves turns for every process of the app, so each turn first reads its session from the
sessions folder again (``SessionReload``): the turn before may have run on another worker.
The folder is shared by the processes (one machine, or a shared volume); each turn's
history is saved before its result goes back.
"""

from __future__ import annotations

from typing import Any

from llmgine.bus import CommandNext, Transport, UsageError
from llmgine.config import Settings
from llmgine.context import ContextManager
from llmgine.engine import PromptCommand
from llmgine.messages import Command, CommandResult


def transport_for(settings: Settings) -> Transport | None:
    """The NATS transport the settings ask for, or None for a bus in this process."""
    if not settings.bus_url:
        return None
    try:
        from llmgine.transports.nats import NatsTransport
    except ImportError:
        raise UsageError(
            f"the bus URL {settings.bus_url!r} needs the NATS transport: "
            "pip install 'llmgine[nats]'"
        ) from None
    return NatsTransport(settings=settings)


class SessionReload:
    """Command middleware: a turn reads its session from the store first."""

    def __init__(self, context: ContextManager) -> None:
        self._context = context

    async def __call__(self, command: Command[Any], call_next: CommandNext) -> CommandResult[Any]:
        if isinstance(command, PromptCommand) and command.parent_id is None:
            self._context.forget(command.session_id)
        return await call_next(command)
