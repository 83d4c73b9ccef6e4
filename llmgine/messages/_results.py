"""What a command returns: its declared result type, and the check at the handler's return.

``class Greet(Command[str])`` declares that Greet's handler returns a ``str``. The bus
checks each value a handler returns against that type before recording it, so what the
log holds (and another process receives) reads back as the same value; a command with no
declared type may return any plain JSON value. A value that does not fit is refused with
an ``EncodeError`` that says what was returned and what was declared.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from llmgine.messages._base import Command, result_type
from llmgine.messages._errors import EncodeError
from llmgine.messages._wiretypes import check_faithful, is_loose

_PLAIN = (str, int, bool, type(None))


class _ResultCheck:
    """How to check results of one command class, worked out once."""

    __slots__ = ("adapter", "exact", "loose", "plain_ok")

    def __init__(self, declared: Any) -> None:
        model = isinstance(declared, type) and issubclass(declared, BaseModel)
        config = None if model else ConfigDict(allow_inf_nan=False)
        self.adapter: TypeAdapter[Any] = TypeAdapter(declared, config=config)
        self.loose = is_loose(declared, nan_ok=model)
        # Values of exactly the declared class need no validation, unless floats (NaN).
        self.exact = declared if isinstance(declared, type) and declared is not float else None
        self.plain_ok = declared is Any


_checks: dict[type[Command[Any]], _ResultCheck] = {}


def _check_for(command: type[Command[Any]]) -> _ResultCheck:
    check = _checks.get(command)
    if check is None:
        check = _checks[command] = _ResultCheck(result_type(command))
    return check


def result_adapter(command: type[Command[Any]]) -> TypeAdapter[Any]:
    """Validates results of ``command`` (plain JSON values when it declares none)."""
    return _check_for(command).adapter


def check_result(command: type[Command[Any]], value: Any) -> Any:
    """``value`` as a result of ``command``: validated against the declared type.

    Raises ``EncodeError`` when it does not fit, or would not read back the same from
    JSON (for a command without a declared type: when it is not plain JSON).
    """
    check = _checks.get(command) or _check_for(command)
    kind = type(value)
    if check.plain_ok and kind in _PLAIN:
        return value
    if kind is not check.exact:
        try:
            value = check.adapter.validate_python(value)
        except ValidationError as exc:
            declared = result_type(command)
            wanted = getattr(declared, "__name__", str(declared))
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise EncodeError(
                f"the handler of {command.__name__} returned {kind.__name__}, which is not "
                f"{wanted} ({where + ': ' if where else ''}{first['msg']}); return a value "
                f"of the declared type, or declare it: class {command.__name__}(Command[...])"
            ) from None
    if check.loose:
        check_faithful(check.adapter, value, f"the result of {command.__name__}")
    return value
