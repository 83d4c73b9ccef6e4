"""GlueLLM's ``gluellm.logging_utils``: decorators and context managers that log calls and
how long things take, through Python's ``logging`` (set it up with ``setup_logging``)."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from llmgine.compat.gluellm.logging_config import get_logger

__all__ = [
    "get_logger",
    "log_async_function_call",
    "log_function_call",
    "log_operation",
    "log_timing",
]

P = ParamSpec("P")
R = TypeVar("R")

_DEFAULT = "llmgine.compat.gluellm"


def log_function_call(
    logger: logging.Logger | None = None, log_args: bool = True, log_result: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Log each call of the decorated function at DEBUG (its arguments, its time, its
    result if asked), and a failure at ERROR with its traceback."""

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        log = logger or get_logger(function.__module__)
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def logged(*args: P.args, **kwargs: P.kwargs) -> R:
            _called(log, name, args, kwargs, log_args)
            started = time.perf_counter()
            try:
                result = function(*args, **kwargs)
            except Exception as exc:
                _failed(log, name, started, exc)
                raise
            _returned(log, name, started, result, log_result)
            return result

        return logged

    return decorate


def log_async_function_call(
    logger: logging.Logger | None = None, log_args: bool = True, log_result: bool = False
) -> Callable[[Callable[P, Awaitable[R]]], Callable[P, Awaitable[R]]]:
    """``log_function_call`` for ``async def`` functions."""

    def decorate(function: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        log = logger or get_logger(function.__module__)
        name = f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        async def logged(*args: P.args, **kwargs: P.kwargs) -> R:
            _called(log, name, args, kwargs, log_args)
            started = time.perf_counter()
            try:
                result = await function(*args, **kwargs)
            except Exception as exc:
                _failed(log, name, started, exc)
                raise
            _returned(log, name, started, result, log_result)
            return result

        return logged

    return decorate


@contextmanager
def log_timing(
    operation_name: str, logger: logging.Logger | None = None, log_level: int = logging.DEBUG
) -> Iterator[None]:
    """Log the start of ``operation_name`` and, however it ends, how long it took."""
    log = logger or get_logger(_DEFAULT)
    log.log(log_level, "Starting %s", operation_name)
    started = time.perf_counter()
    try:
        yield
    finally:
        log.log(log_level, "Completed %s in %.3fs", operation_name, time.perf_counter() - started)


@contextmanager
def log_operation(
    operation_name: str, logger: logging.Logger | None = None, log_level: int = logging.INFO
) -> Iterator[None]:
    """Log the start and the end of ``operation_name``, or its failure at ERROR."""
    log = logger or get_logger(_DEFAULT)
    log.log(log_level, "Starting %s", operation_name)
    try:
        yield
    except Exception as exc:
        log.error("Failed %s: %s", operation_name, exc, exc_info=True)
        raise
    log.log(log_level, "Completed %s", operation_name)


def _called(log: logging.Logger, name: str, args: object, kwargs: object, log_args: bool) -> None:
    if log_args:
        log.debug("Calling %s with args=%r, kwargs=%r", name, args, kwargs)
    else:
        log.debug("Calling %s", name)


def _returned(
    log: logging.Logger, name: str, started: float, result: object, log_result: bool
) -> None:
    elapsed = time.perf_counter() - started
    if log_result:
        log.debug("%s completed in %.3fs, result=%r", name, elapsed, result)
    else:
        log.debug("%s completed in %.3fs", name, elapsed)


def _failed(log: logging.Logger, name: str, started: float, exc: Exception) -> None:
    elapsed = time.perf_counter() - started
    log.error("%s failed after %.3fs: %s", name, elapsed, exc, exc_info=True)
