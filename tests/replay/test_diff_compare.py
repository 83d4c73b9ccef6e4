"""The pure parts of replay: the first differing field, the nearest request, divergences."""

from __future__ import annotations

from llmgine.llm import AssistantMessage, LLMRequest, SystemMessage, ToolCall, UserMessage
from llmgine.replay import TurnStep
from llmgine.replay._compare import first_divergence
from llmgine.replay._diff import closeness, first_difference, request_data, request_key


def data(*messages: object, **options: object) -> dict[str, object]:
    return request_data("openai:m", LLMRequest(messages=tuple(messages), **options))  # type: ignore[arg-type]


def test_the_key_is_the_whole_request_and_its_model() -> None:
    base = data(UserMessage(content="hi"))
    assert request_key(base) == request_key(data(UserMessage(content="hi")))
    assert request_key(base) != request_key(data(UserMessage(content="hi"), temperature=0.5))
    assert request_key(base) != request_key({**base, "model": "openai:other"})


def test_the_first_difference_is_named_by_its_path() -> None:
    call = ToolCall(id="c1", name="f", arguments='{"x":1}')
    old = data(SystemMessage(content="A"), AssistantMessage(tool_calls=(call,)))
    new = data(
        SystemMessage(content="A"),
        AssistantMessage(tool_calls=(call.model_copy(update={"arguments": '{"x":2}'}),)),
    )
    difference = first_difference(old, new)
    assert difference is not None
    assert difference.path == "messages[1].tool_calls[0].arguments"
    assert difference.describe().splitlines()[1:] == [
        """  recorded: '{"x":1}'""",
        """  now:      '{"x":2}'""",
    ]
    longer = data(SystemMessage(content="A"), UserMessage(content="more"))
    missing = first_difference(data(SystemMessage(content="A")), longer)
    assert missing is not None
    assert missing.path == "messages[1]"
    assert "(nothing)" in missing.describe()
    options = first_difference(old, {**old, "max_tokens": 10})
    assert options is not None
    assert options.path == "max_tokens"


def test_long_texts_are_shown_where_they_part() -> None:
    old = data(UserMessage(content="x" * 200 + "cat" + "y" * 200))
    new = data(UserMessage(content="x" * 200 + "dog" + "y" * 200))
    difference = first_difference(old, new)
    assert difference is not None
    recorded, now = difference.describe().splitlines()[1:]
    assert "cat" in recorded
    assert "dog" in now
    assert len(recorded) < 120


def test_the_nearest_request_shares_the_longest_start() -> None:
    new = data(SystemMessage(content="A"), UserMessage(content="q2"))
    near = data(SystemMessage(content="A"), UserMessage(content="q1"))
    far = data(SystemMessage(content="B"), UserMessage(content="q2"))
    assert closeness(near, new) > closeness(far, new)


def test_divergences_say_what_changed() -> None:
    paris = TurnStep("tool", "get_weather", '{"city":"Paris"}')
    rome = TurnStep("tool", "get_weather", '{"city":"Rome"}')
    other = TurnStep("tool", "get_time", '{"city":"Paris"}')
    answer = TurnStep("answer", "", "sunny")
    cases = {
        "different arguments": [rome, answer],
        "a different tool call": [other, answer],
        "a different final answer": [paris, TurnStep("answer", "", "rainy")],
        "a step fewer than recorded": [paris],
        "a different step (tool call against answer)": [answer],
        "the turn failed": [TurnStep("failed", "", "boom")],
    }
    assert first_divergence("s", 1, [paris, answer], [paris, answer]) is None
    for what, replayed in cases.items():
        divergence = first_divergence("s", 2, [paris, answer], replayed)
        assert divergence is not None
        assert divergence.what == what
    extra = first_divergence("s", 1, [answer], [answer, answer])
    assert extra is not None
    assert (extra.step, extra.what) == (2, "a step more than recorded")
    assert "turn 1 (session 's'), step 2" in extra.describe()
