"""The ``llmgine`` command: one entry point, a subcommand per job.

    llmgine version              what is installed
    llmgine logs ...             read JSONL logs: list, a session's timeline, stats, search
    llmgine complete "..."       one answer, printed (--tool MODULE:FUNCTION offers a tool)
    llmgine sessions ...         saved chat sessions: list, show, delete
    llmgine gmn ...              GMN models: validate, compile, templates, generate, refine
    llmgine worker --bus URL     serve an app's chat turns from a bus across processes
    llmgine nats up              local NATS servers for development

Each subcommand lives in a module of its own that exposes ``configure(parser)`` and
``run(args) -> int``; heavy imports happen inside ``run`` so ``llmgine --help`` stays quick.
"""

from llmgine.cli._main import main

__all__ = ["main"]
