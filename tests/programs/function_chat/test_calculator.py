"""The calculator: arithmetic over a syntax tree, refusing everything else, bounded."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest

from llmgine.llm import ToolCall
from llmgine.tools import ToolManager
from programs.function_chat import CalculationError, calculate, evaluate


@pytest.mark.parametrize(
    ("expression", "shown"),
    [
        ("2+3", "5"),
        ("  (1 + 2) * -3 ", "-9"),
        ("10 / 4", "2.5"),
        ("10 / 2", "5"),
        ("7 // 2", "3"),
        ("-7 // 2", "-4"),
        ("7 % 3", "1"),
        ("2 ** 10", "1024"),
        ("2 ** 3 ** 2", "512"),
        ("2 ** -1", "0.5"),
        ("+-+4", "-4"),
        ("0.1 + 0.2", "0.3"),
        ("1_000 * 3", "3000"),
        ("1e3 + 1", "1001"),
        ("3 \u00d7 4 \u00f7 2 \u2212 1", "5"),  # the signs people paste
        ("1 / 3", "0.333333333333"),
        ("12345678901234567890 * 10", "123456789012345678900"),
        ("(" * 150 + "1" + ")" * 150, "1"),
        ("-" * 400 + "1", "1"),
    ],
)
def test_arithmetic(expression: str, shown: str) -> None:
    assert calculate(expression) == shown


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os')", "function calls are not allowed (__import__('os'))"),
        ("__import__('os').system('ls')", "function calls are not allowed"),
        ("os.sep", "attributes are not allowed (os.sep)"),
        ("x + 1", "names are not allowed (x)"),
        ("abs(-1)", "function calls are not allowed"),
        ("(1).real", "attributes are not allowed"),
        ("[1, 2][0]", "subscripts are not allowed"),
        ("lambda: 1", "lambdas are not allowed"),
        ("1 < 2", "comparisons are not allowed"),
        ("1 and 2", "'and' and 'or' are not allowed"),
        ("5 & 3", "the operator in '5 & 3' is not allowed"),
        ("1 << 100000", "the operator in '1 << 100000' is not allowed"),
        ("not 1", "the operator in 'not 1' is not allowed"),
        ("'a' * 3", "'a' is not a number"),
        ("True + 1", "True is not a number"),
        ("2j", "2j is not a number"),
        ("[1, 2]", "'[1, 2]' is not allowed"),
        ("1 +", "is not a valid arithmetic expression"),
        ("", "the expression is empty"),
        ("1+" * 300 + "1", "longer than 500 characters"),
        (")(", "is not a valid arithmetic expression"),
    ],
)
def test_everything_else_is_refused_with_what_is_allowed(expression: str, message: str) -> None:
    with pytest.raises(CalculationError) as error:
        evaluate(expression)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("9**9**9", "the result of 9 ** 387420489 would have more than 4096 bits"),
        ("10 ** 100000", "would have more than 4096 bits"),
        ("(-2) ** 5000", "would have more than 4096 bits"),
        ("2 ** 4096", "the result has more than 4096 bits"),
        ("3 ** 3000 * 3 ** 3000", "the result has more than 4096 bits"),
        ("10.0 ** 400", "the result is too large to compute"),
        ("1e308 * 10", "not finite"),
        ("1e999", "not finite"),
        ("1 / 0", "division by zero"),
        ("5 % 0", "division by zero"),
        ("(-8) ** 0.5", "not a real number"),
    ],
)
def test_results_out_of_bounds_are_refused_before_they_are_computed(
    expression: str, message: str
) -> None:
    with pytest.raises(CalculationError, match=re.escape(message)):
        evaluate(expression)


def test_it_never_calls_eval_or_exec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval or exec was called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert calculate("(2 + 3) * 4") == "20"
    target = tmp_path / "touched"
    with pytest.raises(CalculationError):
        evaluate(f"__import__('pathlib').Path({str(target)!r}).touch()")
    assert not target.exists()


def test_a_calculation_error_is_a_value_error() -> None:
    assert issubclass(CalculationError, ValueError)


async def test_the_model_reads_the_refusal_as_the_tool_result() -> None:
    manager = ToolManager([calculate])
    call = ToolCall(id="c1", name="calculate", arguments='{"expression": "__import__(\'os\')"}')
    result = await manager.execute(call)
    assert not result.ok
    assert result.error_kind == "exception"
    assert "function calls are not allowed" in result.content
    good = await manager.execute(
        ToolCall(id="c2", name="calculate", arguments='{"expression": "6*7"}')
    )
    assert (good.ok, good.content) == (True, "42")
