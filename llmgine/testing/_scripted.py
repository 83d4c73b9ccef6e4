"""In-process fake models for tests: a script of steps, or a function that answers.

``ScriptedProvider`` plays back a list of steps, one per call: a ``Reply`` becomes a response,
a ``Fault`` raises the error a real adapter would raise for it, an ``LLMResponse`` is returned
as it is. It records every request and insists the script is used exactly: a call past the
end fails with an ``AssertionError`` naming the call, and closing it (``async with``) with
steps left over fails too, so a test cannot pass while the code under test skipped a call.

``FunctionProvider`` calls a function with each request instead, for replies that depend on
what was asked. Both stream like a real model (word-sized text pieces, tool-call fragments,
then ``StreamEnd`` with the same response ``complete`` returns). Tool calls without a
scripted id are numbered over the provider's life, ``call_<n>_<name>``: unique, as a real
model's are, and the same in every run of a test.
"""

from __future__ import annotations

import asyncio
import inspect
from abc import abstractmethod
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from itertools import islice
from types import TracebackType
from typing import NoReturn, TypeAlias

from llmgine.llm import (
    LLMProvider,
    LLMRequest,
    LLMResponse,
    StreamDelta,
    StreamEnd,
    UserMessage,
    split_model_name,
    with_structured_output,
)
from llmgine.llm._assemble import response_deltas
from llmgine.llm._tokens import estimate_tokens, request_text
from llmgine.testing._script import CUT_REPLY, Fault, Reply

ScriptStep: TypeAlias = Reply | Fault | LLMResponse | str
"""One step of a script; a ``str`` is short for ``Reply(text=...)``."""

ModelFunction: TypeAlias = Callable[[LLMRequest], ScriptStep | Awaitable[ScriptStep]]
"""What ``FunctionProvider`` calls: a request in, a step out (sync or async)."""


class _PlaybackProvider(LLMProvider):
    """Turns steps into responses, errors and streams; subclasses say where steps come from."""

    def __init__(self, model: str) -> None:
        self.provider, self.model = split_model_name(model)
        self.requests: list[LLMRequest] = []
        self._calls = 0  # tool calls made so far, to number the next ones

    @abstractmethod
    async def _next_step(self, request: LLMRequest) -> ScriptStep:
        """The step that answers ``request`` (already appended to ``requests``)."""

    async def complete(self, request: LLMRequest) -> LLMResponse:
        self.requests.append(request)
        step = await self._next_step(request)
        if isinstance(step, Fault):
            await self._fail(step)
        return self._finish(request, step, self._response(request, step))

    async def stream(self, request: LLMRequest) -> AsyncGenerator[StreamDelta, None]:
        self.requests.append(request)
        step = await self._next_step(request)
        if isinstance(step, Fault):
            if step.kind == "cut_stream":
                cut = self._response(request, step.reply or CUT_REPLY)
                for delta in islice(response_deltas(cut), step.after_chunks):
                    yield delta
            await self._fail(step)
        response = self._response(request, step)
        for delta in response_deltas(response):
            yield delta
        # Validated only at the end, as a real adapter can only check the whole text.
        yield StreamEnd(response=self._finish(request, step, response))

    def _response(self, request: LLMRequest, step: Reply | LLMResponse | str) -> LLMResponse:
        if isinstance(step, LLMResponse):
            return step
        reply = Reply(text=step) if isinstance(step, str) else step
        tokens = estimate_tokens(request_text(request))
        ids = []
        for spec in reply.tool_calls:
            ids.append(spec.id or f"call_{self._calls}_{spec.name}")
            self._calls += 1
        return reply.to_response(self.provider, self.model, input_tokens=tokens, call_ids=ids)

    @staticmethod
    def _finish(
        request: LLMRequest, step: Reply | LLMResponse | str, response: LLMResponse
    ) -> LLMResponse:
        if isinstance(step, LLMResponse):
            return step  # given as it is, parsed or not
        return with_structured_output(request, response)

    async def _fail(self, fault: Fault) -> NoReturn:
        if fault.kind == "hang":
            if fault.seconds is None:
                await asyncio.get_running_loop().create_future()  # until cancelled
            else:
                await asyncio.sleep(fault.seconds)
        raise fault.to_error(self.provider, self.model)


class ScriptedProvider(_PlaybackProvider):
    """Plays ``steps`` back, one per ``complete``/``stream`` call, and checks they all ran.

    With ``strict`` (the default) leaving an ``async with`` block or calling ``aclose`` with
    steps left raises ``AssertionError``; with ``strict=False`` only ``assert_consumed`` does.
    """

    def __init__(
        self, steps: Iterable[ScriptStep], *, model: str = "scripted:test", strict: bool = True
    ) -> None:
        super().__init__(model)
        self.steps: tuple[ScriptStep, ...] = tuple(_checked(step) for step in steps)
        self.strict = strict
        self._used = 0

    @property
    def remaining(self) -> int:
        """How many steps have not been played yet."""
        return len(self.steps) - self._used

    def assert_consumed(self) -> None:
        """Raise ``AssertionError`` listing the steps no call has used."""
        if self.remaining:
            left = "\n".join(
                f"  step {n + 1}: {self.steps[n]!r}" for n in range(self._used, len(self.steps))
            )
            raise AssertionError(
                f"{self!r} was called {self._used} time(s) but its script has "
                f"{len(self.steps)} step(s); not used:\n{left}\n"
                "Remove those steps, or check why the code under test stopped calling the model."
            )

    async def aclose(self) -> None:
        if self.strict:
            self.assert_consumed()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # When the block already failed, that failure is the news: leftover steps are only
        # its consequence, and raising here would hide it.
        if exc is None:
            await self.aclose()

    async def _next_step(self, request: LLMRequest) -> ScriptStep:
        if self._used >= len(self.steps):
            raise AssertionError(
                f"{self!r} got call number {len(self.requests)} but its script has only "
                f"{len(self.steps)} step(s); last user message: {_last_user_text(request)!r}. "
                "Add a step for this call, or check why the code under test called again."
            )
        step = self.steps[self._used]
        self._used += 1
        return step


class FunctionProvider(_PlaybackProvider):
    """Answers each request with ``fn(request)``: a ``Reply``, ``Fault``, ``LLMResponse`` or text.

    ``fn`` may be a plain function or a coroutine function.
    """

    def __init__(self, fn: ModelFunction, *, model: str = "function:test") -> None:
        super().__init__(model)
        self.fn = fn

    async def _next_step(self, request: LLMRequest) -> ScriptStep:
        result = self.fn(request)
        if inspect.isawaitable(result):
            result = await result
        return _checked(result)


def _checked(step: object) -> ScriptStep:
    if isinstance(step, Reply | Fault | LLMResponse | str):
        return step
    raise TypeError(
        f"a fake model step must be a Reply, Fault, LLMResponse or str, not "
        f"{type(step).__name__} ({step!r}); build one with llmgine.testing.text(...) "
        "or tool_call(...)"
    )


def _last_user_text(request: LLMRequest) -> str:
    users = [m.content for m in request.messages if isinstance(m, UserMessage)]
    return users[-1] if users else ""
