"""A program that cannot start leaves no log file and no empty ``logs/`` folder behind.

Each case runs a real entry point in a fresh, empty folder, with a setup that fails the
start: an unknown model, a missing key, an MLflow server that does not answer.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli._llmgine import run_llmgine
from tests.programs._chat import closed_port, run_piped

FAILING_SETUPS = {
    "unknown model": (["--model", "nope:x"], {}),
    "missing key": (["--model", "openai:gpt-4o-mini"], {"OPENAI_API_KEY": ""}),
    "mlflow down": ([], {"LLMGINE_MLFLOW_TRACKING_URI": "http://127.0.0.1:{port}"}),
}


def setup(name: str) -> tuple[list[str], dict[str, str]]:
    flags, env = FAILING_SETUPS[name]
    return flags, {key: value.format(port=closed_port()) for key, value in env.items()}


@pytest.mark.parametrize("name", FAILING_SETUPS)
def test_llmgine_complete(name: str, tmp_path: Path) -> None:
    flags, env = setup(name)
    run = run_llmgine(tmp_path, "complete", *flags, "What is 2+3?", env=env)
    assert run.status == 2, run.stderr
    assert run.stderr.startswith("error: cannot start:")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", FAILING_SETUPS)
def test_the_chat(name: str, tmp_path: Path) -> None:
    flags, env = setup(name)
    run = run_piped(tmp_path, "What is 2+3?\n", *flags, env=env)
    assert run.status == 2, run.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_start_that_works_still_logs(tmp_path: Path) -> None:
    run = run_llmgine(tmp_path, "complete", "What is 2+3?")
    assert run.status == 0, run.stderr
    assert len(list((tmp_path / "logs").glob("llmgine-*.jsonl"))) == 1
