"""The slash commands of the function chat.

Each command is a function of the chat and the text after its name; it returns False to
end the chat. A line that names no command is a one-line error, never a traceback.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmgine.context import session_lines
from llmgine.llm import LLMError, full_model_name

if TYPE_CHECKING:
    from programs.function_chat._chat import FunctionChat


@dataclass(frozen=True)
class SlashCommand:
    name: str
    arguments: str
    summary: str
    run: Callable[[FunctionChat, str], Awaitable[bool]]


async def _help(chat: FunctionChat, argument: str) -> bool:
    width = max(len(f"/{c.name} {c.arguments}".strip()) for c in COMMANDS.values())
    for command in dict.fromkeys(COMMANDS.values()):
        usage = f"/{command.name} {command.arguments}".strip()
        chat.view.line(f"{usage.ljust(width)}  {command.summary}")
    chat.view.line(f"{'Ctrl-C'.ljust(width)}  cancel the answer being written")
    chat.view.line(f"{'Ctrl-D'.ljust(width)}  leave (at a terminal)")
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
            argument = full_model_name(argument)  # gpt-4o as openai:gpt-4o, as --model does
            chat.app.engine.provider(argument)  # a bad name or a missing key fails here
        except (ValueError, LLMError) as exc:
            chat.view.error(str(exc))
            return True
        chat.model_override = None if argument == chat.app.model else argument
    chat.view.line(f"model: {chat.model}")
    return True


async def _tools(chat: FunctionChat, argument: str) -> bool:
    for tool in chat.app.tools:
        parameters = ", ".join(tool.parameters.get("properties", {}))
        summary = tool.description.splitlines()[0] if tool.description else ""
        chat.view.line(f"{tool.name}({parameters})  {summary}")
    return True


async def _exit(chat: FunctionChat, argument: str) -> bool:
    return False


_ALL = (
    SlashCommand("help", "", "show this help", _help),
    SlashCommand("sessions", "", "list the saved sessions (* marks this one)", _sessions),
    SlashCommand("system", "[prompt]", "show or set this session's system prompt", _system),
    SlashCommand("clear", "", "forget this session's history", _clear),
    SlashCommand("model", "[name]", "show or change the model, e.g. openai:gpt-4o", _model),
    SlashCommand("tools", "", "list the tools the model may call", _tools),
    SlashCommand("exit", "", "leave (also /quit)", _exit),
)
COMMANDS: dict[str, SlashCommand] = {command.name: command for command in _ALL}
COMMANDS["quit"] = COMMANDS["exit"]


async def run_command(chat: FunctionChat, line: str) -> bool:
    """Run the slash command on ``line``; False when the chat should end."""
    name, _, argument = line[1:].partition(" ")
    command = COMMANDS.get(name.lower())
    if command is None:
        chat.view.error(f"unknown command {'/' + name!r}; /help lists the commands")
        return True
    return await command.run(chat, argument.strip())
