"""``llmgine chat``: the function chat, the program ``programs/function_chat.py`` runs."""

from __future__ import annotations

import argparse

from llmgine.chat import configure as configure_chat


def configure(parser: argparse.ArgumentParser) -> None:
    configure_chat(parser)


def run(args: argparse.Namespace) -> int:
    from llmgine.chat import run as run_chat

    return run_chat(args)
