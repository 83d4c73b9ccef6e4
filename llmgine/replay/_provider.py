"""``ReplayProvider``: a model that answers from a recorded log instead of a service.

    replay = ReplayProvider.from_log("logs/llmgine-....jsonl")
    engine = ToolChatEngine(bus, model=replay, provider_factory=replay.for_model,
                            tools=replay.tools([get_weather]))

Each request is answered by the recorded call with exactly the same request, the n-th time
it is asked by the n-th such call (see ``Cassette``). A streamed reply replays the text
pieces the log holds, or the recorded text in word-sized pieces when the log kept none,
with the recorded usage. A recorded failure is raised again. A request the log never saw
raises ``ReplayMissError`` naming the first differing field: no real provider is called,
unless the replay forks (``fork_at`` model calls replayed, then ``fork_to`` answers).
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncGenerator, Callable, Iterable
from typing import Any

from llmgine.llm import (
    LLMError,
    LLMProvider,
    LLMRequest,
    LLMResponse,
    StreamDelta,
    StreamEnd,
    TextDelta,
    ToolCallDelta,
    split_model_name,
)
from llmgine.replay._cassette import Cassette, ForkTarget
from llmgine.replay._errors import Miss, ReplayMissError
from llmgine.replay._recording import RecordedCall, Recording
from llmgine.replay._tools import ReplayedTools
from llmgine.tools import ToolManager

_PIECE = re.compile(r"\S*\s*")


class ReplayProvider(LLMProvider):
    """Answers model calls from a ``Recording``; ``for_model`` gives its siblings for other
    models, which share the answers and the count of those used.

    Args:
        recording: what the log recorded (``Recording.from_log``), or a log's path.
        model: the model this provider stands for (default: the first recorded call's).
        fork_at: replay this many model calls, then answer the rest with ``fork_to``.
        fork_to: the provider for a model name once forked (a live one, or another
            replay); the replay owns and closes what it returns.
    """

    def __init__(
        self,
        recording: Recording | str | os.PathLike[str],
        *,
        model: str | None = None,
        fork_at: int | None = None,
        fork_to: ForkTarget | None = None,
        _cassette: Cassette | None = None,
    ) -> None:
        if not isinstance(recording, Recording):
            recording = Recording.from_log(recording)
        if fork_at is not None and (fork_at < 0 or fork_to is None):
            raise ValueError("fork_at needs fork_to, and must be 0 or more")
        self.recording = recording
        self.cassette = _cassette or Cassette(recording, fork_at=fork_at, fork_to=fork_to)
        name = model or recording.model
        if name is None:
            raise ValueError(
                "the recording has no model call, so there is nothing to replay; "
                "check the log and the session you chose"
            )
        self.provider, self.model = split_model_name(name)
        self._siblings: dict[str, ReplayProvider] = {self.model_name: self}

    @classmethod
    def from_log(
        cls, path: str | os.PathLike[str], *, sessions: Iterable[str] | None = None, **options: Any
    ) -> ReplayProvider:
        """A replay of the log at ``path`` (of the ``sessions`` named; all by default)."""
        return cls(Recording.from_log(path, sessions=sessions), **options)

    def for_model(self, model: str) -> ReplayProvider:
        """The replay of the calls to ``model``, sharing this one's answers and counts
        (pass it as the engine's ``provider_factory``)."""
        sibling = self._siblings.get(model)
        if sibling is None:
            sibling = ReplayProvider(self.recording, model=model, _cassette=self.cassette)
            sibling._siblings = self._siblings
            self._siblings[model] = sibling
        return sibling

    def tools(
        self, tools: ToolManager | Iterable[Callable[..., Any]] | None = None, *, live: bool = False
    ) -> ReplayedTools:
        """A tool manager that answers tool calls from the recording (see ``ReplayedTools``)."""
        return ReplayedTools(self.cassette, tools, live=live)

    @property
    def misses(self) -> list[Miss]:
        """The requests (model and tool calls) the replay could not answer, in order."""
        return self.cassette.misses

    @property
    def replayed(self) -> int:
        """Model calls answered from the recording."""
        return self.cassette.served - self.cassette.live_calls

    @property
    def live_calls(self) -> int:
        """Model calls sent to ``fork_to`` after the fork."""
        return self.cassette.live_calls

    def _next(self, request: LLMRequest) -> RecordedCall | LLMProvider:
        live = self.cassette.live_provider(self.model_name)
        self.cassette.served += 1
        if live is not None:
            self.cassette.live_calls += 1
            return live
        found = self.cassette.answer(self.model_name, request)
        if isinstance(found, Miss):
            self.cassette.served -= 1
            raise ReplayMissError(found, provider=self.provider, model=self.model)
        return found

    async def complete(self, request: LLMRequest) -> LLMResponse:
        found = self._next(request)
        if isinstance(found, LLMProvider):
            return await found.complete(request)
        return self._outcome(found)

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        found = self._next(request)
        if isinstance(found, LLMProvider):
            async for delta in found.stream(request):
                yield delta
            return
        response = self._outcome(found)
        for piece in found.deltas or _pieces(response.content):
            yield TextDelta(text=piece)
        for index, call in enumerate(response.tool_calls):
            yield ToolCallDelta(index=index, id=call.id, name=call.name, arguments=call.arguments)
        yield StreamEnd(response=response)

    @staticmethod
    def _outcome(call: RecordedCall) -> LLMResponse:
        outcome = call.outcome
        if isinstance(outcome, LLMResponse):
            return outcome
        assert outcome is not None  # unanswered calls are not in the cassette
        raise LLMError.from_failure(outcome)

    async def aclose(self) -> None:
        await self.cassette.aclose()


def _pieces(text: str) -> list[str]:
    return [piece for piece in _PIECE.findall(text) if piece]
