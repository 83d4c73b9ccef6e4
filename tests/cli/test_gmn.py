"""``llmgine gmn validate|compile|template`` through the real entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from llmgine.cli import main
from llmgine.gmn import parse, template
from tests.gmn._specs import CORRIDOR

BROKEN = CORRIDOR.replace("from: pos\n", "from: posn\n").replace("size: 3", "size: 0", 1)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    paths = {"good": tmp_path / "good.gmn", "broken": tmp_path / "broken.gmn"}
    paths["good"].write_text(CORRIDOR)
    paths["broken"].write_text(BROKEN)
    return paths


def test_validate_prints_file_line_column_code_and_fails_on_errors(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["gmn", "validate", str(files["good"]), str(files["broken"])])

    out = capsys.readouterr().out.splitlines()
    broken = files["broken"]
    assert status == 1
    assert out == [
        f"{broken}:26:5: E103 'from' of 'E_cue' names 'posn', which is not defined",
        "    hint: define state 'posn' or use one of: pos",
        f"{broken}:2:5: E201 'pos' has size 0",
        "    hint: give it a size of 1 or more: the number of values it can take",
        "2 error(s), 0 warning(s) in 2 file(s)",
    ]


def test_validate_passes_with_warnings_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "warned.gmn"
    path.write_text(CORRIDOR.replace("    initial: [1.0, 0.0, 0.0]\n", ""))

    assert main(["gmn", "validate", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{path}:1:1: W102 state 'pos' has no initial prior; all values start equally likely"
    )


def test_validate_reads_stdin_and_reports_syntax_errors_with_their_place(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("node state s {\n  size: 2\n"))

    assert main(["gmn", "validate"]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first == (
        "-:3:1: E100 expected '}' to close node 's' opened at line 1, found the end of the text"
    )


def test_validate_json_lists_each_file_with_its_issues(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gmn", "validate", "--json", str(files["broken"])]) == 1

    [report] = json.loads(capsys.readouterr().out)
    assert report["ok"] is False
    assert [(i["code"], i["severity"], i["line"], i["node"]) for i in report["issues"]] == [
        ("E103", "error", 26, "E_cue"),
        ("E201", "error", 2, "pos"),
    ]


def test_validate_applies_constraints(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gmn", "validate", "--max-actions", "2", str(files["good"])]) == 1
    assert "E208 'move' has 3 actions, above max_actions=2" in capsys.readouterr().out


def test_a_missing_file_is_one_line_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gmn", "validate", str(tmp_path / "nope.gmn")]) == 1
    assert "No such file" in capsys.readouterr().err


def test_compile_prints_the_shapes_with_their_axes(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gmn", "compile", str(files["good"])]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "A[0] cue: (3, 3)  cue x pos",
        "B[0] pos: (3, 3, 3)  next x previous x move",
        "C[0] cue: (3,)",
        "D[0] pos: (3,)",
    ]


def test_compile_json_holds_the_arrays(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gmn", "compile", "--json", str(files["good"])]) == 0

    arrays = json.loads(capsys.readouterr().out)
    assert arrays["controls"] == ["move"]
    assert arrays["A"][0][0] == [0.8, 0.1, 0.1]
    assert arrays["D"] == [[1.0, 0.0, 0.0]]


def test_compile_refuses_a_model_with_errors(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gmn", "compile", str(files["broken"])]) == 1
    assert "E103" in capsys.readouterr().err


def test_template_prints_text_that_reads_back_as_the_template(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["gmn", "template", "explorer", "--prompt", "cautious 2x3 grid"]) == 0
    assert parse(capsys.readouterr().out) == template("explorer", "cautious 2x3 grid")


def test_template_json_and_its_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gmn", "template", "trader", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["actions"][0]["name"] == "trade"

    assert main(["gmn", "template", "trader", "--max-actions", "2"]) == 1
    assert "above max_actions=2" in capsys.readouterr().err
