"""Reading the node-block text form: what it accepts and what its errors say."""

from __future__ import annotations

import pytest

from llmgine.gmn import GMNSyntaxError, LLMQuery, Transition, parse
from tests.gmn._specs import FREEAGENTICS_TEXT


def test_freeagentics_example_reads_with_every_field() -> None:
    model = parse(FREEAGENTICS_TEXT)

    assert [s.name for s in model.states] == ["s_pos"]
    assert model.states[0].description == "Corridor position (left, middle, right)"
    transition = model.transitions[0]
    assert transition.from_ == ("s_pos", "a_move")
    assert transition.dynamics == "stochastic"
    assert transition.matrix == [[0.9, 0.1, 0.0], [0.05, 0.9, 0.05], [0.0, 0.1, 0.9]]
    assert model.emissions[0].from_ == ("s_pos",)
    assert model.preferences[0].state == "s_pos"
    assert model.preferences[0].values == (0.0, 0.0, 1.0)


def test_fields_may_share_a_line_and_comments_are_dropped() -> None:
    model = parse(
        "# a whole-line comment\n"
        "node preference C1 { state: s1 values: [0.0, 0.0, 1.0, 0.0] }  # trailing\n"
        'node likelihood E { from: [s1, s2,] to: o deterministic: false matrix: "uniform" }\n'
    )

    assert model.preferences[0].values == (0.0, 0.0, 1.0, 0.0)
    emission = model.emissions[0]
    assert (emission.from_, emission.dynamics, emission.matrix) == (
        ("s1", "s2"),
        "stochastic",
        "uniform",
    )


def test_an_llm_query_node_keeps_its_fields() -> None:
    model = parse(
        'node llm_query ask { prompt: "Where is the goal?" trigger: on_observation '
        "context: [cue] updates: [pos] }"
    )

    assert model.llm_queries == (
        LLMQuery(name="ask", prompt="Where is the goal?", context=("cue",), updates=("pos",)),
    )


def test_numbers_in_every_spelling() -> None:
    model = parse("node transition T { to: s matrix: [1, -2.5, .5, 1e-3, 2E+2, inf, -inf] }")

    assert model.transitions[0] == Transition(
        name="T", to="s", matrix=[1.0, -2.5, 0.5, 0.001, 200.0, float("inf"), float("-inf")]
    )


ERRORS = [
    (
        "node state s {\n    size: 3\n\nnode action a { size: 2 }\n",
        "line 4, column 1: expected '}' to close node 's' opened at line 1, found 'node'",
    ),
    (
        "node transition T1 {\n    to: s\n",
        "line 3, column 1: expected '}' to close node 'T1' opened at line 1, "
        "found the end of the text",
    ),
    ("node stat s { size: 1 }", "line 1, column 6: expected a node type"),
    ("state s { size: 1 }", "line 1, column 1: expected 'node' to start a node, found 'state'"),
    ("node state s { size 3 }", "line 1, column 21: expected ':' after key 'size', found '3'"),
    ("node state s { size: 3.5 }", "line 1, column 22: expected a whole number for 'size'"),
    (
        "node state s {\n  sise: 3 }",
        "line 2, column 3: unknown key 'sise' in state 's'; expected one of: type, size",
    ),
    ("node state s { size: 2 size: 3 }", "line 1, column 24: key 'size' given twice in 's'"),
    ("node state s { type: fuzzy size: 1 }", "line 1, column 22: expected discrete or continuous"),
    ("node state s { }", "line 1, column 16: state 's' needs 'size:' before its closing '}'"),
    ("node emission E { to: [o1, o2] }", "line 1, column 23: 'to' names one node"),
    (
        "node transition T {\n  to: s\n  matrix: [[1, 0],\n  [0, 1]\n}",
        "line 5, column 1: expected ']' to close the list opened at line 3, found '}'",
    ),
    ('node state s { size: 1 description: "open }', "line 1, column 37: a string that does"),
    ("node state s { size: 1 } @", "line 1, column 26: unexpected character '@'"),
    (
        "node transition T { to: s stochastic: true deterministic: true }",
        "line 1, column 59: 'stochastic' and 'deterministic' contradict each other",
    ),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_errors_say_where_and_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(GMNSyntaxError) as caught:
        parse(text)

    assert str(caught.value).startswith(message)
    line, column = message.split(":")[0].removeprefix("line ").split(", column ")
    assert (caught.value.line, caught.value.column) == (int(line), int(column))


def test_an_unclosed_list_names_where_it_opened() -> None:
    with pytest.raises(GMNSyntaxError, match=r"expected '\]' to close the list opened at line 3"):
        parse("node transition T {\n  to: s\n  matrix: [[1, 0],\n  [0, 1]\n")
