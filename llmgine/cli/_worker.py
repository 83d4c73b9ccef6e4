"""``llmgine worker``: serve an app's chat turns from a bus across processes.

    llmgine worker --bus nats://127.0.0.1:4222 [--model M] [--tool MODULE:FUNCTION ...]

The process builds the app as every entry point does (settings, sinks, the JSONL log, the
chat engine with its tools), on a bus over NATS JetStream, and serves the turns that front
ends send (``llmgine complete --bus``, ``./run_function_chat.sh --bus``), with the sessions
of the sessions folder, which the processes share. Run as many as the work needs; each
turn runs on one of them. Ctrl-C or SIGTERM stops it gracefully: the turns it runs finish
(a second signal cancels them; the bus hands them to another worker). Exit status: 0 after
a clean stop, 1 when the stop lost something, 2 for a problem with the command line or the
setup (no bus URL, no server, a missing key).
"""

from __future__ import annotations

import argparse
import sys

from llmgine.cli._tools import add_tool_option

_USAGE_ERROR = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bus", metavar="URL", help="the NATS server(s), nats://host:4222 (LLMGINE_BUS_URL)"
    )
    parser.add_argument(
        "--namespace", metavar="NAME", help="the app's namespace there (LLMGINE_BUS_NAMESPACE)"
    )
    parser.add_argument("--model", metavar="PROVIDER:MODEL", help="default: as the chat picks")
    add_tool_option(parser)


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from llmgine.bootstrap import ApplicationBootstrap
    from llmgine.bus import TransportError, UsageError
    from llmgine.cli._tools import ToolSpecError, load_tools
    from llmgine.config import load_settings
    from llmgine.llm import LLMError

    try:
        settings = load_settings(bus_url=args.bus, bus_namespace=args.namespace, model=args.model)
        tools = load_tools(args.tools)
    except (ValidationError, ToolSpecError) as exc:
        return _usage(exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc))
    if not settings.bus_url:
        return _usage(
            "no bus to serve: pass --bus nats://host:4222 or set LLMGINE_BUS_URL "
            "(`llmgine nats up` starts a server on this machine)"
        )
    app = ApplicationBootstrap(settings, tools=tools)

    async def main(app: ApplicationBootstrap) -> int:
        print(
            f"llmgine worker: serving chat turns with {app.model} on {settings.bus_url} "
            f"(namespace {settings.bus_namespace!r}); Ctrl-C stops",
            file=sys.stderr,
            flush=True,
        )
        await app.wait_for_stop_request()
        return 0

    try:
        status = app.run(main)
    except (TransportError, UsageError, LLMError, ValueError) as exc:
        return _usage(f"cannot start: {' '.join(str(exc).split())}")
    report = app.report
    return 0 if status == 0 and (report is None or report.clean) else 1


def _usage(message: str) -> int:
    print(f"llmgine worker: {message}", file=sys.stderr)
    return _USAGE_ERROR
