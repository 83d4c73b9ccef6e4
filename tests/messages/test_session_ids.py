"""Session ids look the same wherever llmgine makes them: 32 hex digits of a UUIDv7.

Each maker is run through its real entry point in a fresh process (the chat, ``llmgine
complete``, the one-call API, a workflow), and the session ids are read from what it left:
the saved session files and the JSONL log. Ids of the older formats still load.
"""

from __future__ import annotations

import re
import textwrap
import uuid
from pathlib import Path

import orjson

from llmgine.context import SessionRecord, SessionStore
from llmgine.messages import new_session_id
from tests.cli._llmgine import run_llmgine
from tests.docs._examples import OFFLINE, run_example
from tests.programs._chat import run_piped

ONE_FORMAT = re.compile(r"[0-9a-f]{32}")
NAMED = re.compile(r"BUS|agent-.+")  # the bus-wide scope; an agent with memory by its name


def logged_sessions(folder: Path) -> set[str]:
    sessions = set()
    for log in (folder / "logs").glob("*.jsonl"):
        for line in log.read_bytes().splitlines():
            sessions.add(orjson.loads(line)["session_id"])
    return sessions


def made_ids(folder: Path) -> set[str]:
    found = logged_sessions(folder) | {p.stem for p in (folder / "sessions").glob("*.json")}
    made = {s for s in found if not NAMED.fullmatch(s)}
    assert made, "the run made no session"
    return made


def test_new_session_id_is_a_uuid7_in_hex() -> None:
    first, second = new_session_id(), new_session_id()
    assert ONE_FORMAT.fullmatch(first)
    assert uuid.UUID(hex=first).version == 7
    assert first < second


def test_the_chat_and_llmgine_complete(tmp_path: Path) -> None:
    chat = run_piped(tmp_path, "What is 2+3?\n/exit\n")
    assert chat.status == 0, chat.stderr
    complete = run_llmgine(tmp_path, "complete", "What is 2+3?")
    assert complete.status == 0, complete.stderr
    made = made_ids(tmp_path)
    assert len(made) == 2
    assert all(ONE_FORMAT.fullmatch(s) for s in made), made


def test_the_one_call_api_a_client_and_a_workflow(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import asyncio

        import llmgine
        from llmgine.bootstrap import build_bus, build_engine, build_tools
        from llmgine.config import load_settings
        from llmgine.context import ContextManager
        from llmgine.testing import FunctionProvider
        from llmgine.workflows import Agent, AgentExecutor, Pipeline, WorkflowRuntime


        async def main() -> None:
            print(await llmgine.complete("What is 2+3?"))
            settings = load_settings()
            async with build_bus(settings) as bus:
                engine = build_engine(
                    bus, settings, model=FunctionProvider(lambda request: "ok"),
                    tools=build_tools(settings), context=ContextManager(),
                )
                async with bus.session() as session:
                    print(session.session_id)
                async with WorkflowRuntime(engine) as runtime:
                    stages = [AgentExecutor(Agent(name="A")), AgentExecutor(Agent(name="B"))]
                    print((await runtime.run(Pipeline(stages), "tides")).output)


        asyncio.run(main())
        """
    )
    done = run_example(script, tmp_path, OFFLINE)
    made = made_ids(tmp_path)
    assert len(made) >= 4  # the one call, the bus session, a session per pipeline step
    assert all(ONE_FORMAT.fullmatch(s) for s in made), made
    assert done.stdout.splitlines()[1] in made


def test_ids_of_the_older_formats_still_load_and_resolve(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    older = ["01a2012a-85bf-74da-b220-6ba17baf91ea", "discord-1234567890", "chat-1"]
    for session_id in older:
        store.save(SessionRecord.new(session_id, name=session_id.upper()))
    assert [store.load(s).id for s in older] == older
    assert store.resolve("01a2012a") == older[0]
    assert store.resolve("DISCORD-1234567890") == older[1]  # its name, in any case
