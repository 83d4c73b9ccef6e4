"""Splitting a reply into Discord messages of at most 2,000 characters.

Each piece is cut at the nicest place that still fills at least half of it: a blank line,
then a line end, then a space, outside a code block before inside one. Only a word longer
than a whole message is cut in the middle. A piece that ends inside a code block is closed
with a fence line and the next piece reopens the block with the same opening line (language
tag included), so every piece renders as valid markdown on its own. No piece is empty, and
none is longer than ``limit`` characters, fences included.
"""

from __future__ import annotations

from dataclasses import dataclass

DISCORD_LIMIT = 2000
"""The most characters Discord accepts in one message."""

FENCE = "```"
_CLOSE = "\n" + FENCE


@dataclass(frozen=True)
class _Cut:
    end: int
    """Where the piece ends (exclusive)."""
    resume: int
    """Where the rest starts (the separator between them is dropped)."""
    fence: str | None
    """The opening line of the code block the cut falls in, if any."""


def split_message(text: str, limit: int = DISCORD_LIMIT) -> list[str]:
    """``text`` as a list of pieces of at most ``limit`` characters (none if it is blank)."""
    if limit < 2 * len(_CLOSE) + 8:
        raise ValueError(f"limit must be at least {2 * len(_CLOSE) + 8}, got {limit}")
    pieces: list[str] = []
    rest = text
    fence: str | None = None  # the opening line of the block ``rest`` starts inside
    while rest.strip():
        head = f"{fence}\n" if fence else ""
        budget = limit - len(head)
        if len(rest) <= budget:
            pieces.append(head + rest)
            break
        cut = _choose_cut(rest, budget, fence)
        body = rest[: cut.end]
        body = body.rstrip("\n") + _CLOSE if cut.fence is not None else body.rstrip()
        if body.strip() and body.strip() != FENCE:
            pieces.append(head + body)
        rest = rest[cut.resume :]
        if cut.fence is None:
            rest = rest.lstrip()
        fence = _reopened(cut.fence, limit)
    return [piece for piece in pieces if piece.strip()]


def _reopened(fence: str | None, limit: int) -> str | None:
    """The line that reopens a block: its own opening line unless that would crowd the piece."""
    if fence is None:
        return None
    return fence if len(fence) <= limit // 8 else FENCE


def _choose_cut(rest: str, budget: int, fence: str | None) -> _Cut:
    states = _fence_states(rest[: budget + 1], fence)
    start = _first_content(rest[: budget + 1])
    candidates: list[tuple[int, _Cut]] = []  # (rank, cut); a lower rank is a nicer cut
    for end, resume, kind in _boundaries(rest[: budget + 1]):
        inside = states[end]
        if end <= start or end + (len(_CLOSE) if inside is not None else 0) > budget:
            continue  # nothing but fences before it, or no room to close its block
        if inside is None:
            candidates.append((_OUTSIDE[kind], _Cut(end, resume, None)))
        else:  # keep every character of code: only the line break itself is dropped
            candidates.append((_INSIDE[kind], _Cut(end, end + 1, inside)))
    roomy = [c for c in candidates if c[1].end >= budget // 2]
    if roomy:
        return min(roomy, key=lambda c: (c[0], -c[1].end))[1]
    if candidates:
        return max(candidates, key=lambda c: c[1].end)[1]
    end = budget  # one word longer than a message: cut it
    if states[end] is not None:
        end -= len(_CLOSE)
    return _Cut(end, end, states[end])


_OUTSIDE = {"paragraph": 0, "line": 1, "space": 3}
_INSIDE = {"paragraph": 2, "line": 2, "space": 4}


def _first_content(window: str) -> int:
    """Where the first line that is neither blank nor a fence begins (or the window's end)."""
    position = 0
    for line in window.split("\n"):
        if line.strip() and not line.strip().startswith(FENCE):
            return position
        position += len(line) + 1
    return len(window)


def _boundaries(window: str) -> list[tuple[int, int, str]]:
    """``(end, resume, kind)`` of every place in ``window`` where a piece may end."""
    found: list[tuple[int, int, str]] = []
    for index, char in enumerate(window):
        if char == "\n":
            if window.startswith("\n\n", index):
                found.append((index, index + 2, "paragraph"))
            else:
                found.append((index, index + 1, "line"))
        elif char in " \t":
            found.append((index, index + 1, "space"))
    return found


def _fence_states(window: str, fence: str | None) -> list[str | None]:
    """For each position ``p`` of ``window`` and its end, the opening line of the code block
    a piece ending at ``p`` would be inside (``None``: outside any block).

    A fence line opens or closes a block from its first character on, so a piece that ends
    just before an opening fence is outside the block, and one that ends just after it is
    inside. ``fence`` is the block the window starts in.
    """
    states: list[str | None] = [fence]
    for line in window.split("\n"):
        stripped = line.strip()
        if stripped.startswith(FENCE):
            fence = stripped if fence is None else None
        states.extend([fence] * (len(line) + 1))  # the line and its line break
    return states[: len(window) + 1]
