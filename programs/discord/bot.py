"""The Discord bot's entry point: ``python -m programs.discord.bot`` (see docs/discord.md).

``main`` reads the flags and ``DISCORD_BOT_TOKEN``, builds the app with
``ApplicationBootstrap`` (settings, bus and JSONL log, engine, session store, model), and
runs ``run_bot`` in it until a signal or the connection ends. With ``--bus URL`` (or
``LLMGINE_BUS_URL``) the app is a front end: the turns run on ``llmgine worker`` processes.
Stopping (SIGINT, SIGTERM) goes: the bot takes no new messages; the turns in flight finish
(or are cancelled after the stop timeout) and their answers are posted; the connection to
Discord closes; then the app saves the sessions and flushes the log. Every error a user can
cause or fix is one line on stderr: status 2 for a configuration to correct, 1 for a run
that failed.

discord.py (the ``discord`` extra) is imported only once the flags and the token are known
to be good, so ``--help`` and the flag errors work on a machine without it, and its absence
is one line that says how to install it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from llmgine.bootstrap import ApplicationBootstrap
from llmgine.config import Settings, load_settings
from programs.discord.backend import EngineBackend
from programs.discord.config import (
    DEFAULT_SYSTEM_PROMPT,
    BotConfig,
    ConfigError,
    build_parser,
    load_config,
)

if TYPE_CHECKING:
    from programs.discord.client import DiscordBot
    from programs.discord.logic import ChatBot

logger = logging.getLogger("llmgine.discord")

SEND_GRACE = 3.0
"""Seconds the answers of finished turns get to be posted once the app is told to stop."""

ClientFactory = Callable[["ChatBot"], "DiscordBot"]

MISSING_DISCORD = "the Discord bot needs discord.py; install it with: pip install -e '.[discord]'"


async def run_bot(
    app: ApplicationBootstrap, config: BotConfig, *, client_factory: ClientFactory | None = None
) -> int:
    """Serve Discord on a started ``app`` until a stop is requested or the connection ends;
    the exit status. ``client_factory`` makes the discord.py client (by default the real
    one; tests pass one that connects nowhere)."""
    from programs.discord.client import DiscordBot
    from programs.discord.logic import ChatBot

    client_factory = client_factory or DiscordBot
    if app.settings.bus_url:
        logger.info(
            "the turns run on the workers of %s (start one with `llmgine worker --bus URL`)",
            app.settings.bus_url,
        )
    elif app.model.partition(":")[0] == "offline":
        logger.warning(
            "no model key found: answering with the offline stand-in %r; set LLMGINE_MODEL "
            "and the provider's key (OPENAI_API_KEY, ANTHROPIC_API_KEY...) for real answers",
            app.model,
        )
    logger.info("serving Discord with %s; %s", app.model, describe_options(config))
    backend = EngineBackend(app.engine)
    bot = ChatBot(backend, config.options)
    client = client_factory(bot)
    stop_requested = asyncio.ensure_future(app.wait_for_stop_request())
    connection: asyncio.Future[None] | None = None
    try:
        async with client:
            connection = asyncio.ensure_future(client.start(config.token.reveal()))
            await asyncio.wait({connection, stop_requested}, return_when=asyncio.FIRST_COMPLETED)
            await _finish(bot, app.settings.stop_timeout + SEND_GRACE)
            await client.close()
        return _status_of(connection)
    finally:
        stop_requested.cancel()
        if connection is not None and not connection.done():
            connection.cancel()
        elif connection is not None and not connection.cancelled():
            connection.exception()  # retrieved, so asyncio does not warn that it was not
        await backend.aclose()


async def _finish(bot: ChatBot, timeout: float) -> None:
    """Let the messages in hand be answered: the app's own stop drains the turns first, then
    cancels this task, after which the answers already computed get ``SEND_GRACE`` to go out."""
    finishing = asyncio.ensure_future(bot.aclose(timeout))
    try:
        await asyncio.shield(finishing)
    except asyncio.CancelledError:
        await asyncio.wait({finishing}, timeout=SEND_GRACE)
        raise


def _status_of(connection: asyncio.Future[None] | None) -> int:
    if connection is None or not connection.done() or connection.cancelled():
        return 0
    error = connection.exception()
    if error is None:
        return 0
    print(f"error: {describe_connection_error(error)}", file=sys.stderr)
    return 1


def describe_connection_error(error: BaseException) -> str:
    """One line that says what went wrong with the connection and what to do."""
    import discord

    if isinstance(error, discord.LoginFailure):
        return (
            "Discord refused the token in DISCORD_BOT_TOKEN; copy it again from the Bot page "
            "of your application (Reset Token)"
        )
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return (
            "Discord refused the connection: switch on 'Message Content Intent' on the Bot "
            "page of your application (Privileged Gateway Intents), then start again"
        )
    return f"the connection to Discord failed: {type(error).__name__}: {error}"


def describe_options(config: BotConfig) -> str:
    options = config.options
    channels = ", ".join(str(c) for c in sorted(options.allowed_channels)) or "every channel"
    rate = "off" if options.rate_limit is None else f"{options.rate_limit} per user"
    dms = "on" if options.allow_dms else "off"
    return f"channels: {channels}; direct messages: {dms}; rate limit: {rate}"


def settings_for(config: BotConfig) -> Settings:
    """llmgine's settings with the flags applied, and a chat system prompt by default."""
    settings = load_settings(**config.settings)
    if settings.system_prompt is None:
        settings = load_settings(**config.settings, system_prompt=DEFAULT_SYSTEM_PROMPT)
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bot; the exit status."""
    args: argparse.Namespace = build_parser().parse_args(argv)
    try:
        config = load_config(args)
        settings = settings_for(config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        print(f"error: setting {where!r}: {problem['msg']}", file=sys.stderr)
        return 2
    try:
        import discord  # noqa: F401 - only to know it is there, before anything starts
    except ImportError:
        print(f"error: {MISSING_DISCORD}", file=sys.stderr)
        return 2
    # With a bus across processes the bot is a front end: its turns run on the workers.
    app = ApplicationBootstrap(settings, front_end=bool(settings.bus_url))
    serving = False

    async def serve(started: ApplicationBootstrap) -> int:
        nonlocal serving
        serving = True
        return await run_bot(started, config)

    try:
        return app.run(serve)
    except Exception as exc:
        logger.debug("the bot stopped on an error", exc_info=True)
        if not serving:  # the setup cannot work: a sessions folder, a trace backend...
            print(f"error: cannot start: {' '.join(str(exc).split())}", file=sys.stderr)
            return 2
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
