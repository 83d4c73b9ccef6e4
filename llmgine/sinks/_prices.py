"""What a model's tokens cost, for the cost estimates of the metrics.

Prices are in US dollars per million tokens, input and output, keyed by ``provider:model``.
``DEFAULT_PRICES`` holds the providers' public list prices as of November 2025, without
batch, cache or long-context rates: an estimate, not a bill. Pass ``prices=`` to the
metrics to add models or correct these (your keys win). A model matches its key exactly,
or after dropping a date or ``-latest`` suffix (``openai:gpt-4o-mini-2024-07-18`` is
priced as ``openai:gpt-4o-mini``); ``provider:*`` prices every model of a provider (the
offline stand-in and local Ollama models cost nothing). A model that matches nothing has
no price: its cost is unknown, never counted as zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class ModelPrice(BaseModel):
    """US dollars per million input and output tokens."""

    model_config = ConfigDict(frozen=True)

    input_per_million: float = Field(ge=0)
    output_per_million: float = Field(ge=0)

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (
            input_tokens * self.input_per_million + output_tokens * self.output_per_million
        ) / 1_000_000


def _p(input_per_million: float, output_per_million: float) -> ModelPrice:
    return ModelPrice(input_per_million=input_per_million, output_per_million=output_per_million)


DEFAULT_PRICES: Mapping[str, ModelPrice] = {
    "openai:gpt-4o": _p(2.50, 10.00),
    "openai:gpt-4o-mini": _p(0.15, 0.60),
    "openai:gpt-4.1": _p(2.00, 8.00),
    "openai:gpt-4.1-mini": _p(0.40, 1.60),
    "openai:gpt-4.1-nano": _p(0.10, 0.40),
    "openai:gpt-5": _p(1.25, 10.00),
    "openai:gpt-5-mini": _p(0.25, 2.00),
    "openai:gpt-5-nano": _p(0.05, 0.40),
    "openai:o3": _p(2.00, 8.00),
    "openai:o3-mini": _p(1.10, 4.40),
    "openai:o4-mini": _p(1.10, 4.40),
    "anthropic:claude-3-5-haiku": _p(0.80, 4.00),
    "anthropic:claude-3-5-sonnet": _p(3.00, 15.00),
    "anthropic:claude-3-7-sonnet": _p(3.00, 15.00),
    "anthropic:claude-haiku-4-5": _p(1.00, 5.00),
    "anthropic:claude-sonnet-4": _p(3.00, 15.00),
    "anthropic:claude-sonnet-4-5": _p(3.00, 15.00),
    "anthropic:claude-opus-4": _p(15.00, 75.00),
    "anthropic:claude-opus-4-1": _p(15.00, 75.00),
    "xai:grok-3": _p(3.00, 15.00),
    "xai:grok-3-mini": _p(0.30, 0.50),
    "xai:grok-4": _p(3.00, 15.00),
    "offline:*": _p(0.0, 0.0),
    "ollama:*": _p(0.0, 0.0),
}

_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$")


def price_for(model: str, prices: Mapping[str, ModelPrice]) -> ModelPrice | None:
    """The price of ``model`` (``provider:model``) in ``prices``, or None if it has none."""
    price = prices.get(model)
    if price is None:
        price = prices.get(_SUFFIX.sub("", model))
    if price is None:
        provider, colon, _ = model.partition(":")
        if colon:
            price = prices.get(f"{provider}:*")
    return price
