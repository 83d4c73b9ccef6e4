"""Checks of the model's shape as a graph: names, required parts, references, and the
dependencies pymdp can express (codes E101 to E113)."""

from __future__ import annotations

import re
from collections import Counter

from llmgine.gmn._context import Context
from llmgine.gmn._model import Emission, NodeKind, Preference, Transition

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_names(ctx: Context) -> None:
    counts = Counter(node.name for _, node in ctx.model.nodes())
    for name, count in counts.items():
        if not _IDENTIFIER.fullmatch(name):
            ctx.add(
                "E102",
                f"name {name!r} is not an identifier",
                "use letters, digits and '_', not starting with a digit",
                name,
            )
        if count > 1:
            places = ctx.source.repeats.get(name, [])
            line = f" (again at line {places[0].line})" if places else ""
            ctx.add(
                "E101",
                f"{count} nodes are named {name!r}{line}",
                "give each node its own name",
                name,
            )


def check_required(ctx: Context) -> None:
    model = ctx.model
    missing = [
        ("E105", not model.states, "no state factor", "add a 'node state' with a size"),
        ("E106", not model.actions, "no action", "add a 'node action' with a size"),
        (
            "E107",
            not model.transitions and not model.emissions,
            "no transition and no emission",
            "add a 'node transition' (how states move) or a 'node emission' (what is seen)",
        ),
        (
            "E108",
            not model.observations,
            "no observation: pymdp needs at least one observation modality",
            "add a 'node observation' and an emission from a state to it",
        ),
    ]
    for code, absent, message, suggestion in missing:
        if absent:
            ctx.add(code, message, suggestion)


def _reference(ctx: Context, node: str, field: str, name: str, kinds: tuple[NodeKind, ...]) -> bool:
    """Whether ``name`` is a node of one of ``kinds``; reports E103 or E104 if not."""
    kind = ctx.kind_of(name)
    wanted = " or ".join(kinds)
    if kind is None:
        known = sorted(n for n, (k, _) in ctx.index.items() if k in kinds)
        ctx.add(
            "E103",
            f"{field!r} of {node!r} names {name!r}, which is not defined",
            f"define {wanted} {name!r} or use one of: {', '.join(known) or 'none yet'}",
            node,
            field,
        )
        return False
    if kind not in kinds:
        ctx.add(
            "E104",
            f"{field!r} of {node!r} names {kind} {name!r} where a {wanted} is expected",
            f"name a {wanted} in {field!r}",
            node,
            field,
        )
        return False
    return True


def check_references(ctx: Context) -> None:
    for link in ctx.model.links():
        given: tuple[NodeKind, ...] = (
            ("state", "action") if isinstance(link, Transition) else ("state",)
        )
        for name in link.from_:
            _reference(ctx, link.name, "from", name, given)
        target: NodeKind = "state" if isinstance(link, Transition) else "observation"
        _reference(ctx, link.name, "to", link.to, (target,))
    for preference in ctx.model.preferences:
        _check_preference_target(ctx, preference)
    for query in ctx.model.llm_queries:
        for field in ("context", "updates"):
            for name in getattr(query, field):
                _reference(ctx, query.name, field, name, tuple(_ALL_KINDS))


_ALL_KINDS: list[NodeKind] = ["state", "observation", "action", "transition", "emission"]


def _check_preference_target(ctx: Context, preference: Preference) -> None:
    if (preference.state is None) == (preference.observation is None):
        ctx.add(
            "E111",
            f"preference {preference.name!r} must name one observation or one state",
            "write 'observation: NAME' (as active inference reads preferences) or 'state: NAME'",
            preference.name,
        )
    elif preference.observation is not None:
        _reference(ctx, preference.name, "observation", preference.observation, ("observation",))
    elif preference.state is not None:
        _reference(ctx, preference.name, "state", preference.state, ("state",))


def check_single_models(ctx: Context) -> None:
    """One transition per state factor and one emission per observation (E109)."""
    links: list[tuple[str, list[Transition] | list[Emission]]] = [
        ("transition", list(ctx.model.transitions)),
        ("emission", list(ctx.model.emissions)),
    ]
    for kind, group in links:
        counts = Counter(link.to for link in group)
        for link in group:
            if counts[link.to] > 1:
                first = next(other for other in group if other.to == link.to)
                if first is not link:
                    ctx.add(
                        "E109",
                        f"{kind} {link.name!r} is a second {kind} to {link.to!r} "
                        f"after {first.name!r}",
                        f"merge them into one {kind}: its 'from' can list several names",
                        link.name,
                        "to",
                    )


def check_dependencies(ctx: Context) -> None:
    """What pymdp (0.0.7) can express: a factor's next state depends on its own previous
    state and at most one action, and each action drives one factor (E110)."""
    driven: dict[str, str] = {}
    for transition in ctx.model.transitions:
        others = [n for n in transition.from_ if ctx.state(n) and n != transition.to]
        actions = [n for n in transition.from_ if ctx.action(n)]
        if others:
            ctx.add(
                "E110",
                f"transition {transition.name!r} makes {transition.to!r} depend on "
                f"{', '.join(map(repr, others))}; pymdp's factors move independently",
                f"keep only {transition.to!r} and one action in 'from', or merge the "
                "factors into one",
                transition.name,
                "from",
            )
        if len(actions) > 1:
            ctx.add(
                "E110",
                f"transition {transition.name!r} depends on {len(actions)} actions; "
                "pymdp gives each state factor one action",
                "merge the actions into one with all their combinations as its values",
                transition.name,
                "from",
            )
        for action in actions[:1]:
            if driven.setdefault(action, transition.to) != transition.to:
                ctx.add(
                    "E110",
                    f"action {action!r} drives both {driven[action]!r} and "
                    f"{transition.to!r}; pymdp gives each state factor its own action",
                    "give each state factor an action of its own",
                    transition.name,
                    "from",
                )
