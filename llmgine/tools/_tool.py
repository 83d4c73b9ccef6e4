"""A tool: a Python function, and what a model needs to know to call it.

``tool_from_function`` reads everything from the function itself: its name, its docstring
(the description, and one description per parameter) and its type hints (the JSON schema of
its parameters, through a generated pydantic model that later validates the arguments the
model sends). A ``Tool`` is immutable; it stays callable like the function it wraps, so a
function decorated with ``@manager.register`` can still be called directly.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Generic, ParamSpec, TypeVar

from llmgine.llm import ToolDefinition
from llmgine.tools._docstring import read_docstring
from llmgine.tools._errors import ToolRegistrationError
from llmgine.tools._schema import (
    ToolArguments,
    arguments_model,
    parameters_schema,
    unwrap_partial,
)

P = ParamSpec("P")
R_co = TypeVar("R_co", covariant=True)

TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
"""What OpenAI and Anthropic both accept as a tool name."""


@dataclass(frozen=True, eq=False)
class Tool(Generic[P, R_co]):
    """A function a model may call, with its name, description and parameters' schema.

    ``timeout`` is in seconds (``math.inf``: no limit); ``None`` means the manager's
    default. ``inline`` runs a sync tool on the event loop instead of a worker thread.
    ``requires_approval``: the manager runs a call of it only when its approver says yes
    (see ``ToolManager.approver``). Build one with ``tool_from_function`` (or
    ``ToolManager.register``); a tool built by hand without an ``arguments_model`` gets the
    model's arguments unvalidated.
    """

    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of an object: ``type``, ``properties``, ``required`` (and ``$defs``)."""
    function: Callable[P, R_co]
    is_async: bool
    timeout: float | None = None
    arguments_model: type[ToolArguments] | None = field(default=None, repr=False)
    """The pydantic model that validates arguments (``parameters`` is its schema)."""
    inline: bool = False
    """A sync tool that returns at once (no I/O, no waiting): called on the event loop,
    which saves the hop to a worker thread and back, and is not timed (nothing could
    interrupt it)."""
    requires_approval: bool = False

    @cached_property
    def definition(self) -> ToolDefinition:
        """What is sent to the provider: name, description, parameters."""
        return ToolDefinition(
            name=self.name, description=self.description, parameters=self.parameters
        )

    def validate_arguments(self, arguments: Mapping[str, object]) -> dict[str, object]:
        """The keyword arguments to call the function with, validated (lax) and converted.

        Nested pydantic models arrive as model instances, enums as members. Raises
        ``pydantic.ValidationError`` when the arguments do not fit the parameters.
        """
        if self.arguments_model is None:
            return dict(arguments)
        return self.arguments_model.model_validate(arguments).keyword_arguments()

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co:
        """Call the wrapped function directly (no validation, no timeout)."""
        return self.function(*args, **kwargs)


def tool_from_function(
    func: Callable[P, R_co],
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    inline: bool = False,
    requires_approval: bool = False,
) -> Tool[P, R_co]:
    """A ``Tool`` for a sync or async function, described by its hints and docstring.

    ``name`` defaults to the function's name and ``description`` to its docstring (summary
    and body, not the parameter section). ``timeout`` in seconds overrides the manager's
    default for this tool. ``inline=True`` declares a sync function cheap: it is called on
    the event loop rather than in a worker thread (see ``Tool.inline``).
    ``requires_approval=True`` marks a tool with effects a person should agree to first
    (sending an email, deleting a file): it runs only when the manager's approver approves
    the call. Raises ``ToolRegistrationError`` when the function cannot be described to a
    model (``*args``, ``**kwargs``, positional-only parameters, types without a JSON schema,
    a name providers refuse).
    """
    if not callable(func):
        raise ToolRegistrationError(
            f"a tool must be a function or another callable, not {type(func).__name__} {func!r:.60}"
        )
    tool_name = _tool_name(func, name)
    _check_timeout(tool_name, timeout)
    if not isinstance(requires_approval, bool):
        raise ToolRegistrationError(
            f"requires_approval of tool {tool_name!r} must be True or False, "
            f"not {requires_approval!r}"
        )
    doc = read_docstring(unwrap_partial(func))
    model = arguments_model(func, tool_name, doc.parameters)
    return Tool(
        name=tool_name,
        description=doc.description if description is None else description,
        parameters=parameters_schema(model, tool_name),
        function=func,
        is_async=is_async_callable(func),
        timeout=timeout,
        arguments_model=model,
        inline=bool(inline),
        requires_approval=requires_approval,
    )


def is_async_callable(func: object) -> bool:
    """Whether calling ``func`` gives a coroutine: async functions, async ``__call__``."""
    func = unwrap_partial(func)
    if inspect.iscoroutinefunction(func):
        return True
    call = getattr(type(func), "__call__", None)  # noqa: B004 - the class's own __call__
    return not inspect.isroutine(func) and inspect.iscoroutinefunction(call)


def _tool_name(func: object, name: str | None) -> str:
    if name is None:
        name = getattr(unwrap_partial(func), "__name__", None)
        if name is None:
            raise ToolRegistrationError(
                f"{func!r:.60} has no __name__; give the tool a name with name=..."
            )
    if not isinstance(name, str) or not TOOL_NAME.fullmatch(name):
        raise ToolRegistrationError(
            f"tool name {name!r} is not accepted by model providers: use 1 to 64 letters, "
            f"digits, '_' or '-' (pass name=... to choose another)"
        )
    return name


def _check_timeout(tool_name: str, timeout: float | None) -> None:
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise ToolRegistrationError(
            f"timeout of tool {tool_name!r} must be a number of seconds or None, not {timeout!r}"
        )
    if not timeout > 0:  # also refuses NaN
        raise ToolRegistrationError(
            f"timeout of tool {tool_name!r} must be a positive number of seconds (math.inf "
            f"for no limit), not {timeout!r}; use None for the manager's default"
        )
