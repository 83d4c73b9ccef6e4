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

An error travels through the bus as data: ``failure_fields()`` gives the fields of a
``llmgine.messages.Failure`` (each class has its own ``kind``), and ``from_failure`` builds
the same exception back from such a record. This layer does not import the messages; it
agrees with them on the names, which a test checks.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, TypedDict


class FailureFields(TypedDict):
    """The fields of a ``Failure`` record that describe an ``LLMError``."""

    kind: str
    message: str
    exception_type: str
    retryable: bool
    provider: str
    model: str
    status_code: int | None
    request_id: str | None
    retry_after: float | None
    raw: str | None
    validation_errors: str | None


class FailureRecord(Protocol):
    """What ``LLMError.from_failure`` reads (``llmgine.messages.Failure`` has it all)."""

    @property
    def kind(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def provider(self) -> str | None: ...
    @property
    def model(self) -> str | None: ...
    @property
    def status_code(self) -> int | None: ...
    @property
    def request_id(self) -> str | None: ...
    @property
    def retry_after(self) -> float | None: ...
    @property
    def raw(self) -> str | None: ...
    @property
    def validation_errors(self) -> str | None: ...


class LLMError(Exception):
    """A provider call failed. ``provider`` and ``model`` say which one."""

    kind: ClassVar[str] = "llm_error"
    """The ``Failure.kind`` of this class (one per class of the tree)."""

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

    def failure_fields(self) -> FailureFields:
        """This error as the fields of a ``Failure`` (``Failure(**error.failure_fields())``)."""
        limited = self if isinstance(self, RateLimitError) else None
        structured = self if isinstance(self, StructuredOutputError) else None
        return FailureFields(
            kind=self.kind,
            message=self.message,
            exception_type=type(self).__name__,
            retryable=isinstance(self, RETRYABLE_ERRORS),
            provider=self.provider,
            model=self.model,
            status_code=self.status_code,
            request_id=self.request_id,
            retry_after=limited.retry_after if limited else None,
            raw=structured.raw if structured else None,
            validation_errors=structured.errors if structured else None,
        )

    @staticmethod
    def from_failure(failure: FailureRecord) -> LLMError:
        """The exception that ``failure`` records, of the class its ``kind`` names.

        Raises ``ValueError`` when the kind is not one of a model call.
        """
        cls = _BY_KIND.get(failure.kind)
        if cls is None:
            raise ValueError(f"a {failure.kind!r} failure is not a model call's error")
        common: dict[str, Any] = {
            "provider": failure.provider or "",
            "model": failure.model or "",
            "status_code": failure.status_code,
            "request_id": failure.request_id,
        }
        if cls is RateLimitError:
            common["retry_after"] = failure.retry_after
        if cls is StructuredOutputError:
            common |= {"raw": failure.raw or "", "errors": failure.validation_errors or ""}
        return cls(failure.message, **common)


def _rebuild(cls: type[LLMError], message: str, state: dict[str, Any]) -> LLMError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class RateLimitError(LLMError):
    """The provider asked us to slow down. ``retry_after`` is its hint in seconds, if any."""

    kind: ClassVar[str] = "rate_limited"

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class APIConnectionError(LLMError):
    """The provider could not be reached, dropped the connection, or failed on its side."""

    kind: ClassVar[str] = "connection_failed"


class APITimeoutError(APIConnectionError):
    """The provider did not answer within the timeout."""

    kind: ClassVar[str] = "llm_timeout"


class ServerError(APIConnectionError):
    """The provider failed on its side (HTTP 5xx or overloaded); worth another try."""

    kind: ClassVar[str] = "server_error"


class AuthenticationError(LLMError):
    """The API key is missing, wrong, or not allowed to use this model."""

    kind: ClassVar[str] = "auth_failed"


class InvalidRequestError(LLMError):
    """The provider refused the request as it stands; sending it again will not help."""

    kind: ClassVar[str] = "invalid_request"


class TokenLimitError(InvalidRequestError):
    """The conversation does not fit in the model's context window: shorten it."""

    kind: ClassVar[str] = "token_limit"


class MalformedResponseError(LLMError):
    """The provider's answer could not be read as a reply (broken JSON, a cut stream...)."""

    kind: ClassVar[str] = "malformed_response"


class StructuredOutputError(LLMError):
    """The model's reply does not validate against the requested ``response_format``.

    ``raw`` is the text the model produced and ``errors`` what the validation said, so a
    caller can show both to the model and ask again.
    """

    kind: ClassVar[str] = "invalid_structured_output"

    def __init__(self, message: str, *, raw: str, errors: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.raw = raw
        self.errors = errors


RETRYABLE_ERRORS: tuple[type[LLMError], ...] = (RateLimitError, APIConnectionError)

_BY_KIND: dict[str, type[LLMError]] = {
    cls.kind: cls
    for cls in (
        LLMError, RateLimitError, APIConnectionError, APITimeoutError, ServerError,
        AuthenticationError, InvalidRequestError, TokenLimitError, MalformedResponseError,
        StructuredOutputError,
    )
}  # fmt: skip
