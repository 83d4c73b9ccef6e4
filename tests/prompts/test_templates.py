"""PromptTemplates: the default system prompt, custom templates, the sandbox, the cache."""

from __future__ import annotations

import threading

import pytest

import llmgine.prompts
from llmgine.llm import ToolDefinition
from llmgine.prompts import DEFAULT_SYSTEM_TEMPLATE, PromptTemplateError, PromptTemplates

WEATHER = ToolDefinition(name="get_weather", description="Current weather.\n\nArgs: city")
ADD = ToolDefinition(name="add")


def test_public_names() -> None:
    assert set(llmgine.prompts.__all__) == {
        "DEFAULT_SYSTEM_TEMPLATE",
        "PromptTemplateError",
        "PromptTemplates",
    }


def test_default_template_with_a_prompt_only_gives_the_prompt() -> None:
    assert PromptTemplates().render_system("You are terse.") == "You are terse."


def test_default_template_lists_tools_one_line_each() -> None:
    text = PromptTemplates().render_system(None, [WEATHER, ADD])

    assert text == "You can call these tools:\n- get_weather: Current weather.\n- add"


def test_default_template_puts_the_prompt_before_the_tools() -> None:
    text = PromptTemplates().render_system("You are terse.", [WEATHER])

    assert text == "You are terse.\n\nYou can call these tools:\n- get_weather: Current weather."


@pytest.mark.parametrize("prompt", [None, "", "  \n "])
def test_nothing_to_say_gives_none(prompt: str | None) -> None:
    assert PromptTemplates().render_system(prompt) is None


def test_a_template_that_renders_blank_gives_none() -> None:
    assert PromptTemplates("{% if false %}never{% endif %}\n\n").render_system("ignored") is None


def test_custom_template_sees_extra_variables_and_tool_parameters() -> None:
    templates = PromptTemplates(
        "{{ system_prompt }} Today is {{ today }}.\n"
        "{% for tool in tools %}{{ tool.name }}({{ tool.parameters.properties | join(', ') }})"
        "{% endfor %}"
    )
    tool = ToolDefinition(
        name="get_weather",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
    )

    text = templates.render_system("Be brief.", [tool], today="Monday")

    assert text == "Be brief. Today is Monday.\nget_weather(city)"


def test_the_default_template_is_exported_and_used_by_default() -> None:
    assert PromptTemplates().system == DEFAULT_SYSTEM_TEMPLATE
    assert "{{ tool.name }}" in DEFAULT_SYSTEM_TEMPLATE


def test_an_undefined_variable_is_an_error() -> None:
    templates = PromptTemplates("{{ system_prompt }} for {{ user_name }}")

    with pytest.raises(PromptTemplateError, match="user_name"):
        templates.render_system("Hello")


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ system_prompt.__class__.__subclasses__() }}",
        "{{ tools.__len__.__globals__ }}",
    ],
)
def test_the_sandbox_blocks_python_internals(source: str) -> None:
    with pytest.raises(PromptTemplateError, match="unsafe"):
        PromptTemplates(source).render_system("x", [WEATHER])


@pytest.mark.parametrize(
    "source",
    [
        "{{ tools.append(1) }}",
        "{{ notes.update({'a': 1}) }}",
        "{{ tools[0].parameters.clear() }}",
    ],
)
def test_the_sandbox_blocks_mutation(source: str) -> None:
    notes = {"kept": True}

    with pytest.raises(PromptTemplateError, match=r"SecurityError: .* is unsafe"):
        PromptTemplates(source).render_system("x", [WEATHER], notes=notes)
    assert notes == {"kept": True}
    assert WEATHER.parameters == {"type": "object", "properties": {}}


def test_assigning_an_attribute_is_an_error() -> None:
    templates = PromptTemplates("{% set system_prompt.text = 'changed' %}{{ system_prompt }}")

    with pytest.raises(PromptTemplateError, match="non-namespace"):
        templates.render_system("kept")


def test_a_syntax_error_is_reported_at_construction_with_its_line() -> None:
    with pytest.raises(PromptTemplateError, match=r"line 2: .*'endfor'"):
        PromptTemplates("Hello\n{% if tools %}{% endfor %}")


def test_other_failures_in_the_template_are_wrapped() -> None:
    with pytest.raises(PromptTemplateError, match="ZeroDivisionError"):
        PromptTemplates("{{ 1 / 0 }}").render_system(None)


class Counted:
    """An extra variable that counts how often the template renders it."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.renders = 0

    def __str__(self) -> str:
        self.renders += 1
        return self.label


def test_the_cache_returns_equal_results_without_rendering_again() -> None:
    templates = PromptTemplates("{{ system_prompt }} {{ who }}")
    who = Counted("Ada")

    first = templates.render_system("Hi", who=who)
    second = templates.render_system("Hi", who=who)

    assert first == second == "Hi Ada"
    assert who.renders == 1


def test_the_cache_key_holds_every_input() -> None:
    templates = PromptTemplates("{{ system_prompt }}|{{ tools | map(attribute='name') | join }}")

    assert templates.render_system("a", [WEATHER]) == "a|get_weather"
    assert templates.render_system("b", [WEATHER]) == "b|get_weather"
    assert templates.render_system("a", [ADD]) == "a|add"
    schema = PromptTemplates("{{ tools[0].parameters.properties | join(',') }}")
    one = ToolDefinition(name="t", parameters={"type": "object", "properties": {"a": {}}})
    two = ToolDefinition(name="t", parameters={"type": "object", "properties": {"b": {}}})
    assert schema.render_system(None, [one]) == "a"
    assert schema.render_system(None, [two]) == "b"
    extra = PromptTemplates("{{ who }}")
    assert extra.render_system(None, who="Ada") == "Ada"
    assert extra.render_system(None, who="Bob") == "Bob"


def test_the_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    templates = PromptTemplates("{{ who }}", cache_size=2)
    a, b, c = Counted("a"), Counted("b"), Counted("c")

    for who in (a, b, a, c, a, b):
        templates.render_system(None, who=who)

    # a stays (used most recently before c came), b was evicted by c and rendered again
    assert (a.renders, b.renders, c.renders) == (1, 2, 1)


def test_unhashable_extras_render_every_time() -> None:
    templates = PromptTemplates("{{ names | join(',') }}")

    assert templates.render_system(None, names=["a", "b"]) == "a,b"
    assert templates.render_system(None, names=["a", "c"]) == "a,c"


def test_a_negative_cache_size_is_refused() -> None:
    with pytest.raises(ValueError, match="cache_size"):
        PromptTemplates(cache_size=-1)


def test_templates_of_the_same_source_share_the_compiled_form() -> None:
    first, second = PromptTemplates("{{ who }}!"), PromptTemplates("{{ who }}!")

    assert first._template is second._template
    assert first.render_system(None, who="Ada") == second.render_system(None, who="Ada") == "Ada!"
    assert PromptTemplates("{{ who }}?")._template is not first._template


async def test_engines_given_no_templates_share_the_default_and_its_cache() -> None:
    from llmgine.bus import MessageBus
    from llmgine.engine import ToolChatEngine

    bus = MessageBus()
    engines = [ToolChatEngine(bus, model="offline:echo") for _ in range(2)]
    own = ToolChatEngine(bus, model="offline:echo", templates=PromptTemplates())

    assert PromptTemplates.default() is PromptTemplates.default()
    assert engines[0].templates is engines[1].templates is PromptTemplates.default()
    assert own.templates is not PromptTemplates.default()
    assert PromptTemplates.default().system == DEFAULT_SYSTEM_TEMPLATE


def test_a_cache_shared_by_threads_stays_bounded_and_right() -> None:
    templates = PromptTemplates("{{ system_prompt }}", cache_size=8)
    failures: list[BaseException] = []

    def render(offset: int) -> None:
        try:
            for n in range(2_000):
                prompt = f"p{(n + offset) % 50}"
                assert templates.render_system(prompt) == prompt
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=render, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert len(templates._cache) <= 8
