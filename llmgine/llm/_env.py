"""Where keys and base URLs come from: an explicit argument, ``LLMGINE_*``, the usual variable."""

from __future__ import annotations

import os

from llmgine.config import redact

__all__ = ["api_key", "from_env", "ollama_host", "redact"]


def from_env(*names: str) -> str | None:
    """The first of ``names`` that is set to something other than blanks."""
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def api_key(explicit: str | None, variable: str) -> str | None:
    """``explicit``, else ``LLMGINE_<variable>``, else ``<variable>``."""
    return explicit or from_env(f"LLMGINE_{variable}", variable)


def ollama_host(explicit: str | None = None) -> str:
    """Ollama's address as a URL without a trailing slash.

    ``OLLAMA_HOST`` is often written without a scheme (``0.0.0.0:11434``) or as the bind-all
    address; both are turned into something a client can connect to.
    """
    host = explicit or from_env("OLLAMA_HOST") or "http://localhost:11434"
    if "://" not in host:
        host = f"http://{host}"
    scheme, _, rest = host.partition("://")
    rest = rest.rstrip("/")
    if rest.startswith("0.0.0.0"):
        rest = "127.0.0.1" + rest[len("0.0.0.0") :]
    if scheme == "http" and ":" not in rest.split("/", 1)[0]:
        authority, slash, path = rest.partition("/")
        rest = f"{authority}:11434{slash}{path}"
    return f"{scheme}://{rest}"
