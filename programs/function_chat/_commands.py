"""The slash commands of the function chat.

Each command is a function of the chat and the text after its name; it returns False to
end the chat. A line that names no command is a one-line error, never a traceback; a
message that starts with ``/`` is sent as ``//...``.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmgine.context import first_words, session_lines
from llmgine.llm import LLMError, full_model_name
from programs.function_chat._clipboard import NoClipboard, copy
from programs.function_chat._history import as_markdown, last_answer, last_exchange

if TYPE_CHECKING:
    from programs.function_chat._chat import FunctionChat


@dataclass(frozen=True)
class SlashCommand:
    name: str
    arguments: str
    summary: str
    run: Callable[[FunctionChat, str], Awaitable[bool]]


async def _help(chat: FunctionChat, argument: str) -> bool:
    usages = [f"/{c.name} {c.arguments}".strip() for c in COMMANDS.values()]
    width = max(len(text) for text in [*usages, *(keys for keys, _ in KEYS)])
    for command in dict.fromkeys(COMMANDS.values()):
        usage = f"/{command.name} {command.arguments}".strip()
        chat.view.line(f"{usage.ljust(width)}  {command.summary}")
    for keys, what in KEYS:
        chat.view.line(f"{keys.ljust(width)}  {what}")
    return True


async def _sessions(chat: FunctionChat, argument: str) -> bool:
    for line in session_lines(chat.app.store, current=chat.session_id):
        chat.view.line(line)
    return True


async def _system(chat: FunctionChat, argument: str) -> bool:
    context = chat.app.context
    if argument:
        await context.set_system_prompt(chat.session_id, argument)
        chat.view.line("system prompt set for this session")
    else:
        conversation = await context.session(chat.session_id)
        current = context.system_prompt_of(conversation)
        chat.view.line(f"system prompt: {current}" if current else "no system prompt is set")
    return True


async def _clear(chat: FunctionChat, argument: str) -> bool:
    await chat.app.context.clear(chat.session_id)
    chat.view.line("history cleared (the session, its name and system prompt are kept)")
    return True


async def _model(chat: FunctionChat, argument: str) -> bool:
    if argument:
        try:
            name = full_model_name(argument)  # gpt-4o is openai:gpt-4o
            chat.app.engine.provider(name)  # a bad name or a missing key fails here
        except (ValueError, LLMError) as exc:
            chat.view.error(str(exc))
            return True
        chat.model_override = None if name == chat.app.model else name
    chat.view.line(f"model: {chat.model}")
    return True


async def _tools(chat: FunctionChat, argument: str) -> bool:
    for tool in chat.app.tools:
        parameters = ", ".join(tool.parameters.get("properties", {}))
        summary = tool.description.splitlines()[0] if tool.description else ""
        chat.view.line(f"{tool.name}({parameters})  {summary}")
    return True


async def _retry(chat: FunctionChat, argument: str) -> bool:
    context = chat.app.context
    messages = list((await context.session(chat.session_id)).messages)
    start = last_exchange(messages)
    if start is None:
        chat.view.error("nothing to retry: no question has been answered in this session")
        return True
    question = messages[start].content
    chat.view.notice(f"asking again: {first_words(question)}")
    await context.replace(chat.session_id, messages[:start])  # the model must not see it
    result = await chat.turn(question)
    if not result.success:
        await context.replace(chat.session_id, messages)
        chat.view.notice("the last answer is kept")
    return True


async def _undo(chat: FunctionChat, argument: str) -> bool:
    context = chat.app.context
    messages = (await context.session(chat.session_id)).messages
    start = last_exchange(messages)
    if start is None:
        chat.view.error("nothing to undo: this session has no exchange yet")
        return True
    question = messages[start].content
    await context.replace(chat.session_id, messages[:start])  # saved as well
    chat.view.line(
        f"dropped the last exchange ({first_words(question)!r} and its answer); "
        f"{start} messages left"
    )
    return True


async def _export(chat: FunctionChat, argument: str) -> bool:
    conversation = await chat.app.context.session(chat.session_id)
    if not conversation.messages:
        chat.view.error("nothing to export: this session has no exchange yet")
        return True
    path = Path(argument or default_export(chat.session_id))
    text = as_markdown(
        conversation.messages,
        title=conversation.name or "Chat",
        model=chat.model,
        session_id=chat.session_id,
    )
    try:
        await asyncio.to_thread(_write_private, path, text)
    except OSError as exc:
        chat.view.error(f"cannot write {str(path)!r}: {exc.strerror or exc}")
        return True
    chat.view.line(f"conversation written to {path} ({len(conversation.messages)} messages)")
    return True


def default_export(session_id: str) -> str:
    return f"chat-{session_id}.md"


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, created readable by its owner only, as sessions are."""
    fd = os.open(path.expanduser(), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with open(fd, "w", encoding="utf-8") as file:
        file.write(text)


async def _copy(chat: FunctionChat, argument: str) -> bool:
    answer = last_answer((await chat.app.context.session(chat.session_id)).messages)
    if answer is None:
        chat.view.error("nothing to copy: no answer yet in this session")
        return True
    try:
        tool = await asyncio.to_thread(copy, answer)
    except NoClipboard as exc:
        chat.view.notice(f"{exc}; the answer was not copied")
        return True
    except OSError as exc:
        chat.view.error(f"cannot copy: {exc}")
        return True
    chat.view.line(f"last answer copied to the clipboard ({len(answer)} characters, by {tool})")
    return True


async def _exit(chat: FunctionChat, argument: str) -> bool:
    return False


_ALL = (
    SlashCommand("help", "", "show this help", _help),
    SlashCommand("sessions", "", "list the saved sessions (* marks this one)", _sessions),
    SlashCommand("system", "[prompt]", "show or set this session's system prompt", _system),
    SlashCommand("retry", "", "ask the last question again, replacing its answer", _retry),
    SlashCommand("undo", "", "drop the last question and its answer", _undo),
    SlashCommand("clear", "", "forget this session's history", _clear),
    SlashCommand("model", "[name]", "show or change the model, e.g. openai:gpt-4o", _model),
    SlashCommand("tools", "", "list the tools the model may call", _tools),
    SlashCommand("export", "[file]", "write the conversation as markdown (chat-<id>.md)", _export),
    SlashCommand("copy", "", "copy the last answer to the clipboard", _copy),
    SlashCommand("exit", "", "leave (also /quit)", _exit),
)
COMMANDS: dict[str, SlashCommand] = {command.name: command for command in _ALL}
COMMANDS["quit"] = COMMANDS["exit"]
KEYS = (
    ("//text", "send a message that starts with /"),
    ("Alt-Enter, Ctrl-J", "a new line in the message (Enter sends it)"),
    ("Ctrl-C", "cancel the answer being written"),
    ("Ctrl-D", "leave (at a terminal)"),
)


async def run_command(chat: FunctionChat, line: str) -> bool:
    """Run the slash command on ``line``; False when the chat should end."""
    name, _, argument = line[1:].partition(" ")
    command = COMMANDS.get(name.lower())
    if command is None:
        chat.view.error(
            f"unknown command {'/' + name!r}; /help lists the commands, and a message that "
            "starts with / is sent as //..."
        )
        return True
    return await command.run(chat, argument.strip())
