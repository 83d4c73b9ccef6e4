"""A GlueLLM user's setting, faked: their keys and default model in ``GLUELLM_*`` variables,
every provider pointed at one ``FakeLLMServer``, the working folder a fresh one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from llmgine.compat.gluellm import config
from llmgine.testing import FakeLLMServer, RecordedRequest, Step
from tests.compat.gluellm._readme import BLOCKS, Ran, execute, rewrite

MODEL = "openai:gpt-4o-mini"


@dataclass
class Replies:
    """The fake model's answer to what its script does not answer: ``respond``, which a
    test sets."""

    respond: Callable[[RecordedRequest], Step] | None = None

    def __call__(self, request: RecordedRequest) -> Step:
        if self.respond is None:
            raise AssertionError(f"no reply scripted for request {request.number}")
        return self.respond(request)


@dataclass
class Example:
    """Runs README blocks against ``server``."""

    server: FakeLLMServer
    folder: Path
    replies: Replies
    namespace: dict[str, Any] = field(default_factory=lambda: {"__name__": "__main__"})

    def run(self, block: str, *, before: str = "", after: str = "") -> Ran:
        """Run README block ``block``, rewritten; ``before`` and ``after`` are the smallest
        completion a fragment needs (definitions it uses, a call of what it defines)."""
        if before:
            execute(before, self.namespace, name=f"{block}:before")
        ran = execute(rewrite(BLOCKS[block]), self.namespace, name=block)
        if after:
            more = execute(after, self.namespace, name=f"{block}:after")
            ran = Ran(ran.printed + more.printed, self.namespace)
        return ran

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.server.requests

    def answer_with(self, respond: Callable[[RecordedRequest], Step]) -> None:
        self.replies.respond = respond


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Example]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    replies = Replies()
    with FakeLLMServer(responder=replies) as server:
        ran = Example(server, tmp_path, replies)
        monkeypatch.chdir(tmp_path)
        for name, value in {
            "OPENAI_API_KEY": "sk-test-gluellm-openai",
            "OPENAI_BASE_URL": server.openai_base_url,
            "ANTHROPIC_API_KEY": "sk-ant-test-gluellm",
            "ANTHROPIC_BASE_URL": server.anthropic_base_url,
            "XAI_API_KEY": "xai-test-gluellm-key",
            "LLMGINE_XAI_BASE_URL": server.openai_base_url,
            "GLUELLM_DEFAULT_MODEL": MODEL,
        }.items():
            monkeypatch.setenv(name, value)
        config.reload_settings()
        try:
            yield ran
        finally:
            for handler in set(root.handlers) - set(handlers):
                root.removeHandler(handler)
                handler.close()
            root.setLevel(level)
    monkeypatch.undo()
    config.reload_settings()  # as the environment is again
