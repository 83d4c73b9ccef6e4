"""``llmgine version``: the installed version of llmgine, Python and the model SDKs."""

from __future__ import annotations

import argparse
import platform
from importlib import metadata

from llmgine.version import __version__


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--all", action="store_true", help="also list the versions of the main dependencies"
    )


def run(args: argparse.Namespace) -> int:
    print(f"llmgine {__version__}")
    if args.all:
        print(f"python {platform.python_version()}")
        for package in ("openai", "anthropic", "pydantic", "opentelemetry-sdk"):
            try:
                print(f"{package} {metadata.version(package)}")
            except metadata.PackageNotFoundError:
                print(f"{package} (not installed)")
    return 0
