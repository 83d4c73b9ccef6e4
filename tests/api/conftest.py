"""Fixtures of the API tests: each SDK adapter in turn, and a fake server for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llmgine.testing import FakeLLMServer


@pytest.fixture(params=["openai", "anthropic"])
def adapter(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def fake() -> Iterator[FakeLLMServer]:
    """A fake server, reached through ``provider_options`` (not the environment)."""
    with FakeLLMServer() as server:
        yield server
