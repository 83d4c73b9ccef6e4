"""split_message: pieces of at most 2,000 characters, cut between paragraphs, lines or
words, with code blocks closed and reopened across pieces."""

from __future__ import annotations

import random

import pytest

from programs.discord.split import DISCORD_LIMIT, split_message


def words_of(pieces: list[str]) -> list[str]:
    return " ".join(pieces).split()


def fences_balanced(piece: str) -> bool:
    return sum(1 for line in piece.split("\n") if line.strip().startswith("```")) % 2 == 0


def test_short_text_is_one_piece_as_it_is() -> None:
    assert split_message("  hello\n\nworld ") == ["  hello\n\nworld "]


def test_blank_text_gives_no_piece() -> None:
    assert split_message("") == []
    assert split_message(" \n\n \t") == []


@pytest.mark.parametrize("size", [1999, 2000])
def test_up_to_the_limit_is_one_piece(size: int) -> None:
    assert split_message("x" * size) == ["x" * size]


def test_one_past_the_limit_is_two_pieces_and_a_word_is_cut_only_when_it_must() -> None:
    assert split_message("x" * 2001) == ["x" * 2000, "x"]


def test_words_are_never_cut() -> None:
    text = " ".join(f"word{n}" for n in range(1000))  # about 7,900 characters
    pieces = split_message(text)
    assert len(pieces) == 4
    assert all(len(p) <= DISCORD_LIMIT for p in pieces)
    assert words_of(pieces) == text.split()
    assert all(len(p) > DISCORD_LIMIT - 10 for p in pieces[:-1])  # each piece well filled


def test_exact_boundary_at_a_space() -> None:
    text = "a" * 1999 + " " + "b" * 10
    assert split_message(text) == ["a" * 1999, "b" * 10]
    text = "a" * 2000 + " " + "b" * 10
    assert split_message(text) == ["a" * 2000, "b" * 10]


def test_paragraphs_beat_lines_and_lines_beat_spaces() -> None:
    para = "p" * 1200 + "\n\n" + "q " * 300 + "\n" + "r " * 400
    pieces = split_message(para)
    assert pieces[0] == "p" * 1200
    lines = "l" * 1200 + "\n" + "m " * 300 + "n " * 300
    assert split_message(lines)[0] == "l" * 1200


def test_a_late_line_break_beats_an_early_paragraph_break() -> None:
    text = "intro\n\n" + "x" * 1500 + "\n" + "y" * 1000
    pieces = split_message(text)
    assert pieces == ["intro\n\n" + "x" * 1500, "y" * 1000]


def test_a_code_block_that_fits_moves_whole_to_the_next_piece() -> None:
    code = "```python\n" + "\n".join(f"print({n})" for n in range(100)) + "\n```"
    text = "Some words. " * 100 + "\n\n" + code + "\n\nThe end."
    pieces = split_message(text)
    assert len(pieces) == 2
    assert pieces[1].startswith("```python\n")
    assert code in pieces[1]
    assert all(fences_balanced(p) for p in pieces)


def test_a_long_code_block_is_closed_and_reopened_with_its_language() -> None:
    lines = [f"value_{n} = compute({n})  # step {n}" for n in range(300)]
    text = "Here it is:\n\n```python\n" + "\n".join(lines) + "\n```\nThat is all."
    pieces = split_message(text)
    assert len(pieces) >= 5
    for piece in pieces:
        assert len(piece) <= DISCORD_LIMIT
        assert fences_balanced(piece)
    for piece in pieces[1:]:
        assert piece.startswith("```python\n")
    for piece in pieces[:-1]:
        assert piece.endswith("\n```")
    # Every line of code survives whole, in order, exactly once.
    code = [line for piece in pieces for line in piece.split("\n") if line.startswith("value_")]
    assert code == lines
    assert pieces[-1].endswith("That is all.")


def test_a_code_line_longer_than_a_message_is_cut_inside_its_block() -> None:
    text = "```\n" + "z" * 5000 + "\n```"
    pieces = split_message(text)
    assert all(len(p) <= DISCORD_LIMIT and fences_balanced(p) for p in pieces)
    inner = "".join(p.removeprefix("```\n").removesuffix("\n```") for p in pieces)
    assert inner == "z" * 5000


def test_a_very_long_fence_line_is_reopened_plainly() -> None:
    header = "```" + "x" * 400
    text = header + "\n" + "\n".join("code line" for _ in range(400)) + "\n```"
    pieces = split_message(text)
    assert all(len(p) <= DISCORD_LIMIT and fences_balanced(p) for p in pieces)
    assert pieces[1].startswith("```\n")


@pytest.mark.parametrize("seed", range(30))
def test_random_markdown_keeps_every_rule(seed: int) -> None:
    rng = random.Random(seed)
    parts: list[str] = []
    for _ in range(rng.randint(5, 40)):
        if rng.random() < 0.3:
            body = "\n".join(
                " ".join("c" * rng.randint(1, 12) for _ in range(rng.randint(0, 12)))
                for _ in range(rng.randint(1, 60))
            )
            parts.append(f"```{rng.choice(['', 'py', 'js'])}\n{body}\n```")
        else:
            parts.append(" ".join("w" * rng.randint(1, 15) for _ in range(rng.randint(1, 200))))
    text = "\n\n".join(parts)
    limit = rng.choice([DISCORD_LIMIT, 500, 120])
    pieces = split_message(text, limit)
    assert all(0 < len(p) <= limit for p in pieces)
    assert all(p.strip() for p in pieces)
    assert all(fences_balanced(p) for p in pieces)
    original = [w for w in text.split() if not w.startswith("```")]
    rebuilt = [w for w in words_of(pieces) if not w.startswith("```")]
    assert rebuilt == original


def test_too_small_a_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="limit must be at least"):
        split_message("hello", limit=10)
