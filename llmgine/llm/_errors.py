"""One exception tree for everything a provider can fail with.

    LLMError                        every failure of a provider call; names provider and model
    ├── RateLimitError              HTTP 429, or a key pool with every key resting   (retried)
    ├── APIConnectionError          the provider could not be reached or gave up    (retried)
    │   ├── APITimeoutError         no answer within the timeout
    │   └── ServerError             HTTP 5xx, "overloaded"
    ├── AuthenticationError         missing, wrong or revoked API key (401, 403)
    ├── InvalidRequestError         the request was refused as it stands (400, 404, 422)
    │   └── TokenLimitError         the prompt does not fit the model's context window
    ├── MalformedResponseError      the provider answered with something that is not a reply
    └── StructuredOutputError       the reply does not validate against the requested model

SDK exceptions are translated into this tree at the adapter boundary (``raise ... from``),
so code above the adapters never sees an ``openai`` or ``anthropic`` exception. Retry
wrappers retry ``RateLimitError`` and ``APIConnectionError`` only.
"""

from __future__ import annotations

from typing import Any


class LLMError(Exception):
    """A provider call failed. ``provider`` and ``model`` say which one."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        model: str,
        status_code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.model = model
        self.status_code = status_code
        self.request_id = request_id

    @property
    def model_name(self) -> str:
        return f"{self.provider}:{self.model}"

    def __str__(self) -> str:
        status = f" (HTTP {self.status_code})" if self.status_code else ""
        return f"{self.model_name}{status}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls: type[LLMError], message: str, state: dict[str, Any]) -> LLMError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class RateLimitError(LLMError):
    """The provider asked us to slow down. ``retry_after`` is its hint in seconds, if any."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class APIConnectionError(LLMError):
    """The provider could not be reached, dropped the connection, or failed on its side."""


class APITimeoutError(APIConnectionError):
    """The provider did not answer within the timeout."""


class ServerError(APIConnectionError):
    """The provider failed on its side (HTTP 5xx or overloaded); worth another try."""


class AuthenticationError(LLMError):
    """The API key is missing, wrong, or not allowed to use this model."""


class InvalidRequestError(LLMError):
    """The provider refused the request as it stands; sending it again will not help."""


class TokenLimitError(InvalidRequestError):
    """The conversation does not fit in the model's context window: shorten it."""


class MalformedResponseError(LLMError):
    """The provider's answer could not be read as a reply (broken JSON, a cut stream...)."""


class StructuredOutputError(LLMError):
    """The model's reply does not validate against the requested ``response_format``.

    ``raw`` is the text the model produced and ``errors`` what the validation said, so a
    caller can show both to the model and ask again.
    """

    def __init__(self, message: str, *, raw: str, errors: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.raw = raw
        self.errors = errors


RETRYABLE_ERRORS: tuple[type[LLMError], ...] = (RateLimitError, APIConnectionError)
