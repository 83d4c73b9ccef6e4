"""Options in either position: ``llmgine --json complete x`` as ``llmgine complete --json x``.

argparse reads an option only at the level of the command line that defines it: before
the subcommand for ``llmgine``'s own, after it for the subcommand's. People write them
wherever they think of them, so ``in_place`` moves each option a level does not know to
the level along the same command path that does (just after that level's subcommand
word), with its values. An option no level knows stays where it is, for argparse to
refuse. Nothing after ``--`` moves.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Level:
    """One parser of the command tree: its options (-> how many values each takes) and
    its subcommands."""

    options: dict[str, int] = field(default_factory=dict)
    commands: dict[str, Level] = field(default_factory=dict)


def level_of(parser: argparse.ArgumentParser) -> Level:
    """The command tree under ``parser``, read from its actions."""
    level = Level()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            level.commands.update((name, level_of(child)) for name, child in action.choices.items())
        elif action.option_strings and isinstance(action.nargs, int | None):
            for option in action.option_strings:
                level.options[option] = 1 if action.nargs is None else action.nargs
    return level


def in_place(argv: Sequence[str], root: Level) -> list[str]:
    """``argv`` with every option moved to the level of the command path that knows it."""
    args = list(argv)
    end = args.index("--") if "--" in args else len(args)
    levels: list[Level] = [root]  # the command path so far
    given: list[list[str]] = [[]]  # what each level of the path is given
    words: list[str] = []  # the subcommand words leading from one level to the next
    strays: list[tuple[str, list[str]]] = []  # options written at a level that does not know them
    i = 0
    while i < end:
        token = args[i]
        if token.startswith("-") and token != "-" and not _is_number(token):
            option = token.split("=", 1)[0]
            width = 1 if "=" in token else 1 + _values(levels, option)
            piece = args[i : min(i + width, end)]
            if option in levels[-1].options:
                given[-1].extend(piece)
            else:
                strays.append((option, piece))
            i += len(piece)
            continue
        child = levels[-1].commands.get(token)
        if child is None:
            given[-1].append(token)
        else:
            words.append(token)
            levels.append(child)
            given.append([])
        i += 1
    moved: list[list[str]] = [[] for _ in levels]  # what goes first at each level
    for option, piece in strays:
        knowing = [n for n, level in enumerate(levels) if option in level.options]
        if knowing:
            moved[knowing[-1]].extend(piece)
        else:  # nobody knows it: left last, for argparse to refuse
            given[-1].extend(piece)
    out: list[str] = []
    for n, tokens in enumerate(given):
        out.extend(moved[n] + tokens)
        out.extend(words[n : n + 1])
    return [*out, *args[end:]]


def _values(levels: list[Level], option: str) -> int:
    """How many values ``option`` takes: as the deepest level of the path so far that knows
    it says, else as the first level below that does (an option written before its
    subcommand), else 0."""
    for level in reversed(levels):
        if option in level.options:
            return level.options[option]
    below = list(levels[-1].commands.values())
    while below:
        level = below.pop(0)
        if option in level.options:
            return level.options[option]
        below.extend(level.commands.values())
    return 0


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True
