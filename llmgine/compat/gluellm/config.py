"""GlueLLM's ``settings`` and ``reload_settings()``: llmgine's settings, read from
``GLUELLM_*`` variables too.

They are ``llmgine.config.Settings``, read as ever from arguments, ``LLMGINE_*`` variables
and ``.env``; besides, a ``GLUELLM_<NAME>`` variable (in the environment or ``.env``) counts
as ``LLMGINE_<NAME>`` for a setting that no ``LLMGINE_*`` variable sets: where both are set,
ours wins, as everywhere. GlueLLM's names of the four settings llmgine names otherwise read
too, as properties: ``default_model`` (``model``), ``default_system_prompt``
(``system_prompt``), ``retry_min_wait`` (``retry_initial_wait``) and ``enable_tracing``
(``tracing``). A ``GLUELLM_*`` variable that no setting reads gets a one-line warning naming
the closest, as an unknown ``LLMGINE_*`` one does.

``settings`` is read once, at import, as GlueLLM's is; ``reload_settings()`` reads them
again. The other modules of ``llmgine.compat.gluellm`` use the current ``settings`` for
every call.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from pydantic_settings import DotEnvSettingsSource

from llmgine.config import Settings, setting_variables, unknown_variables

__all__ = ["GlueLLMSettings", "reload_settings", "settings"]

PREFIX = "GLUELLM_"
OURS = "LLMGINE_"

logger = logging.getLogger("llmgine.compat.gluellm")


class GlueLLMSettings(Settings):
    """llmgine's ``Settings``, with GlueLLM's names for the settings named otherwise."""

    @property
    def default_model(self) -> str | None:
        """``model``: ``None`` picks the best available when a call starts (GlueLLM had a
        fixed default; llmgine looks for a key, then a local Ollama, then runs offline)."""
        return self.model

    @property
    def default_system_prompt(self) -> str | None:
        return self.system_prompt

    @property
    def retry_min_wait(self) -> float:
        return self.retry_initial_wait

    @property
    def enable_tracing(self) -> bool:
        return self.tracing


def load_settings(**overrides: Any) -> GlueLLMSettings:
    """Settings from ``overrides`` (``None`` ones ignored), then ``LLMGINE_*`` and
    ``GLUELLM_*`` variables (ours first), then ``.env``, then the defaults."""
    environ = _environ()
    variables = setting_variables()
    taken = {field for name, field in variables.items() if name in environ}
    values: dict[str, str] = {}
    for name, value in environ.items():
        field = variables.get(OURS + name.removeprefix(PREFIX)) if name.startswith(PREFIX) else None
        if field is not None and field not in taken:
            values.setdefault(field, value)
    given = {name: value for name, value in overrides.items() if value is not None}
    loaded = GlueLLMSettings(**(values | given))
    _warn_unknown(environ)
    return loaded


def reload_settings() -> GlueLLMSettings:
    """Read the settings again (after changing the environment or ``.env``); the new
    ``settings`` are returned, and used by every call from now on."""
    global settings
    settings = load_settings()
    return settings


def _environ() -> dict[str, str]:
    """The variables of ``.env`` and the environment (which wins), by upper-case name."""
    try:
        dotenv = DotEnvSettingsSource(GlueLLMSettings).env_vars
    except (OSError, ValueError):  # unreadable: the settings themselves will say so
        dotenv = {}
    found = {name.upper(): value for name, value in dotenv.items() if value is not None}
    return found | {name.upper(): value for name, value in os.environ.items()}


def _warn_unknown(environ: dict[str, str]) -> None:
    as_ours = {OURS + n.removeprefix(PREFIX): v for n, v in environ.items() if n.startswith(PREFIX)}
    unknown = unknown_variables()
    unknown |= {
        PREFIX + name.removeprefix(OURS): PREFIX + closest.removeprefix(OURS)
        for name, closest in unknown_variables(as_ours).items()
    }
    for name, closest in unknown.items():
        if name not in _warned:
            _warned.add(name)
            logger.warning("%s is set, but no setting reads it; did you mean %s?", name, closest)


_warned: set[str] = set()

settings: GlueLLMSettings = load_settings()
"""The settings every call of ``llmgine.compat.gluellm`` is built from."""
