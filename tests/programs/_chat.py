"""Running the function chat as a user does: its real entry point, in a fresh process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from llmgine.testing import FakeLLMServer

REPO = Path(__file__).resolve().parents[2]
PROGRAM = ("-m", "programs.function_chat")
"""How the chat is started, from any folder (``REPO`` is on ``PYTHONPATH``)."""
MODELS = {"openai": "openai:gpt-4o-mini", "anthropic": "anthropic:claude-haiku-4-5"}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def chat_env(**extra: str) -> dict[str, str]:
    """The test's environment (no keys, no LLMGINE_*), no local Ollama, this llmgine."""
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p)
    return os.environ | {"OLLAMA_HOST": f"127.0.0.1:{closed_port()}", "PYTHONPATH": path} | extra


def server_env(adapter: str, server: FakeLLMServer) -> dict[str, str]:
    """A fake key for ``adapter`` and its base URL pointed at ``server``."""
    if adapter == "openai":
        return {"OPENAI_API_KEY": "sk-test-openai", "OPENAI_BASE_URL": server.openai_base_url}
    return {"ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": server.anthropic_base_url}


@dataclass(frozen=True)
class Run:
    status: int
    stdout: str
    stderr: str


def run_piped(
    folder: Path, typed: str, *flags: str, env: dict[str, str] | None = None, timeout: float = 60
) -> Run:
    """``printf typed | python -m programs.function_chat flags`` in ``folder``."""
    done = subprocess.run(
        [sys.executable, *PROGRAM, *flags],
        input=typed,
        cwd=folder,
        env=chat_env(**(env or {})),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def files_containing(folder: Path, secret: str) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and secret.encode() in path.read_bytes()
    ]
