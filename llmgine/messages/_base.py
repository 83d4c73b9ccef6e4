"""The message envelope and the three kinds of message.

    Message                 envelope: session_id, timestamp, metadata
    ├── Command[R]          command_id, parent_id   (exactly one handler, returns an R)
    ├── Event               event_id, parent_id     (any number of subscribers)
    └── CommandResult[R]    command_id, success, result (an R), error, failure

Messages are frozen pydantic models: what was recorded in the log is what the handlers
saw. To change one (in a middleware, say), make a copy with ``model_copy(update=...)``.
Built inside a handler, a message takes its ``parent_id`` and ``session_id`` from the
message being handled, so causality is filled in without anyone passing ids around.

Every message is wire data: it must read back from JSON as an equal message (see
``_wiretypes`` for what that allows, and ``_codec`` for the format). A class joins the
registry under its wire name when it is defined; class keywords change the defaults:
``class Greeted(Event, wire_name="greeter.Greeted", version=2, aliases=("Hello",))``.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar, cast

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    TypeAdapter,
)

from llmgine.messages._context import current_parent_id, current_session_id
from llmgine.messages._errors import CommandFailedError
from llmgine.messages._failure import LLM_ERROR_KINDS, Failure
from llmgine.messages._ids import new_id, utc_now
from llmgine.messages._registry import registry
from llmgine.messages._wiretypes import (
    UnwritableFieldError,
    check_faithful,
    is_loose,
    loose_fields,
)

MessageKind = Literal["command", "event", "result"]
R = TypeVar("R")
_RESERVED = frozenset({"kind", "type"})
_PLAIN = (str, int, bool)


def _in_utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]


class Message(BaseModel):
    """Fields and behaviour shared by every message on the bus."""

    model_config = ConfigDict(frozen=True, extra="ignore", allow_inf_nan=False)

    kind: ClassVar[MessageKind]
    wire_name: ClassVar[str] = "Message"
    """The name that identifies the class on the wire and in logs (default: the class name)."""
    wire_version: ClassVar[int] = 1
    """Raised when the fields change; older lines go through ``wire_upgrade``."""
    wire_aliases: ClassVar[tuple[str, ...]] = ()
    """Earlier wire names of this class, still read."""
    __wire_loose__: ClassVar[tuple[tuple[str, TypeAdapter[Any]], ...]] = ()
    __wire_exempt__: ClassVar[frozenset[str]] = frozenset()

    session_id: str = Field(default_factory=current_session_id)
    """The session the message belongs to; ``"BUS"`` means bus-wide."""
    timestamp: UtcDatetime = Field(default_factory=utc_now)
    metadata: dict[str, JsonValue] = Field(default_factory=dict)

    def __init_subclass__(
        cls,
        *,
        wire_name: str | None = None,
        version: int = 1,
        aliases: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        # Runs before pydantic collects the fields, so this error comes first.
        annotations = inspect.get_annotations(cls)
        for name in sorted(_RESERVED.intersection(annotations)):
            if "ClassVar" not in str(annotations[name]):
                raise TypeError(
                    f"{cls.__name__} has a field named {name!r}, which the log format "
                    f"reserves for itself; rename the field"
                )
        if not isinstance(version, int) or version < 1:
            raise TypeError(f"{cls.__name__}: version must be an int of 1 or more")
        super().__init_subclass__(**kwargs)
        cls.wire_name = wire_name or cls.__name__
        cls.wire_version = version
        cls.wire_aliases = tuple(aliases)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__()
        origin = cls.__pydantic_generic_metadata__["origin"]
        if origin is not None and issubclass(origin, Message):
            # ``Command[TurnResult]``: a typing device, the same wire type as its origin.
            cls.wire_name, cls.wire_version = origin.wire_name, origin.wire_version
            return
        loose = loose_fields(cls, skip=cls.__wire_exempt__)
        if loose:
            _check_loose_fields_when_built(cls, loose)
        cls._check_wire_class()
        registry.register(cls)

    @classmethod
    def _check_wire_class(cls) -> None:
        """Refuse the class, at its class statement, if the codec could not carry it."""

    @classmethod
    def wire_upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        """Turn the fields of a line written by ``version`` of this class into this one's.

        Override it when ``version`` goes up: rename keys, fill in new required fields.
        The default leaves the data as it is.
        """
        return data

    @property
    def message_id(self) -> str:
        """The id that names this message in the log (a result shares its command's)."""
        raise NotImplementedError


def _adapter(annotation: Any) -> TypeAdapter[Any]:
    return TypeAdapter(annotation)


def _check_loose_fields_when_built(cls: type[Message], loose: tuple[str, ...]) -> None:
    fields = cls.model_fields
    cls.__wire_loose__ = tuple((name, _adapter(fields[name].annotation)) for name in loose)
    if getattr(cls.model_post_init, "__wire_check__", False):
        return  # inherited from a checked base class; it reads __wire_loose__ of the class
    own = cls.model_post_init if cls.__pydantic_post_init__ else None

    def model_post_init(self: Message, context: Any, /) -> None:
        for name, adapter in type(self).__wire_loose__:
            value = getattr(self, name)
            if value is not None and type(value) not in _PLAIN:
                check_faithful(adapter, value, f"{type(self).__name__}.{name}")
        if own is not None:
            own(self, context)

    model_post_init.__wire_check__ = True  # type: ignore[attr-defined]
    cls.model_post_init = model_post_init  # type: ignore[method-assign,assignment]
    cls.__pydantic_post_init__ = "model_post_init"
    cls.model_rebuild(force=True)


def result_type(command: type[Command[Any]]) -> Any:
    """The ``R`` of ``Command[R]`` that ``command`` derives from (``Any`` if undeclared)."""
    for klass in command.__mro__:
        meta = getattr(klass, "__pydantic_generic_metadata__", None) or {}
        origin = meta.get("origin")
        if origin is not None and "__wire_results__" in vars(origin) and meta["args"]:
            return meta["args"][0]
    return Any


class Command(Message, Generic[R]):
    """A request for exactly one handler to do something and return an ``R``.

    Subclasses are named in the imperative and declare what they return:
    ``class Greet(Command[str])``. Without a declared type the result may be any plain
    JSON value.
    """

    kind: ClassVar[MessageKind] = "command"
    __wire_results__: ClassVar[bool] = True  # marks the class whose parameter is R

    command_id: str = Field(default_factory=new_id)
    parent_id: str | None = Field(default_factory=current_parent_id)

    @property
    def message_id(self) -> str:
        return self.command_id

    @classmethod
    def _check_wire_class(cls) -> None:
        try:
            is_loose(result_type(cls))
        except UnwritableFieldError as exc:
            raise UnwritableFieldError(f"the result type of {cls.__name__}: {exc}") from None


class Event(Message):
    """A fact that happened, delivered to every subscriber of its class or a base class.

    Subclasses are named in the past tense: ``ToolCallCompletedEvent``.
    """

    kind: ClassVar[MessageKind] = "event"

    event_id: str = Field(default_factory=new_id)
    parent_id: str | None = Field(default_factory=current_parent_id)

    @property
    def message_id(self) -> str:
        return self.event_id


class CommandResult(Message, Generic[R], version=2):
    """The outcome of one command: its ``R`` on success, a ``Failure`` otherwise.

    ``error`` is the failure in one readable line; ``command_type`` the wire name of the
    command, which says what type ``result`` has when the result is read back.

    Version 2 added ``command_type`` and ``failure``. Version 1 lines carried a failed
    model call's details in ``result`` (``error_type``, ``message``...); they are read as
    the ``Failure`` they describe.
    """

    kind: ClassVar[MessageKind] = "result"
    __wire_exempt__: ClassVar[frozenset[str]] = frozenset({"result"})
    # ``result`` is checked against the command's declared type by the bus instead.

    success: bool
    command_id: str
    command_type: str | None = None
    result: R | None = None
    error: str | None = None
    failure: Failure | None = None

    @property
    def message_id(self) -> str:
        return self.command_id

    @classmethod
    def ok(cls, command: Command[R], value: R) -> CommandResult[R]:
        """The successful result of ``command``."""
        return CommandResult(
            success=True,
            command_id=command.command_id,
            command_type=command.wire_name,
            session_id=command.session_id,
            result=value,
        )

    @classmethod
    def failed(cls, command: Command[Any], failure: Failure) -> CommandResult[Any]:
        """The failed result of ``command``, with ``error`` set from ``failure``."""
        return CommandResult(
            success=False,
            command_id=command.command_id,
            command_type=command.wire_name,
            session_id=command.session_id,
            error=failure.describe(),
            failure=failure,
        )

    @classmethod
    def wire_upgrade(cls, data: dict[str, Any], version: int) -> dict[str, Any]:
        if version < 2 and not data.get("success") and "failure" not in data:
            details = data.get("result")
            if isinstance(details, dict) and isinstance(details.get("error_type"), str):
                data["result"] = None
                data["failure"] = {
                    **{k: v for k, v in details.items() if k in Failure.model_fields},
                    "kind": LLM_ERROR_KINDS.get(details["error_type"], "llm_error"),
                    "exception_type": details["error_type"],
                }
            elif isinstance(data.get("error"), str):
                data["failure"] = {"kind": "handler_error", "message": data["error"]}
        return data

    def unwrap(self) -> R:
        """The result value; raises ``CommandFailedError`` when the command failed."""
        if not self.success:
            failure = self.failure or Failure(
                kind="handler_error", message=self.error or "the command failed"
            )
            raise CommandFailedError(failure)
        return cast(R, self.result)
