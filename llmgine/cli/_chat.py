"""``llmgine chat``: the function chat, the program ``programs/function_chat.py`` runs."""

from __future__ import annotations

import argparse

from llmgine.chat._args import configure as _configure


def configure(parser: argparse.ArgumentParser) -> None:
    _configure(parser)


def run(args: argparse.Namespace) -> int:
    from llmgine.chat import run as run_chat

    return run_chat(args)
