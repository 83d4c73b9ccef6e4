"""Taking the spec out of a model's answer: fenced or not, with prose around it, cut short."""

from __future__ import annotations

import pytest

from llmgine.gmn._extract import extract_spec

SPEC = "node state s {\n    size: 2\n}\n"


@pytest.mark.parametrize(
    "answer",
    [
        f"```gmn\n{SPEC}```",
        f"Sure! Here it is:\n\n```gmn\n{SPEC}```\n\nEach node is described above.",
        f"```\n{SPEC}```",
        f"~~~text\n{SPEC}~~~\n",
        f"````gmn\n{SPEC}````",
        f"  ```GMN\n{SPEC}  ```\n",
    ],
    ids=["bare", "prose-around", "no-tag", "tildes", "four-backticks", "indented-upper"],
)
def test_a_fenced_spec_is_taken_whole(answer: str) -> None:
    assert extract_spec(answer) == (SPEC, True)


def test_a_gmn_block_is_preferred_to_an_earlier_block_in_another_language() -> None:
    answer = f"```python\nprint('hi')\n```\nand the spec:\n```gmn\n{SPEC}```"

    assert extract_spec(answer) == (SPEC, True)


def test_the_first_block_is_taken_when_none_looks_like_gmn() -> None:
    answer = "```python\nprint('hi')\n```\n```bash\nls\n```"

    assert extract_spec(answer) == ("print('hi')\n", True)


def test_a_block_whose_closing_fence_never_came_runs_to_the_end() -> None:
    assert extract_spec(f"```gmn\n{SPEC}node action a {{") == (SPEC + "node action a {\n", True)


def test_a_fence_inside_a_line_is_not_a_fence() -> None:
    answer = f"{SPEC}# write ```gmn blocks next time\n"

    assert extract_spec(answer) == (answer, False)


def test_an_unfenced_answer_starts_at_its_first_gmn_line() -> None:
    answer = f"Here is a model of the agent.\n\n{SPEC}"

    assert extract_spec(answer) == (SPEC, False)
    assert extract_spec('Sure:\n{"states": []}') == ('{"states": []}\n', False)
    assert extract_spec("Sure:\n[nodes]\ns: state\n") == ("[nodes]\ns: state\n", False)


def test_an_answer_with_nothing_gives_nothing() -> None:
    assert extract_spec("") == ("", False)
    assert extract_spec("```gmn\n```") == ("", True)
    assert extract_spec("I cannot help with that.") == ("I cannot help with that.\n", False)
