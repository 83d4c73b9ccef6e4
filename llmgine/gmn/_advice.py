"""Warnings: what the model leaves to defaults, and how a preference over states is read
(codes W101 to W109, and E112 for a state preference that cannot be read).

The first four are FreeAgentics' improvement suggestions, checked on the model instead of
by searching the text for words.
"""

from __future__ import annotations

from llmgine.gmn._context import Context
from llmgine.gmn._model import Emission, Preference


def check_advice(ctx: Context) -> None:
    """FreeAgentics' improvement suggestions: preferences, descriptions, initial priors,
    and whether transitions are stochastic or deterministic."""
    model = ctx.model
    if not model.preferences:
        ctx.add(
            "W101",
            "no preferences: the agent has no goal, only curiosity",
            "add a 'node preference' over an observation with higher values for goals",
        )
    if not any(node.description for _, node in model.nodes()):
        ctx.add(
            "W104",
            "no node has a description",
            "say what each state, observation and action stands for in 'description'",
        )
    for state in model.states:
        if state.initial is None:
            ctx.add(
                "W102",
                f"state {state.name!r} has no initial prior; all values start equally likely",
                f"add 'initial: [...]' with {max(state.size, 0)} probabilities",
                state.name,
            )
    for transition in model.transitions:
        if transition.dynamics is None:
            ctx.add(
                "W103",
                f"transition {transition.name!r} says neither stochastic nor deterministic",
                "add 'stochastic: true' or 'deterministic: true'",
                transition.name,
            )


def check_unused(ctx: Context) -> None:
    """Parts that do nothing: a state that never moves, an observation nothing produces,
    an action nothing depends on."""
    model = ctx.model
    for state in model.states:
        if not any(t.to == state.name for t in model.transitions):
            ctx.add(
                "W106",
                f"state {state.name!r} has no transition; it never changes",
                'add a transition to it (matrix: "identity" says so on purpose)',
                state.name,
            )
    for observation in model.observations:
        if not any(e.to == observation.name for e in model.emissions):
            ctx.add(
                "W105",
                f"observation {observation.name!r} has no emission; it tells the agent nothing",
                "add an emission from a state to it",
                observation.name,
            )
    used = {name for t in model.transitions for name in t.from_}
    for action in model.actions:
        if action.name not in used:
            ctx.add(
                "W107",
                f"action {action.name!r} drives no state factor",
                "list it in the 'from' of a transition",
                action.name,
            )


def reading_emission(preference: Preference, emissions: tuple[Emission, ...]) -> Emission | None:
    """The emission a preference over states is read through: the first whose ``from`` is
    that state alone."""
    return next((e for e in emissions if e.from_ == (preference.state,)), None)


def check_state_preferences(ctx: Context) -> None:
    for preference in ctx.model.preferences:
        if preference.state is None or preference.observation is not None:
            continue
        if ctx.state(preference.state) is None:
            continue  # E103/E104 already
        emission = reading_emission(preference, ctx.model.emissions)
        if emission is None:
            ctx.add(
                "E112",
                f"preference {preference.name!r} is over state {preference.state!r}, which no "
                "emission reads alone",
                f"name an observation instead, or add an emission from {preference.state!r} alone",
                preference.name,
                "state",
            )
        else:
            ctx.add(
                "W109",
                f"preference {preference.name!r} over state {preference.state!r} is read through "
                f"{emission.name!r}: each {emission.to!r} value is preferred as much as the states "
                "it points to",
                "state it over an observation to say exactly what is preferred",
                preference.name,
                "state",
            )
