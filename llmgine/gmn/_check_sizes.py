"""Checks of the variables themselves: sizes, labels, type and the constraints
(codes E113, E114, E201, E202, E208)."""

from __future__ import annotations

from llmgine.gmn._context import Context
from llmgine.gmn._model import Action, Observation, State

_LIMITS = (
    ("max_states", "states", State),
    ("max_actions", "actions", Action),
    ("max_observations", "observations", Observation),
)


def check_variables(ctx: Context) -> None:
    model = ctx.model
    for variable in model.variables():
        name = variable.name
        if variable.size <= 0:
            ctx.add(
                "E201",
                f"{name!r} has size {variable.size}",
                "give it a size of 1 or more: the number of values it can take",
                name,
                "size",
            )
        if isinstance(variable, State) and variable.size == 1:
            ctx.add(
                "E114",
                f"state {name!r} has one value; pymdp (0.0.7) fails on such a factor",
                "give it two values or more, or drop it: a factor that cannot change says nothing",
                name,
                "size",
            )
        if variable.type == "continuous":
            ctx.add(
                "E113",
                f"{name!r} is continuous; pymdp's models are discrete",
                "make it discrete: cut its range into a number of bins and give that as size",
                name,
                "type",
            )
        _check_labels(ctx, variable)


def _check_labels(ctx: Context, variable: State | Observation | Action) -> None:
    labels = variable.labels
    if labels is None or variable.size <= 0:
        return  # a bad size is reported once, as E201
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if len(labels) != variable.size or repeated:
        problem = (
            f"repeats {', '.join(map(repr, repeated))}"
            if repeated
            else f"has {len(labels)} labels for size {variable.size}"
        )
        ctx.add(
            "E202",
            f"{variable.name!r} {problem}",
            "give one distinct label per value, as many as its size",
            variable.name,
            "labels",
        )


def check_constraints(ctx: Context) -> None:
    for key, what, cls in _LIMITS:
        limit = getattr(ctx.constraints, key)
        if limit is None:
            continue
        for _, node in ctx.model.nodes():
            if isinstance(node, cls) and node.size > limit:
                ctx.add(
                    "E208",
                    f"{node.name!r} has {node.size} {what}, above {key}={limit}",
                    f"make {node.name!r} smaller (at most {limit}) or raise {key}",
                    node.name,
                    "size",
                )
