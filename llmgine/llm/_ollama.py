"""Ollama's own list of installed models (``GET /api/tags``): for detection and listing.

Chat requests go to Ollama's OpenAI-compatible endpoint (``_openai.ollama_provider``); the
list of what is installed is read from the native endpoint, which every Ollama has.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import urllib.error
import urllib.request
from typing import Any

from llmgine.llm._catalog import LISTING
from llmgine.llm._env import ollama_host
from llmgine.llm._errors import APIConnectionError, MalformedResponseError


def ollama_tags(host: str, timeout: float) -> list[str]:
    """The names of the models the Ollama server at ``host`` lists, in its order.

    Raises ``APIConnectionError`` when nothing answers (saying how to start Ollama) and
    ``MalformedResponseError`` when what answers is not an Ollama.
    """
    # A local server: going through an HTTP proxy from the environment would only make the
    # request slow or wrong.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"{host}/api/tags", timeout=timeout) as reply:
            body = json.loads(reply.read())
    except urllib.error.HTTPError as exc:  # something answers, and it is not an Ollama
        exc.close()
        body = None
    except (OSError, http.client.HTTPException) as exc:  # refused, timed out, not HTTP
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise APIConnectionError(
            f"could not reach Ollama at {host} ({reason}): is it running? Start it with "
            "`ollama serve`, or set OLLAMA_HOST to where it listens",
            provider="ollama",
            model=LISTING,
        ) from None
    except ValueError:  # not JSON
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("models"), list):
        raise MalformedResponseError(
            f"{host}/api/tags did not answer as Ollama does (no list of models)",
            provider="ollama",
            model=LISTING,
        )
    names = [m.get("name") for m in body["models"] if isinstance(m, dict)]
    return [name for name in names if isinstance(name, str) and name]


async def ollama_models(**options: Any) -> list[str]:
    """The catalog's lister for ``ollama:``; ``base_url`` (default ``OLLAMA_HOST``) and
    ``timeout`` are used, the other options ignored."""
    host = str(options.get("base_url") or ollama_host()).rstrip("/").removesuffix("/v1")
    return sorted(await asyncio.to_thread(ollama_tags, host, float(options["timeout"])))
