"""Prompt templates: the system prompt of every model call, written by a jinja2 template.

The template is compiled at construction (once per process for each source: templates
with the same source share the compiled form), so a syntax error surfaces when the app
starts rather than on the first call. It renders in jinja2's immutable sandbox: a template
can read its variables but not reach Python internals (``__class__``, ``__globals__``...)
or change anything (``list.append``, ``dict.update``); ``StrictUndefined`` makes a
misspelt variable an error instead of an empty string. No HTML escaping: the output goes
to a model, not a browser.

The engine renders once per model call with the same inputs for a whole conversation, so
results are kept in a bounded LRU cache keyed by the inputs (system prompt, the tools'
names, descriptions and parameters, the extra variables). Inputs that cannot be a key
(an unhashable extra value) are rendered every time. Engines given no templates share
``PromptTemplates.default()``, and with it one cache.
"""

from __future__ import annotations

import contextlib
import functools
from collections import OrderedDict
from collections.abc import Hashable, Sequence

import jinja2
import orjson
from jinja2.sandbox import ImmutableSandboxedEnvironment

from llmgine.llm import ToolDefinition

DEFAULT_SYSTEM_TEMPLATE = """\
{% if system_prompt %}
{{ system_prompt }}
{% endif %}
{% if system_prompt and tools %}

{% endif %}
{% if tools %}
You can call these tools:
{% for tool in tools %}
- {{ tool.name }}{{ ": " ~ (tool.description | first_line) if tool.description else "" }}
{% endfor %}
{% endif %}
"""
"""The system prompt as given, then, if tools are offered, one line per tool."""

_DEFAULT_CACHE_SIZE = 256
_COMPILED_SOURCES = 32


class PromptTemplateError(Exception):
    """A prompt template has a syntax error, or could not be rendered; the message says why."""


def _first_line(text: str) -> str:
    """The first line of ``text`` that is not blank, stripped."""
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")


class PromptTemplates:
    """How the system prompt (and its tool listing) is written.

    Args:
        system: jinja2 source of the system prompt template. It sees ``system_prompt``
            (str or None), ``tools`` (objects with ``name``, ``description`` and
            ``parameters``), the ``first_line`` filter, and any extra variables passed to
            ``render_system``. Default: ``DEFAULT_SYSTEM_TEMPLATE``.
        cache_size: how many rendered prompts to keep.
    """

    def __init__(self, system: str | None = None, *, cache_size: int = _DEFAULT_CACHE_SIZE):
        if cache_size < 0:
            raise ValueError(f"cache_size must be 0 or more, not {cache_size!r}")
        self.system = DEFAULT_SYSTEM_TEMPLATE if system is None else system
        self._cache: OrderedDict[Hashable, str | None] = OrderedDict()
        self._cache_size = cache_size
        try:
            self._template = _compiled(self.system)
        except jinja2.TemplateSyntaxError as exc:
            raise PromptTemplateError(
                f"the system prompt template has a syntax error on line {exc.lineno}: {exc.message}"
            ) from exc

    @classmethod
    def default(cls) -> PromptTemplates:
        """The default templates, one instance per process. An engine given no templates
        uses it, so its engines share one cache: an app with a ``ChatClient`` per
        conversation renders each system prompt once, not once per client."""
        return _default()

    def render_system(
        self,
        system_prompt: str | None,
        tools: Sequence[ToolDefinition] = (),
        **extra: object,
    ) -> str | None:
        """The system message's text, or ``None`` when it renders blank (send none).

        Raises ``PromptTemplateError`` when the template uses an undefined variable or
        something the sandbox forbids.
        """
        key = _cache_key(system_prompt, tools, extra)
        if key is not None:
            try:
                found = self._cache[key]
            except KeyError:
                pass
            else:
                with contextlib.suppress(KeyError):  # evicted meanwhile by another thread
                    self._cache.move_to_end(key)
                return found
        text = self._render(system_prompt, tools, extra)
        if key is not None and self._cache_size:
            self._cache[key] = text
            while len(self._cache) > self._cache_size:
                with contextlib.suppress(KeyError):
                    self._cache.popitem(last=False)
        return text

    def _render(
        self, system_prompt: str | None, tools: Sequence[ToolDefinition], extra: dict[str, object]
    ) -> str | None:
        try:
            text = self._template.render(extra, system_prompt=system_prompt, tools=list(tools))
        except Exception as exc:
            raise PromptTemplateError(
                f"the system prompt template could not be rendered: {type(exc).__name__}: {exc}"
            ) from exc
        text = text.strip()
        return text or None

    def __repr__(self) -> str:
        which = "default" if self.system == DEFAULT_SYSTEM_TEMPLATE else "custom"
        return f"<PromptTemplates {which} system template>"


@functools.cache
def _default() -> PromptTemplates:
    return PromptTemplates()


@functools.lru_cache(maxsize=_COMPILED_SOURCES)
def _compiled(source: str) -> jinja2.Template:
    """``source`` compiled in the sandbox, once per process: compiling costs milliseconds,
    and every engine (every ``ChatClient``) of an app has templates, mostly the default.
    A compiled template is immutable, so those with the same source share it."""
    environment = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    environment.filters["first_line"] = _first_line
    return environment.from_string(source)


def _cache_key(
    system_prompt: str | None, tools: Sequence[ToolDefinition], extra: dict[str, object]
) -> Hashable | None:
    """What the rendering depends on, as a hashable value; None if it cannot be one."""
    try:
        tool_key = tuple(
            (
                tool.name,
                tool.description,
                orjson.dumps(tool.parameters, option=orjson.OPT_SORT_KEYS),
            )
            for tool in tools
        )
        key = (system_prompt, tool_key, tuple(sorted(extra.items())))
        hash(key)
    except TypeError:  # orjson.JSONEncodeError is a TypeError too
        return None
    return key
