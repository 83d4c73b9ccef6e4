"""Pieces of error translation that both SDK adapters share.

The adapters decide which of our classes an SDK exception becomes; this module reads what
the HTTP error carries (the provider's own message, ``Retry-After``) and recognises the
many ways providers say "your prompt is too long".
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any

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
