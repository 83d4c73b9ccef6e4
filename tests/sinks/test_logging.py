"""setup_logging: console and rotating file from the settings, bus ids and masked secrets."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from llmgine.bus import MessageBus
from llmgine.config import Settings
from llmgine.sinks import setup_logging
from tests.bus._messages import Add, Ping

CANARY = "sk-canary-0123456789abcdef"
PLAIN_SECRET = "hunter2-not-key-shaped"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the repository's, and relative log dirs land here


def settings(tmp_path: Path, **fields: object) -> Settings:
    return Settings(log_dir=tmp_path / "logs", **fields)  # type: ignore[arg-type]


def test_console_and_file_each_get_their_own_level(tmp_path: Path) -> None:
    console = io.StringIO()
    config = settings(tmp_path, log_level="warning", log_file_level="DEBUG")
    with setup_logging(config, stream=console) as setup:
        log = logging.getLogger("llmgine.engine.example")
        log.debug("a debug detail")
        log.info("an info line")
        log.warning("a warning")
        logging.getLogger("elsewhere").warning("not ours")
    assert setup.log_path == tmp_path / "logs" / "llmgine.log"
    shown = console.getvalue()
    written = setup.log_path.read_text()
    assert "a warning" in shown
    assert "an info line" not in shown
    assert "a debug detail" not in shown
    assert all(text in written for text in ("a debug detail", "an info line", "a warning"))
    assert "not ours" not in shown + written  # only the llmgine logger tree
    assert "llmgine.engine.example [session=BUS command=]" in written


def test_setting_up_twice_does_not_double_handlers_and_undo_restores(tmp_path: Path) -> None:
    logger = logging.getLogger("llmgine")
    before = (list(logger.handlers), logger.level, logger.propagate)
    console = io.StringIO()
    first = setup_logging(settings(tmp_path), stream=console)
    second = setup_logging(settings(tmp_path), stream=console)
    try:
        assert logger.handlers == second.handlers
        assert len(logger.handlers) == 2
        assert not first.handlers  # the second call undid the first
        logging.getLogger("llmgine.x").warning("once")
        assert console.getvalue().count("once") == 1
        assert not logger.propagate
    finally:
        second.undo()
    assert (logger.handlers, logger.level, logger.propagate) == before


def test_the_file_rotates_by_size_and_keeps_the_backup_count(tmp_path: Path) -> None:
    config = settings(tmp_path, log_max_bytes=400, log_backup_count=2, log_level="CRITICAL")
    with setup_logging(config, stream=io.StringIO()) as setup:
        log = logging.getLogger("llmgine.rotation")
        for n in range(60):
            log.info("line %03d %s", n, "x" * 40)
    folder = tmp_path / "logs"
    assert sorted(p.name for p in folder.iterdir()) == [
        "llmgine.log",
        "llmgine.log.1",
        "llmgine.log.2",
    ]
    for path in folder.iterdir():
        assert 0 < path.stat().st_size <= 400
    assert setup.log_path is not None
    assert "line 059" in setup.log_path.read_text()  # the newest lines are in the live file
    assert "line 000" not in "".join(p.read_text() for p in folder.iterdir())  # oldest gone


def test_no_file_when_file_logging_is_off(tmp_path: Path) -> None:
    with setup_logging(settings(tmp_path, log_file=False), stream=io.StringIO()) as setup:
        logging.getLogger("llmgine.x").error("console only")
        assert len(setup.handlers) == 1
    assert setup.log_path is None
    assert not (tmp_path / "logs").exists()


async def test_json_lines_carry_the_session_and_command_of_the_handler(tmp_path: Path) -> None:
    log = logging.getLogger("llmgine.app")
    config = settings(tmp_path, log_json_format=True, log_level="CRITICAL")
    with setup_logging(config, stream=io.StringIO()) as setup:
        async with MessageBus(log_dir=None) as bus:

            def on_add(command: Add) -> int:
                log.info("adding %d and %d", command.a, command.b)
                return command.a + command.b

            def on_ping(event: Ping) -> None:
                log.info("pinged", extra={"n": event.n})

            bus.register_command_handler(Add, on_add)
            bus.register_event_handler(Ping, on_ping)
            command = Add(a=1, b=2, session_id="s-42")
            await bus.execute(command)
            ping = Ping(n=7, session_id="s-43")
            await bus.publish(ping)
            await bus.wait_for_events()
            log.warning("outside any handler")
    assert setup.log_path is not None
    records = [json.loads(line) for line in setup.log_path.read_text().splitlines()]
    adding, pinged, outside = records
    assert adding["message"] == "adding 1 and 2"
    assert (adding["session_id"], adding["command_id"]) == ("s-42", command.command_id)
    assert (pinged["session_id"], pinged["command_id"]) == ("s-43", ping.event_id)
    assert pinged["n"] == 7
    assert (outside["session_id"], outside["command_id"]) == ("BUS", "")
    assert {"time", "level", "logger", "module", "function", "line"} <= set(adding)
    assert adding["logger"] == "llmgine.app"
    assert outside["level"] == "WARNING"


@pytest.mark.parametrize("json_format", [False, True])
def test_secrets_are_masked_in_messages_arguments_tracebacks_and_extras(
    tmp_path: Path, json_format: bool
) -> None:
    console = io.StringIO()
    config = settings(tmp_path, openai_api_key=CANARY, log_json_format=json_format)
    log = logging.getLogger("llmgine.llm.example")
    with setup_logging(config, stream=console, secrets=(PLAIN_SECRET,)) as setup:
        log.warning("the key is " + CANARY)
        log.warning("the key is %s and the password %s", CANARY, PLAIN_SECRET)
        log.warning("another key-shaped one: %r", {"key": "sk-proj-abcdefghijklmnop"})
        try:
            raise RuntimeError(f"refused {CANARY} with {PLAIN_SECRET}")
        except RuntimeError:
            log.exception("the call failed")
        log.warning("with extras", extra={"header": f"Bearer {CANARY}"}, stack_info=True)
        log.warning("bad arguments %d", CANARY)  # does not fit its format: still masked
    assert setup.log_path is not None
    written = setup.log_path.read_text()
    for text in (console.getvalue(), written):
        assert CANARY not in text
        assert PLAIN_SECRET not in text
        assert "sk-proj-abcdefghijklmnop" not in text
        assert "the key is ***" in text
        assert "RuntimeError: refused *** with ***" in text
        assert "Traceback (most recent call last)" in text
        assert "bad arguments" in text
    if json_format:  # extras are printed in the JSON form only
        assert json.loads(written.splitlines()[-2])["header"] == "Bearer ***"


def test_root_true_sets_up_the_root_logger_for_every_library(tmp_path: Path) -> None:
    root, ours = logging.getLogger(), logging.getLogger("llmgine")
    before = (list(ours.handlers), ours.propagate)
    console = io.StringIO()
    with setup_logging(settings(tmp_path, log_file=False), root=True, stream=console) as setup:
        assert setup.logger is root
        (handler,) = setup.handlers
        assert handler in root.handlers
        logging.getLogger("some.library").warning("from a library")
        assert (list(ours.handlers), ours.propagate) == before
    assert "from a library" in console.getvalue()
    assert handler not in root.handlers
