"""pytest fixtures for testing llmgine apps offline.

Enable it in your top-level ``conftest.py``::

    pytest_plugins = ["llmgine.testing.pytest_plugin"]

``no_network`` refuses every connection that would leave the machine for the length of a
test, and fails the test at teardown if anything tried, even when the code under test
swallowed the error. Make it apply to every test with an autouse fixture that requests it.
``llm_script`` makes ``ScriptedProvider`` objects and fails the test at teardown if any of
them still has steps left. Neither adds a second report to a test that already failed.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from typing import Protocol

import pytest

from llmgine.testing._network import NetworkGuard, block_network
from llmgine.testing._scripted import ScriptedProvider, ScriptStep

_CALL_FAILED = pytest.StashKey[bool]()


class ScriptFactory(Protocol):
    """What ``llm_script`` gives a test: call it to get a ``ScriptedProvider``."""

    def __call__(
        self, steps: Iterable[ScriptStep], *, model: str = "scripted:test"
    ) -> ScriptedProvider: ...


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Remember whether the test body failed, so the fixtures' teardown checks only report
    # problems a passing test would otherwise hide.
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


def _test_failed(request: pytest.FixtureRequest) -> bool:
    return bool(request.node.stash.get(_CALL_FAILED, False))


@pytest.fixture
def no_network(request: pytest.FixtureRequest) -> Iterator[NetworkGuard]:
    """Refuse connections to anything but loopback; fail the test if any were attempted."""
    with block_network() as guard:
        yield guard
    if guard.blocked and not _test_failed(request):
        attempts = ", ".join(guard.blocked)
        pytest.fail(
            f"the test tried to reach the network ({attempts}); the error was raised inside "
            "the code under test, which may have swallowed it. Use a local fake "
            "(llmgine.testing.FakeLLMServer) or a ScriptedProvider instead.",
            pytrace=False,
        )


@pytest.fixture
def llm_script(request: pytest.FixtureRequest) -> Iterator[ScriptFactory]:
    """Make ``ScriptedProvider`` objects; fail the test if one has steps left at the end."""
    created: list[ScriptedProvider] = []

    def make(steps: Iterable[ScriptStep], *, model: str = "scripted:test") -> ScriptedProvider:
        provider = ScriptedProvider(steps, model=model)
        created.append(provider)
        return provider

    yield make
    if _test_failed(request):
        return
    problems: list[str] = []
    for provider in created:
        try:
            provider.assert_consumed()
        except AssertionError as exc:
            problems.append(str(exc))
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
