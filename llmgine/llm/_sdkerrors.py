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
import socket
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

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
from llmgine.llm._replysize import ReplyTooLarge

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


def host_of(url: str) -> str:
    """``host:port`` of ``url`` (just the host for the scheme's own port): where a request
    went, for error messages, with no path, query or credentials."""
    parts = urlsplit(url)
    host = parts.hostname or url
    return f"{host}:{parts.port}" if parts.port else host


@dataclass(frozen=True)
class Endpoint:
    """Where an adapter's requests go, and what its errors tell the reader to check."""

    base_url: str
    timeout: float | None
    """The adapter's whole-call limit in seconds (``request_timeout``), if any."""
    key_variable: str | None = None
    """The variable an API key comes from (``OPENAI_API_KEY``), named in auth errors."""
    unreachable_hint: str = "check the base URL and that the server is up"
    """What to do when nothing answers there (Ollama's adapter asks whether it runs)."""

    @property
    def host(self) -> str:
        return host_of(self.base_url)


class SDKErrors:
    """Turns one SDK's exceptions into ours, naming ``provider``, ``model`` and where the
    request went.

    ``sdk`` is the SDK module and ``base`` the root of its exceptions (``openai.OpenAIError``).
    """

    def __init__(
        self,
        sdk: Any,
        base: type[Exception],
        *,
        provider: str,
        model: str,
        key: str | None,
        endpoint: Endpoint,
    ) -> None:
        self._sdk = sdk
        self._base = base
        self._kw: dict[str, Any] = {"provider": provider, "model": model}
        self._key = key
        self.endpoint = endpoint

    @contextmanager
    def translating(self) -> Iterator[None]:
        """Everything raised inside leaves as an ``LLMError`` (the original as its cause)."""
        try:
            yield
        except self._base as exc:
            raise self.translate(exc) from scrub(exc, self._key)
        except TimeoutError as exc:  # the whole call's deadline (before OSError: it is one)
            raise self.timed_out() from exc
        except ReplyTooLarge as exc:
            raise self.too_large(exc) from exc
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
            return self.timed_out()
        if isinstance(exc, sdk.APIConnectionError):
            cause = exc.__cause__ or exc
            if isinstance(cause, ReplyTooLarge):  # raised under the SDK, which wraps it
                return self.too_large(cause)
            return self.transport(cause)
        if not isinstance(exc, sdk.APIStatusError):
            return self.malformed(exc)
        kw = {**kw, "status_code": exc.status_code, "request_id": exc.request_id}
        message = redact(provider_message(exc.body, exc.message), self._key)
        status = exc.status_code
        if status == 429:
            return RateLimitError(message, retry_after=retry_after(exc.response.headers), **kw)
        if status in (401, 403):
            return AuthenticationError(self._auth_message(message), **kw)
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
            return self.timed_out()
        where = self.endpoint.host
        cause = redact(f"{type(exc).__name__}: {exc}", self._key)
        if isinstance(exc, httpx2.ConnectError | ConnectionRefusedError | socket.gaierror):
            text = f"could not connect to {where} ({cause}); {self.endpoint.unreachable_hint}"
        else:
            text = f"the connection to {where} failed: {cause}"
        return APIConnectionError(text, **self._kw)

    def timed_out(self) -> APITimeoutError:
        """No whole reply within the timeout (a slow server, or one that dribbles)."""
        seconds = self.endpoint.timeout
        limit = "the timeout" if seconds is None else f"{seconds:g} s"
        return APITimeoutError(
            f"no complete reply from {self.endpoint.host} within {limit}; a longer reply "
            f"needs a longer request_timeout (LLMGINE_REQUEST_TIMEOUT)",
            **self._kw,
        )

    def too_large(self, exc: ReplyTooLarge) -> MalformedResponseError:
        """A reply cut off at the size limit."""
        return MalformedResponseError(
            f"the reply from {self.endpoint.host} was cut off: it passed {exc.limit:,} bytes "
            f"(max_reply_bytes). Ask for less (max_tokens), or raise the limit with "
            f"LLMGINE_MAX_REPLY_BYTES",
            **self._kw,
        )

    def _auth_message(self, message: str) -> str:
        variable = self.endpoint.key_variable
        check = f"check {variable}" if variable else "check the API key"
        return f"{message} (key refused by {self.endpoint.host}; {check})"
