"""The ``llmgine`` command itself: dispatch, help, and ``version``."""

from __future__ import annotations

import subprocess
import sys

import pytest

import llmgine
from llmgine.cli import main


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out == f"llmgine {llmgine.__version__}\n"


def test_version_all_lists_the_sdks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version", "--all"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"llmgine {llmgine.__version__}\npython 3.")
    assert "\nopenai 3." in out
    assert "\nanthropic 2." in out


def test_no_subcommand_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_an_unknown_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_the_console_script_runs_as_a_module_too() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from llmgine.cli import main; sys.exit(main())",
            "version",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"llmgine {llmgine.__version__}"
