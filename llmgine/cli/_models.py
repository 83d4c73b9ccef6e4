"""``llmgine models``: what each configured provider offers, the default marked.

A provider counts as configured when its key is set (OpenAI, Anthropic, xAI), when
``OLLAMA_HOST`` is set or the default model is an Ollama one (Ollama), and always for the
offline stand-in; an Ollama that nobody configured is listed when it answers and passed
over in silence when it does not. The lists are asked for at once, each from the service
itself; one that cannot be had is named on stderr with its reason, in one line, and the
others are still listed. Exit status: 0, 1 when a configured provider could not be listed,
2 for settings that do not load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from typing import Any

_FAILED = 1
_USAGE_ERROR = 2
_KEYED = ("openai", "anthropic", "xai")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="as one JSON object")
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long each provider gets to answer (default: 10)",
    )


@dataclass(frozen=True)
class Listing:
    provider: str
    models: list[str]
    error: str | None = None
    required: bool = True
    """False for a provider that was only probed: its failure is not shown."""


def run(args: argparse.Namespace) -> int:
    import orjson
    from pydantic import ValidationError

    from llmgine.config import load_settings

    try:
        settings = load_settings()
    except ValidationError as exc:
        print(f"error: invalid settings: {exc.errors()[0]['msg']}", file=sys.stderr)
        return _USAGE_ERROR
    try:
        default, listings = asyncio.run(_gather(settings, args.timeout))
    except ValueError as exc:  # a default model that names no provider
        print(f"error: {exc}", file=sys.stderr)
        return _USAGE_ERROR
    shown = [listing for listing in listings if listing.required or listing.error is None]
    if args.json:
        body = {
            "default": default,
            "providers": [
                {"name": one.provider, "models": one.models, "error": one.error} for one in shown
            ],
        }
        print(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
    else:
        _print(default, shown)
    return _FAILED if any(one.error is not None for one in shown) else 0


def _print(default: str, listings: list[Listing]) -> None:
    listed = False
    for listing in listings:
        if listing.error is not None:
            sys.stdout.flush()
            print(f"{listing.provider}: cannot list its models: {listing.error}", file=sys.stderr)
            continue
        for name in listing.models:
            print(f"{name}  (default)" if name == default else name)
            listed = listed or name == default
    if not listed:
        print(f"default: {default} (not in the lists above)")


async def _gather(settings: Any, timeout: float) -> tuple[str, list[Listing]]:
    from llmgine.bootstrap import SettingsProviders, choose_model
    from llmgine.llm import split_model_name

    default = await choose_model(settings)
    wanted = [prefix for prefix in _KEYED if settings.api_key_for(prefix)]
    ollama_asked = bool(os.environ.get("OLLAMA_HOST")) or split_model_name(default)[0] == "ollama"
    options = SettingsProviders(settings)
    prefixes = [*wanted, "ollama", "offline"]
    listings = await asyncio.gather(
        *(_listing(p, options.options(p) | {"timeout": timeout}) for p in prefixes)
    )
    return default, [
        listing if listing.provider != "ollama" or ollama_asked else _probed(listing)
        for listing in listings
    ]


async def _listing(prefix: str, options: dict[str, Any]) -> Listing:
    from llmgine.config import redact
    from llmgine.llm import LLMError, list_models

    try:
        return Listing(prefix, await list_models(prefix, **options))
    except LLMError as exc:
        reason = redact(" ".join(exc.message.split()), options.get("api_key"))
        return Listing(prefix, [], reason)


def _probed(listing: Listing) -> Listing:
    return Listing(listing.provider, listing.models, listing.error, required=False)
