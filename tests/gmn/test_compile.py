"""``compile``: the arrays pymdp wants, in its orientation, from the notation's."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from llmgine.gmn import (
    Action,
    Emission,
    GMNModel,
    GMNValidationError,
    Observation,
    Preference,
    State,
    Transition,
    compile,
    parse,
)
from tests.gmn._specs import CORRIDOR

BASE = parse(CORRIDOR)


def test_the_corridor_compiles_to_pymdp_shapes_and_orientation() -> None:
    compiled = compile(BASE)

    assert (compiled.states, compiled.observations, compiled.controls) == (
        ("pos",),
        ("cue",),
        ("move",),
    )
    assert [a.shape for a in compiled.A] == [(3, 3)]
    assert [b.shape for b in compiled.B] == [(3, 3, 3)]
    # A is the emission transposed: observation first, columns sum to 1.
    assert compiled.A[0][:, 0].tolist() == [0.8, 0.1, 0.1]
    # B[next, previous, action]: go_right from left lands in middle.
    assert compiled.B[0][:, 0, 2].tolist() == [0.0, 1.0, 0.0]
    assert compiled.B[0][:, 0, 0].tolist() == [1.0, 0.0, 0.0]
    assert compiled.C[0].tolist() == [0.0, 0.0, 2.0]
    assert compiled.D[0].tolist() == [1.0, 0.0, 0.0]
    assert compiled.pymdp_kwargs()["A"].dtype == object


def test_an_emission_is_broadcast_over_the_factors_it_does_not_name() -> None:
    model = GMNModel(
        states=(State(name="s1", size=2), State(name="s2", size=3)),
        observations=(Observation(name="o", size=2),),
        actions=(Action(name="a", size=2),),
        transitions=(Transition(name="T", from_=("s2", "a"), to="s2", matrix="uniform"),),
        emissions=(Emission(name="E", from_=("s2",), to="o", matrix=[[1, 0], [0, 1], [0.5, 0.5]]),),
    )
    compiled = compile(model)

    a = compiled.A[0]
    assert a.shape == (2, 2, 3)
    assert np.array_equal(a[:, 0, :], a[:, 1, :])
    assert a[:, 1, 2].tolist() == [0.5, 0.5]
    # s1 has no transition: it stays put, with one action that does nothing.
    assert compiled.B[0].shape == (2, 2, 1)
    assert np.array_equal(compiled.B[0][:, :, 0], np.eye(2))
    assert compiled.controls == (None, "a")
    assert compiled.D[0].tolist() == [0.5, 0.5]


def test_a_transition_without_its_action_axis_is_the_same_for_every_action() -> None:
    matrix = [[0.9, 0.1, 0.0], [0.05, 0.9, 0.05], [0.0, 0.1, 0.9]]
    transition = BASE.transitions[0].model_copy(update={"matrix": matrix, "dynamics": "stochastic"})
    compiled = compile(BASE.model_copy(update={"transitions": (transition,)}))

    b = compiled.B[0]
    assert b.shape == (3, 3, 3)
    for action in range(3):
        assert np.allclose(b[:, :, action], np.array(matrix).T)


def test_the_grid_rule_moves_and_stops_at_walls() -> None:
    model = GMNModel(
        states=(State(name="cell", size=6),),
        observations=(Observation(name="seen", size=6),),
        actions=(Action(name="step", size=4, labels=("left", "right", "up", "down")),),
        transitions=(
            Transition(name="T", from_=("cell", "step"), to="cell", matrix="grid", grid=(2, 3)),
        ),
        emissions=(Emission(name="E", from_=("cell",), to="seen", matrix="identity"),),
    )
    b = compile(model).B[0]

    def after(cell: int, step: int) -> int:
        return int(np.argmax(b[:, cell, step]))

    # cells: 0 1 2 / 3 4 5
    assert [after(1, step) for step in range(4)] == [0, 2, 1, 4]
    assert [after(3, step) for step in range(4)] == [3, 4, 0, 3]
    assert np.array_equal(compile(model).A[0], np.eye(6))


def test_a_preference_over_states_is_read_through_its_emission() -> None:
    preference = Preference(name="C", state="pos", values=(0.0, 0.0, 2.0))
    compiled = compile(BASE.model_copy(update={"preferences": (preference,)}))

    # Each observation is worth the states it comes from, weighted by P(o | s).
    emission = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
    expected = (emission * np.array([0.0, 0.0, 2.0])[:, None]).sum(0) / emission.sum(0)
    assert np.allclose(compiled.C[0], expected)
    assert compiled.C[0].argmax() == 2


def test_preferences_on_one_observation_add_up_and_flat_adds_nothing() -> None:
    extra = (
        Preference(name="C2", observation="cue", values=(1.0, 0.0, 0.0)),
        Preference(name="C3", observation="cue", values="information_gain"),
    )
    compiled = compile(BASE.model_copy(update={"preferences": (*BASE.preferences, *extra)}))

    assert compiled.C[0].tolist() == [1.0, 0.0, 2.0]


def test_sums_within_the_tolerance_are_rescaled_exactly() -> None:
    emission = BASE.emissions[0].model_copy(
        update={"matrix": [[0.8, 0.1, 0.0995], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]}
    )
    compiled = compile(BASE.model_copy(update={"emissions": (emission,)}))

    assert np.array_equal(compiled.A[0].sum(axis=0), np.ones(3))


def test_a_model_with_errors_is_refused_with_its_report() -> None:
    broken = BASE.model_copy(update={"actions": ()})

    with pytest.raises(GMNValidationError) as caught:
        compile(broken)

    assert "E106" in caught.value.report.codes()
    assert "fix them before compiling" in str(caught.value)


def test_without_numpy_the_notation_works_and_compile_says_how_to_install_it() -> None:
    code = (
        "import sys\n"
        "sys.modules['numpy'] = None\n"
        "from llmgine.gmn import compile, template, validate\n"
        "model = template('general')\n"
        "print(validate(model).ok)\n"
        "try:\n"
        "    compile(model)\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )

    assert done.stdout.splitlines() == [
        "True",
        "compiling GMN needs numpy: pip install 'llmgine[gmn]'",
    ]
