"""Translating SDK exceptions into the ``LLMError`` tree, for both SDK adapters.

The ``openai`` and ``anthropic`` SDKs raise the same shapes of exception (a timeout, a
connection error, a response that failed validation, a status error carrying the HTTP
status, the body and the response), so one translator serves both: it is given the SDK
module and reads the provider's own message, ``Retry-After``, and the many ways providers
say "your prompt is too long". Every message goes through ``redact`` so no key leaks, and
the SDK exception, kept as the cause, is scrubbed the same way: its message quotes the
server's reply, and servers quote keys back ("Incorrect API key provided: ..."), so a
traceback printed anywhere would otherwise carry the key.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from typing import Any

import httpx2

from llmgine.llm._env import redact
from llmgine.llm._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    InvalidRequestError,
    LLMError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    TokenLimitError,
)

_CONTEXT_LENGTH = re.compile(
    r"context[ _-]?length|context window|maximum context|prompt is too long|"
    r"too many tokens|exceeds? the (?:model'?s )?(?:maximum|context)|input is too long|"
    r"reduce the length",
    re.IGNORECASE,
)


def is_context_length(code: object, message: str) -> bool:
    """Whether a 400 means the prompt does not fit the model's context window."""
    return code == "context_length_exceeded" or bool(_CONTEXT_LENGTH.search(message))


def provider_message(body: object, fallback: str) -> str:
    """The human message inside an error body (OpenAI and Anthropic shapes), else ``fallback``."""
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(body.get("message"), str):
            return str(body["message"])
    return fallback


def error_code(body: object) -> object:
    """The machine-readable code or type inside an error body, if any."""
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping):
            return inner.get("code") or inner.get("type")
    return None


def retry_after(headers: Mapping[str, str] | Any) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date)."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def scrub(exc: BaseException, key: str | None) -> BaseException:
    """``exc`` and the exceptions it was raised from, with ``key`` (and anything shaped like
    a key) masked in their arguments and text attributes (``message``, ``body``...);
    returns ``exc``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(_masked(arg, key) for arg in current.args)
        for name, value in list(vars(current).items()):  # message, body, api_message...
            if isinstance(value, str | Mapping | list | tuple):
                with suppress(AttributeError):  # a read-only property: nothing to mask there
                    setattr(current, name, _masked(value, key))
        current = current.__cause__ or current.__context__
    return exc


def _masked(value: Any, key: str | None) -> Any:
    if isinstance(value, str):
        return redact(value, key)
    if isinstance(value, Mapping):
        return {k: _masked(v, key) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_masked(v, key) for v in value)
    return value


class SDKErrors:
    """Turns one SDK's exceptions into ours, naming ``provider`` and ``model``.

    ``sdk`` is the SDK module and ``base`` the root of its exceptions (``openai.OpenAIError``).
    """

    def __init__(
        self, sdk: Any, base: type[Exception], *, provider: str, model: str, key: str | None
    ) -> None:
        self._sdk = sdk
        self._base = base
        self._kw: dict[str, Any] = {"provider": provider, "model": model}
        self._key = key

    @contextmanager
    def translating(self) -> Iterator[None]:
        """Everything raised inside leaves as an ``LLMError`` (the original as its cause)."""
        try:
            yield
        except self._base as exc:
            raise self.translate(exc) from scrub(exc, self._key)
        except (httpx2.HTTPError, OSError) as exc:  # the transport failing, even mid-stream
            raise self.transport(exc) from scrub(exc, self._key)
        except ValueError as exc:  # a body or an event that is not the JSON of a reply
            raise self.malformed(exc) from scrub(exc, self._key)

    def incomplete(self) -> MalformedResponseError:
        """A stream that ended without saying the reply was finished."""
        return self.malformed(ValueError("the stream ended before the reply was complete"))

    def translate(self, exc: Exception) -> LLMError:
        """The error of our tree that this SDK exception means."""
        sdk, kw = self._sdk, self._kw
        if isinstance(exc, sdk.APITimeoutError):
            return APITimeoutError(f"no answer within the timeout: {exc}", **kw)
        if isinstance(exc, sdk.APIConnectionError):
            return self.transport(exc.__cause__ or exc)
        if not isinstance(exc, sdk.APIStatusError):
            return self.malformed(exc)
        kw = {**kw, "status_code": exc.status_code, "request_id": exc.request_id}
        message = redact(provider_message(exc.body, exc.message), self._key)
        status = exc.status_code
        if status == 429:
            return RateLimitError(message, retry_after=retry_after(exc.response.headers), **kw)
        if status in (401, 403):
            return AuthenticationError(message, **kw)
        if status in (408, 409) or status >= 500:
            return ServerError(message, **kw)
        if status == 413 or is_context_length(error_code(exc.body), message):
            return TokenLimitError(message, **kw)
        return InvalidRequestError(message, **kw)

    def malformed(self, exc: BaseException) -> MalformedResponseError:
        """A reply that could not be read (not JSON, or not the JSON of a reply)."""
        message = redact(f"the reply could not be read: {type(exc).__name__}: {exc}", self._key)
        return MalformedResponseError(message, **self._kw)

    def transport(self, exc: BaseException) -> APIConnectionError:
        """The connection failing, before or in the middle of a reply."""
        if isinstance(exc, httpx2.TimeoutException):
            return APITimeoutError(
                f"no answer within the timeout: {type(exc).__name__}", **self._kw
            )
        message = redact(f"the connection failed: {type(exc).__name__}: {exc}", self._key)
        return APIConnectionError(message, **self._kw)
