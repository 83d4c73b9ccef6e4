"""``llmgine --version``, and options written before or after the subcommand alike."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import llmgine
from llmgine.cli._argv import in_place, level_of
from llmgine.cli._main import build_parser
from llmgine.context import SessionRecord, SessionStore
from tests.cli._llmgine import run_llmgine


@pytest.mark.parametrize(
    ("given", "placed"),
    [
        (["--json", "complete", "x"], ["complete", "--json", "x"]),
        (["complete", "--json", "x"], ["complete", "--json", "x"]),
        (["--session", "abc", "complete", "x"], ["complete", "--session", "abc", "x"]),
        (["--model=gpt-4o", "complete", "x"], ["complete", "--model=gpt-4o", "x"]),
        (["--tool", "m:f", "--tool", "m:g", "complete", "x"],
         ["complete", "--tool", "m:f", "--tool", "m:g", "x"]),
        (["--json", "sessions", "list"], ["sessions", "list", "--json"]),
        (["--dir", "d", "sessions", "list"], ["sessions", "--dir", "d", "list"]),
        (["sessions", "list", "--dir", "d"], ["sessions", "--dir", "d", "list"]),
        (["logs", "--dir", "d", "list"], ["logs", "list", "--dir", "d"]),
        (["--json", "gmn", "template", "explorer"], ["gmn", "template", "--json", "explorer"]),
        (["complete", "x", "--", "--json"], ["complete", "x", "--", "--json"]),
        (["-h"], ["-h"]),
        (["complete", "-h"], ["complete", "-h"]),
        (["--frobnicate", "complete", "x"], ["complete", "x", "--frobnicate"]),
    ],
)  # fmt: skip
def test_each_option_goes_to_the_level_that_knows_it(given: list[str], placed: list[str]) -> None:
    assert in_place(given, level_of(build_parser())) == placed


def test_version(tmp_path: Path) -> None:
    run = run_llmgine(tmp_path, "--version")
    assert (run.status, run.stdout, run.stderr) == (0, f"llmgine {llmgine.__version__}\n", "")


def test_options_in_either_position_through_the_command(tmp_path: Path) -> None:
    before = run_llmgine(tmp_path, "--json", "--no-save", "complete", "What is 2+3?")
    after = run_llmgine(tmp_path, "complete", "What is 2+3?", "--no-save", "--json")
    assert (before.status, after.status) == (0, 0), before.stderr + after.stderr
    assert orjson.loads(before.stdout) == orjson.loads(after.stdout)

    folder = tmp_path / "elsewhere"
    SessionStore(folder).save(SessionRecord.new("kept-one", name="Kept"))
    listed = [
        run_llmgine(tmp_path, "--json", "--dir", str(folder), "sessions", "list"),
        run_llmgine(tmp_path, "sessions", "list", "--dir", str(folder), "--json"),
    ]
    assert [run.status for run in listed] == [0, 0], [run.stderr for run in listed]
    assert [[row["id"] for row in orjson.loads(run.stdout)] for run in listed] == [["kept-one"]] * 2


def test_an_option_no_level_knows_is_still_refused(tmp_path: Path) -> None:
    run = run_llmgine(tmp_path, "--frobnicate", "complete", "x")
    assert run.status == 2
    assert "unrecognized arguments: --frobnicate" in run.stderr
