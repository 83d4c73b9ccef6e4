"""Settings: one object for everything an llmgine app can be told from outside.

Read, first match wins, from: arguments to ``Settings(...)``, ``LLMGINE_*`` environment
variables, a ``.env`` file in the working folder, then the defaults below. API keys also
come from the usual variables (``OPENAI_API_KEY``...), base URLs from the SDKs' own
(``OPENAI_BASE_URL``...), the OTLP endpoint from ``OTEL_EXPORTER_OTLP_ENDPOINT``.

GlueLLM's names for the same settings are read too (``LLMGINE_DEFAULT_MODEL`` for
``LLMGINE_MODEL``, ``..._DEFAULT_SYSTEM_PROMPT``, ``..._RETRY_MIN_WAIT``,
``..._ENABLE_TRACING``; the rest already agree), so a GlueLLM ``.env`` with its prefix
renamed works; where both are set, ours wins. An ``LLMGINE_*`` variable that no setting
reads is a typo more often than not: ``load_settings`` warns about it once, in one line
naming the closest setting.

Secrets are ``SecretStr``: they print as ``**********`` in reprs, dumps and logs, and only
``api_key_for`` hands out the plain value, to the code that builds a provider; ``redact``
masks them (and anything shaped like an API key) in text bound for a log or an error. This
module imports nothing else of llmgine, so every layer may read settings and redact.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, DotEnvSettingsSource, SettingsConfigDict

__all__ = [
    "GLUELLM_NAMES",
    "LogLevel",
    "Settings",
    "load_settings",
    "redact",
    "setting_variables",
    "unknown_variables",
]

logger = logging.getLogger("llmgine.config")

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def _level(value: Any) -> Any:
    """Accept ``info`` as well as ``INFO``, and numeric levels (``20``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return logging.getLevelName(value)
    return value.strip().upper() if isinstance(value, str) else value


Level = Annotated[LogLevel, BeforeValidator(_level)]


def _env(name: str, *usual: str) -> AliasChoices:
    """``LLMGINE_<NAME>`` first, then the usual variables named in ``usual``. (The field's
    own name still works as an argument: ``populate_by_name``.)"""
    return AliasChoices(f"LLMGINE_{name.upper()}", *usual)


GLUELLM_NAMES: dict[str, str] = {
    "model": "default_model",
    "system_prompt": "default_system_prompt",
    "retry_initial_wait": "retry_min_wait",
    "tracing": "enable_tracing",
}
"""Settings GlueLLM named otherwise: ours -> GlueLLM's (read as ``LLMGINE_<GLUELLM'S>``)."""

OTHER_VARIABLES = frozenset({"LLMGINE_XAI_BASE_URL", "LLMGINE_BENCH_BASELINE"})
"""``LLMGINE_*`` variables read outside the settings (the xAI adapter, the benchmarks)."""


def _gluellm(name: str) -> tuple[str, ...]:
    return (f"LLMGINE_{GLUELLM_NAMES[name].upper()}",)


class Settings(BaseSettings):
    """Everything configurable, with its default. Build one with ``load_settings()``.

    Example: ``LLMGINE_MODEL=anthropic:claude-haiku-4-5 LLMGINE_LOG_LEVEL=info`` in the
    environment, or ``Settings(model="openai:gpt-4o-mini")`` in code.
    """

    model_config = SettingsConfigDict(
        env_prefix="LLMGINE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        validate_default=True,
    )

    # -- the model -------------------------------------------------------------------
    model: str | None = Field(default=None, validation_alias=_env("model", *_gluellm("model")))
    """``provider:model``; ``None`` picks the best available (see ``detect_model``)."""
    system_prompt: str | None = Field(
        default=None, validation_alias=_env("system_prompt", *_gluellm("system_prompt"))
    )
    max_tool_iterations: int = Field(default=10, ge=0)
    stream: bool = True

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("openai_api_key", "OPENAI_API_KEY")
    )
    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("anthropic_api_key", "ANTHROPIC_API_KEY")
    )
    xai_api_key: SecretStr | None = Field(
        default=None, validation_alias=_env("xai_api_key", "XAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        default=None, validation_alias=_env("openai_base_url", "OPENAI_BASE_URL")
    )
    anthropic_base_url: str | None = Field(
        default=None, validation_alias=_env("anthropic_base_url", "ANTHROPIC_BASE_URL")
    )

    # -- resilience and time limits (seconds) --------------------------------------------
    retry_max_attempts: int = Field(default=3, ge=1)
    """Attempts per model call, the first included; 1 turns retrying off."""
    retry_initial_wait: float = Field(
        default=0.5,
        ge=0,
        validation_alias=_env("retry_initial_wait", *_gluellm("retry_initial_wait")),
    )
    retry_max_wait: float = Field(default=30.0, ge=0)
    retry_multiplier: float = Field(default=2.0, ge=1)
    request_timeout: float = Field(default=60.0, gt=0)
    """How long one model call may take, all of it: a streamed reply too, however steadily
    it trickles in. A call past it is an ``APITimeoutError``, retried as the retry settings say."""
    max_reply_bytes: int = Field(default=8 * 1024 * 1024, ge=1)
    """Size at which a model reply is cut off with an error (a whole reply by its body, a
    streamed one by its text and tool-call arguments): 8 MiB."""
    tool_timeout: float = Field(default=30.0, gt=0)
    stop_timeout: float = Field(default=10.0, ge=0)
    """How long a stopping app waits for turns in flight before cancelling them."""
    rate_limit_requests_per_second: float | None = Field(default=None, gt=0)
    rate_limit_burst_size: int = Field(default=1, ge=1)

    # -- where things go -------------------------------------------------------------------
    sessions_dir: Path = Path("sessions")
    log_dir: Path = Path("logs")
    jsonl_log: bool = True
    """Record every message as a JSON line in ``log_dir`` (the bus's own log)."""

    # -- logging (Python's ``logging``, not the message log) ------------------------------
    log_level: Level = "WARNING"
    """Level of the records shown on the console (stderr)."""
    log_file: bool = True
    """Also write records to ``log_dir/log_file_name``."""
    log_file_level: Level = "DEBUG"
    log_file_name: str = "llmgine.log"
    log_json_format: bool = False
    """Write the file's records as JSON objects, one a line."""
    log_max_bytes: int = Field(default=10 * 1024 * 1024, ge=0)
    """Size at which the file rotates (0: never)."""
    log_backup_count: int = Field(default=5, ge=0)

    # -- observability sinks -----------------------------------------------------------------
    console: bool = True
    """The live console view, when output is a terminal."""
    tracing: bool = Field(default=False, validation_alias=_env("tracing", *_gluellm("tracing")))
    """Send spans to OpenTelemetry even with no endpoint here (to a provider set up by the app)."""
    otel_exporter_endpoint: str | None = Field(
        default=None,
        validation_alias=_env("otel_exporter_endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT"),
    )
    """OTLP/HTTP endpoint (``http://host:4318``); setting it turns tracing on."""
    otel_service_name: str = Field(
        default="llmgine", validation_alias=_env("otel_service_name", "OTEL_SERVICE_NAME")
    )
    mlflow_tracking_uri: str | None = None
    """An MLflow server (``http://127.0.0.1:5000``); setting it sends each turn as a trace."""
    mlflow_experiment_name: str = "llmgine"
    metrics: bool = True
    """Aggregate counts, latencies, tokens and cost, and publish them as events."""
    metrics_interval: float = Field(default=60.0, ge=0)
    """Seconds between two metrics reports on the bus (0: only the last one, at stop)."""

    # -- the bus across processes (``llmgine[nats]``) ---------------------------------------
    bus_url: str | None = None
    """``nats://host:4222`` (several, comma-separated): the bus runs over NATS JetStream
    there; ``None``: in this process. Credentials go in the settings below, never in
    the URL (URLs end up in logs)."""
    bus_namespace: str = "llmgine"
    """Prefix of every subject, stream and bucket the bus keeps on the server."""
    bus_replicas: int = Field(default=1, ge=1, le=5)
    """Copies of each stream on a cluster of servers (3 for a 3-node cluster)."""
    bus_user: str | None = None
    bus_password: SecretStr | None = None
    bus_token: SecretStr | None = None
    bus_nkey_seed_file: Path | None = None
    """A file holding the NKey seed to sign the server's challenge with."""
    bus_credentials_file: Path | None = None
    """A ``.creds`` file (a user JWT and its NKey seed)."""
    bus_tls_ca_file: Path | None = None
    """The CA that signed the server's certificate (turns TLS on)."""
    bus_tls_cert_file: Path | None = None
    bus_tls_key_file: Path | None = None
    """A client certificate and its key, for servers that verify clients."""
    bus_monitor_url: str | None = None
    """The server's monitoring endpoint (``http://host:8222``): checked at start for
    ``sync_interval: always``."""

    @field_validator("bus_url", "bus_monitor_url")
    @classmethod
    def _no_credentials_in_urls(cls, value: str | None) -> str | None:
        if value is not None and any("@" in part for part in value.split(",")):
            raise ValueError(
                "put the bus credentials in LLMGINE_BUS_USER/LLMGINE_BUS_PASSWORD or "
                "LLMGINE_BUS_TOKEN, not in the URL: URLs end up in logs"
            )
        return value

    def api_key_for(self, provider: str) -> str | None:
        """The plain API key for a provider prefix (``openai``...), or None if none is set."""
        secret = {
            "openai": self.openai_api_key,
            "anthropic": self.anthropic_api_key,
            "xai": self.xai_api_key,
        }.get(provider)
        return secret.get_secret_value() if secret is not None else None

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, so that logs and errors can mask them."""
        values = (
            self.openai_api_key, self.anthropic_api_key, self.xai_api_key,
            self.bus_password, self.bus_token,
        )  # fmt: skip
        return tuple(s.get_secret_value() for s in values if s is not None and s.get_secret_value())

    @property
    def tracing_enabled(self) -> bool:
        return self.tracing or bool(self.otel_exporter_endpoint) or bool(self.mlflow_tracking_uri)

    def describe(self) -> dict[str, Any]:
        """The settings as plain JSON-ready data, secrets masked: safe to log or print."""
        return self.model_dump(mode="json")


def load_settings(**overrides: Any) -> Settings:
    """Settings from ``overrides``, then the environment and ``.env``, then the defaults.

    ``None`` overrides are ignored, so command-line flags that were not given can be passed
    straight through. A bad value raises ``pydantic.ValidationError`` naming the setting.
    An ``LLMGINE_*`` variable no setting reads gets a warning (once per name and process).
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    inputs = _inputs(given)
    if inputs is not None and _last is not None and _last[0] == inputs:
        return _last[1].model_copy()  # a copy: what the caller changes stays theirs
    settings = Settings(**given)
    for name, closest in unknown_variables().items():
        if name not in _warned:
            _warned.add(name)
            logger.warning("%s is set, but no setting reads it; did you mean %s?", name, closest)
    _remember(inputs, settings)
    return settings


_warned: set[str] = set()
_last: tuple[tuple[object, ...], Settings] | None = None
"""The inputs of the last ``load_settings`` and what it built. Reading the settings takes
milliseconds (pydantic-settings inspects every field against every source), and an app may
load them once per ``ChatClient``; the same inputs give the same settings."""


def _inputs(given: dict[str, Any]) -> tuple[object, ...] | None:
    """All that ``Settings(**given)`` reads: the working folder, its ``.env``, the
    environment and ``given``; None if one of them cannot be compared (then the settings
    are read afresh). Reading a ``.env`` again costs microseconds, parsing it milliseconds."""
    try:
        folder = os.getcwd()
    except OSError:  # the working folder was removed
        return None
    try:
        dotenv: bytes | None = Path(".env").read_bytes()
    except FileNotFoundError:
        dotenv = None
    except OSError:
        return None
    inputs = (folder, dotenv, tuple(os.environ.items()), tuple(sorted(given.items(), key=_name)))
    try:
        hash(inputs)
    except TypeError:
        return None
    return inputs


def _name(item: tuple[str, Any]) -> str:
    return item[0]


def _remember(inputs: tuple[object, ...] | None, settings: Settings) -> None:
    global _last
    _last = None if inputs is None else (inputs, settings.model_copy())


def setting_variables() -> dict[str, str]:
    """Every ``LLMGINE_*`` variable a setting reads (GlueLLM's names included) -> the setting."""
    names: dict[str, str] = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        choices = alias.choices if isinstance(alias, AliasChoices) else [f"LLMGINE_{field}"]
        for choice in choices:
            if isinstance(choice, str) and choice.upper().startswith("LLMGINE_"):
                names[choice.upper()] = field
    return names


def unknown_variables(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``LLMGINE_*`` variables set in ``environ`` (default: the environment and
    ``.env``) that nothing reads, each with the variable of the setting closest to it."""
    if environ is None:
        environ = {**_dotenv(), **os.environ}
    known = setting_variables()
    canonical = sorted({f"LLMGINE_{field.upper()}" for field in known.values()})
    unknown = {}
    for name in environ:
        upper = name.upper()
        if upper.startswith("LLMGINE_") and upper not in known and upper not in OTHER_VARIABLES:
            unknown[upper] = _closest(upper, canonical)
    return unknown


def _closest(name: str, candidates: list[str]) -> str:
    # Compared without the prefix they all share, which would make everything look close.
    bare = {c.removeprefix("LLMGINE_"): c for c in candidates}
    match = difflib.get_close_matches(name.removeprefix("LLMGINE_"), list(bare), n=1, cutoff=0)
    return bare[match[0]] if match else candidates[0]


def _dotenv() -> dict[str, str]:
    """The names set in the ``.env`` file the settings read (values are not needed)."""
    try:
        found = DotEnvSettingsSource(Settings).env_vars
    except (OSError, ValueError):  # unreadable: the settings themselves will say so
        return {}
    return {name.upper(): "" for name in found}


_KEYLIKE = re.compile(r"\b(?:sk|xai|pk|rk)-[A-Za-z0-9_\-*]{8,}")


def redact(text: str, *secrets: str | None) -> str:
    """``text`` with every given secret, and anything shaped like an API key, masked."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return _KEYLIKE.sub("***", text)
