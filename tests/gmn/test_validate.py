"""Every validation rule has a case that breaks it and the corridor model that keeps it.

``CORRIDOR`` validates without a single issue, so it is the passing case of every code;
each entry of ``CASES`` changes one thing in it and must produce its code. Cases made by
editing the text also pin the line the issue points at.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings

from llmgine.gmn import (
    CODES,
    GMNModel,
    LLMQuery,
    Preference,
    ValidationReport,
    compile,
    load,
    parse,
    validate,
)
from tests.gmn._specs import CORRIDOR
from tests.gmn._strategies import mutated_models, tangled_models

BASE = parse(CORRIDOR)
EMISSION_ROWS = "[[0.8, 0.1, 0.1],\n             [0.1, 0.8, 0.1],\n             [0.1, 0.1, 0.8]]"


def edit(old: str, new: str) -> Callable[[], ValidationReport]:
    assert CORRIDOR.count(old) == 1, old
    return lambda: validate(CORRIDOR.replace(old, new))


def append(text: str) -> Callable[[], ValidationReport]:
    return lambda: validate(CORRIDOR + text)


def change(**fields: object) -> Callable[[], ValidationReport]:
    return lambda: validate(BASE.model_copy(update=fields))


def with_emission(**fields: object) -> Callable[[], ValidationReport]:
    emission = BASE.emissions[0].model_copy(update=fields)
    return lambda: validate(BASE.model_copy(update={"emissions": (emission,)}))


def with_transition(**fields: object) -> Callable[[], ValidationReport]:
    transition = BASE.transitions[0].model_copy(update=fields)
    return lambda: validate(BASE.model_copy(update={"transitions": (transition,)}))


# code -> (how to break the rule, the line the issue points at, or None)
CASES: dict[str, tuple[Callable[[], ValidationReport], int | None]] = {
    "E100": (edit("}\nnode observation", "\nnode observation"), 7),
    "E101": (append('node observation pos { size: 2 description: "again" }\n'), 1),
    "E102": (change(llm_queries=(LLMQuery(name="ask me"),)), None),
    "E103": (edit("from: pos\n", "from: posn\n"), 26),
    "E104": (edit("to: cue\n", "to: move\n"), 27),
    "E105": (change(states=()), None),
    "E106": (change(actions=()), None),
    "E107": (change(transitions=(), emissions=()), None),
    "E108": (change(observations=()), None),
    "E109": (append('node emission E2 { from: pos to: cue matrix: "uniform" }\n'), 37),
    "E110": (
        append(
            "node state q { size: 2 initial: [1.0, 0.0] }\n"
            'node transition T_q { from: [q, move] to: q matrix: "identity" stochastic: true }\n'
        ),
        38,
    ),
    "E111": (edit("observation: cue\n", "observation: cue\n    state: pos\n"), 33),
    "E112": (
        change(emissions=(), preferences=(Preference(name="C", state="pos", values=(0, 0, 1)),)),
        None,
    ),
    "E113": (
        edit(
            'size: 3\n    description: "A noisy',
            'size: 3\n    type: continuous\n    description: "A noisy',
        ),
        9,
    ),
    "E114": (append('node state q { size: 1 initial: [1.0] description: "stuck" }\n'), 37),
    "E201": (edit("size: 3\n    labels: [left", "size: 0\n    labels: [left"), 2),
    "E202": (edit("[left, middle, right]", "[left, right]"), 3),
    "E203": (edit(EMISSION_ROWS, "[[0.8, 0.1, 0.1],\n [0.1, 0.8, 0.1]]"), 29),
    "E204": (edit("[0.0, 0.0, 2.0]", "[0.0, 2.0]"), 35),
    "E205": (edit("initial: [1.0, 0.0, 0.0]", "initial: [1.0, 0.0]"), 5),
    "E206": (with_emission(matrix="diagonal"), None),
    "E207": (with_transition(matrix="grid"), None),
    "E208": (lambda: validate(BASE, constraints={"max_states": 2}), None),
    "E209": (with_transition(matrix=None), None),
    "E301": (edit("[[0.8, 0.1, 0.1]", "[[1.1, -0.1, 0.0]"), 29),
    "E302": (edit("[[0.8, 0.1, 0.1]", "[[0.8, 0.1, 0.05]"), 29),
    "E303": (edit("stochastic: true", "deterministic: true"), 29),
    "E304": (edit("[0.0, 0.0, 2.0]", "[0.0, 0.0, inf]"), 35),
    "W101": (change(preferences=()), None),
    "W102": (edit("    initial: [1.0, 0.0, 0.0]\n", ""), 1),
    "W103": (edit("    deterministic: true\n", ""), 16),
    "W104": (
        lambda: validate(
            GMNModel.model_validate(
                {
                    group: [
                        n.model_copy(update={"description": None}) for n in getattr(BASE, group)
                    ]
                    for group in (
                        "states",
                        "observations",
                        "actions",
                        "transitions",
                        "emissions",
                        "preferences",
                    )
                }
            )
        ),
        None,
    ),
    "W105": (append('node observation extra { size: 2 description: "unused" }\n'), 37),
    "W106": (append('node state q { size: 2 initial: [0.5, 0.5] description: "still" }\n'), 37),
    "W107": (append('node action wave { size: 2 description: "does nothing" }\n'), 37),
    "W108": (with_transition(matrix=[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), None),
    "W109": (edit("observation: cue\n", "state: pos\n"), 34),
}


def test_the_corridor_has_no_issue() -> None:
    assert validate(CORRIDOR).issues == ()
    assert validate(BASE).issues == ()


def test_every_code_has_a_case() -> None:
    assert set(CASES) == set(CODES)


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_case_breaks_its_rule(code: str) -> None:
    make, line = CASES[code]
    report = make()

    found = [issue for issue in report.issues if issue.code == code]
    assert found, f"{code} not in {report.codes()}"
    issue = found[0]
    assert issue.severity == ("error" if code.startswith("E") else "warning")
    assert report.ok == (not report.errors)
    assert issue.message
    assert issue.suggestion
    assert issue.line == line


def test_sums_within_the_tolerance_pass_and_the_tolerance_can_be_tightened() -> None:
    text = CORRIDOR.replace("[[0.8, 0.1, 0.1]", "[[0.8, 0.1, 0.0995]")

    assert "E302" not in validate(text).codes()
    report = validate(text, tolerance=1e-6)
    assert report.codes() == ["E302"]
    assert report.issues[0].message == "matrix of 'E_cue': [0] sums to 0.9995, not 1"


def test_a_wrong_shape_says_which_shape_the_sizes_imply() -> None:
    report = CASES["E203"][0]()

    assert report.issues[0].message == (
        "matrix of 'E_cue' has shape (2, 3); from pos (3) to cue (3) it must be (3, 3)"
    )


def test_a_ragged_matrix_says_which_row() -> None:
    report = with_emission(matrix=[[0.8, 0.2, 0.0], [0.5, 0.5], [0.0, 0.0, 1.0]])()

    assert report.codes() == ["E203"]
    assert "[1] has shape (2,) where (3,) was expected" in report.issues[0].message


def test_constraints_at_the_limit_pass_and_other_keys_are_ignored() -> None:
    report = validate(BASE, constraints={"max_states": 3, "max_actions": 3, "max_tokens": 9})

    assert report.issues == ()
    over = validate(BASE, constraints={"max_actions": 2})
    assert [(i.code, i.node) for i in over.issues] == [("E208", "move")]


def test_errors_come_before_warnings() -> None:
    report = validate(
        CORRIDOR.replace("    initial: [1.0, 0.0, 0.0]\n", "").replace("size: 3", "size: 0", 1)
    )

    assert report.codes()[0].startswith("E")
    assert report.codes()[-1].startswith("W")


def test_an_undefined_reference_names_the_known_ones() -> None:
    issue = CASES["E103"][0]().issues[0]

    assert issue.message == "'from' of 'E_cue' names 'posn', which is not defined"
    assert issue.suggestion == "define state 'posn' or use one of: pos"
    assert (issue.node, issue.field, issue.column) == ("E_cue", "from", 5)


def test_freeagentics_reference_example_is_valid_with_its_omissions_as_warnings() -> None:
    from tests.gmn._specs import FREEAGENTICS_TEXT

    report = validate(load(FREEAGENTICS_TEXT))

    assert report.ok
    # No prior, and a 3x3 transition with an action in 'from': FreeAgentics' own example
    # makes moves that do nothing, which W108 says.
    assert sorted(report.codes()) == ["W102", "W108", "W109"]


@settings(max_examples=300, deadline=None)
@given(tangled_models() | mutated_models())
def test_any_model_gets_a_report_and_a_clean_one_compiles(model: GMNModel) -> None:
    report = validate(model)

    assert all(issue.code in CODES for issue in report.issues)
    if report.ok:
        compiled = compile(model)
        for array in (*compiled.A, *compiled.B):
            assert np.allclose(array.sum(axis=0), 1.0)
