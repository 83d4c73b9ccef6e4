"""The ``llmgine`` command: one entry point, a subcommand per job.

    llmgine version              what is installed (llmgine --version too)
    llmgine logs ...             read JSONL logs: list, a session's timeline, stats, search
    llmgine complete "..."       one answer, printed; a conversation to --continue
    llmgine models               the models each configured provider offers
    llmgine sessions ...         saved chat sessions: list, show, delete
    llmgine gmn ...              GMN models: validate, compile, templates, generate, refine
    llmgine workflow ...         multi-agent workflows: list the patterns, run one
    llmgine worker --bus URL     serve an app's chat turns from a bus across processes
    llmgine nats up              local NATS servers for development

Each subcommand lives in a module of its own that exposes ``configure(parser)`` and
``run(args) -> int``; heavy imports happen inside ``run`` so ``llmgine --help`` stays quick.
Options may be written before or after their subcommand (``_argv``).
"""

from llmgine.cli._main import main

__all__ = ["main"]
