"""Checks of the numbers: each matrix has the shape its variables imply and each row is a
distribution; preferences and priors have the right length (codes E2xx and E3xx).

Axis conventions (the text form's, FreeAgentics'): a matrix has one axis per name in
``from``, in order, then the axis of ``to``; each innermost row is a distribution over
``to`` and sums to 1. A transition may leave out its action's axis (W108).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from llmgine.gmn._context import Context
from llmgine.gmn._model import Action, Emission, Preference, Transition
from llmgine.gmn._rules import (
    EMISSION_RULES,
    PREFERENCE_RULES,
    TRANSITION_RULES,
    grid_problem,
    rule_name,
    rule_problem,
)
from llmgine.gmn._tensor import Ragged, rows, shape_of, show_shape

Axes = list[tuple[str, int]]


def check_links(ctx: Context) -> None:
    for link in ctx.model.links():
        axes = _axes(ctx, link)
        target = ctx.state(link.to) if isinstance(link, Transition) else ctx.observation(link.to)
        if axes is None or target is None or not ctx.sized(target):
            continue  # the reference or size errors already say what is wrong
        if link.matrix is None:
            ctx.add(
                "E209",
                f"{_kind(link)} {link.name!r} has no matrix",
                f"write 'matrix: [...]' with shape {show_shape(_full(axes, target.size))} "
                'or name a rule such as "identity"',
                link.name,
            )
        elif isinstance(link.matrix, str):
            _check_rule(ctx, link, axes, target.size)
        else:
            _check_matrix(ctx, link, axes, target.size)


def _kind(link: Transition | Emission) -> str:
    return "transition" if isinstance(link, Transition) else "emission"


def _axes(ctx: Context, link: Transition | Emission) -> Axes | None:
    axes: Axes = []
    for name in link.from_:
        variable = ctx.state(name) or (ctx.action(name) if isinstance(link, Transition) else None)
        if variable is None or not ctx.sized(variable):
            return None
        axes.append((name, variable.size))
    return axes


def _full(axes: Axes, size: int) -> tuple[int, ...]:
    return (*(n for _, n in axes), size)


def _check_rule(ctx: Context, link: Transition | Emission, axes: Axes, size: int) -> None:
    assert isinstance(link.matrix, str)
    rule = rule_name(link.matrix)
    known = TRANSITION_RULES if isinstance(link, Transition) else EMISSION_RULES
    if rule not in known:
        ctx.add(
            "E206",
            f"{_kind(link)} {link.name!r} names no rule {link.matrix!r}",
            f"use one of {', '.join(sorted(known))}, or write the matrix",
            link.name,
            "matrix",
        )
        return
    transition = link if isinstance(link, Transition) else None
    problem = rule_problem(rule, transition, axes, size)
    if problem is None and transition is not None:
        problem = _transition_rule_problem(ctx, rule, transition)
    if problem is not None:
        ctx.add(
            "E207",
            f"{link.name!r}: {problem}",
            "fix the variables or write the matrix",
            link.name,
            "matrix",
        )
    elif link.dynamics == "deterministic" and rule == "uniform":
        ctx.add(
            "E303",
            f"{link.name!r} is deterministic but its rule is uniform",
            "say stochastic",
            link.name,
            "matrix",
        )


def _transition_rule_problem(ctx: Context, rule: str, transition: Transition) -> str | None:
    actions: list[Action] = [a for n in transition.from_ if (a := ctx.action(n))]
    extra = [n for n in transition.from_ if n != transition.to and not ctx.action(n)]
    if len(actions) > 1 or extra:
        return "a rule takes the factor itself and at most one action in 'from'"
    state = ctx.state(transition.to)
    assert state is not None
    return grid_problem(transition, state, actions) if rule == "grid" else None


def _check_matrix(ctx: Context, link: Transition | Emission, axes: Axes, size: int) -> None:
    shape = shape_of(link.matrix)
    full = _full(axes, size)
    without_actions = _full([a for a in axes if ctx.state(a[0])], size)
    if isinstance(shape, Ragged):
        where = "".join(f"[{i}]" for i in shape.path)
        ctx.add(
            "E203",
            f"matrix of {link.name!r} is not rectangular: {where} has {shape.problem}",
            f"write every row in full; the shape is {show_shape(full)}",
            link.name,
            "matrix",
        )
        return
    if shape != full and not (isinstance(link, Transition) and shape == without_actions):
        order = ", ".join(f"{n} ({s})" for n, s in axes)
        ctx.add(
            "E203",
            f"matrix of {link.name!r} has shape {show_shape(shape)}; from {order or 'nothing'} "
            f"to {link.to} ({size}) it must be {show_shape(full)}",
            "one axis per name in 'from', in that order, then the axis of 'to'",
            link.name,
            "matrix",
        )
        return
    if shape != full:
        action = next(n for n, _ in axes if ctx.action(n))
        ctx.add(
            "W108",
            f"matrix of {link.name!r} has no axis for action {action!r}, so every action "
            f"moves {link.to!r} alike",
            f"add an axis for {action!r} after the state's (one matrix per action) or drop "
            f"{action!r} from 'from'",
            link.name,
            "matrix",
        )
    check_distributions(
        ctx, link.name, "matrix", rows(link.matrix, len(shape)), link.dynamics == "deterministic"
    )


def check_distributions(
    ctx: Context,
    node: str,
    field: str,
    vectors: Iterable[tuple[tuple[int, ...], list[float]]],
    deterministic: bool = False,
) -> None:
    """Each vector is non-negative and finite (E301), sums to 1 (E302), and is one-hot when
    ``deterministic`` (E303); the first offender of each kind is reported."""
    found: set[str] = set()
    for path, vector in vectors:
        where = "".join(f"[{i}]" for i in path) or "it"
        total = math.fsum(vector)
        if "E301" not in found and any(not math.isfinite(v) or v < 0 for v in vector):
            found.add("E301")
            ctx.add(
                "E301",
                f"{field} of {node!r}: {where} holds {_bad(vector)}",
                "probabilities are finite numbers from 0 to 1",
                node,
                field,
            )
        elif "E302" not in found and math.isfinite(total) and abs(total - 1) > ctx.tolerance:
            found.add("E302")
            ctx.add(
                "E302",
                f"{field} of {node!r}: {where} sums to {total:.6g}, not 1",
                "each innermost row (the last axis) is a distribution and sums to 1",
                node,
                field,
            )
        if deterministic and "E303" not in found and max(vector, default=0) < 1 - ctx.tolerance:
            found.add("E303")
            ctx.add(
                "E303",
                f"{node!r} is deterministic but {where} is not one-hot",
                "put a single 1 in each row, or say stochastic",
                node,
                field,
            )


def _bad(vector: list[float]) -> str:
    return repr(next(v for v in vector if not math.isfinite(v) or v < 0))


def check_vectors(ctx: Context) -> None:
    for preference in ctx.model.preferences:
        _check_preference(ctx, preference)
    for state in ctx.model.states:
        if state.initial is None or not ctx.sized(state):
            continue
        if len(state.initial) != state.size:
            ctx.add(
                "E205",
                f"initial of {state.name!r} has {len(state.initial)} values for size {state.size}",
                f"give {state.size} probabilities, one per state",
                state.name,
                "initial",
            )
        else:
            check_distributions(ctx, state.name, "initial", [((), list(state.initial))])


def _check_preference(ctx: Context, preference: Preference) -> None:
    target = ctx.observation(preference.observation) or ctx.state(preference.state)
    values, name = preference.values, preference.name
    if isinstance(values, str):
        if rule_name(values) not in PREFERENCE_RULES:
            ctx.add(
                "E206",
                f"preference {name!r} names no rule {values!r}",
                'write the values as numbers, or use "flat"',
                name,
                "values",
            )
        return
    size = target.size if target is not None else 0
    if values is None or (size > 0 and len(values) != size):
        count = 0 if values is None else len(values)
        ctx.add(
            "E204",
            f"preference {name!r} has {count} values where its target has {size}",
            "give one value per observation (or state): higher is preferred",
            name,
            "values",
        )
    elif not all(math.isfinite(v) for v in values):
        ctx.add(
            "E304",
            f"preference {name!r} holds a value that is not finite",
            "use finite numbers: relative log-preferences such as -3 or 2",
            name,
            "values",
        )
