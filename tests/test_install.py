"""llmgine installs into another project as the README says: a wheel built from the checkout,
installed with pip, imported and run from another folder, without the checkout's code.

Offline: the wheel is built with the build backend already installed (``hatchling``, in the
test extra) and installed without its dependencies, which the test's environment has.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import llmgine

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def run(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_wheel_installs_into_another_project(tmp_path: Path) -> None:
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    offline = ["--no-deps", "--no-index", "--no-build-isolation"]
    run(*pip, "wheel", "-q", *offline, "-w", str(tmp_path / "dist"), str(ROOT), cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("llmgine-*.whl")
    assert wheel.name == f"llmgine-{llmgine.__version__}-py3-none-any.whl"
    tops = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert tops == {"llmgine", f"llmgine-{llmgine.__version__}.dist-info"}  # no programs, tests

    site = tmp_path / "site"
    run(*pip, "install", "-q", "--no-deps", "--no-index", "--target", str(site), str(wheel),
        cwd=tmp_path)  # fmt: skip
    project = tmp_path / "my-project"
    project.mkdir()
    example = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)[1]
    assert "llmgine.complete(" in example  # the one-call example of "Chat with tools"
    (project / "app.py").write_text(
        "import llmgine, pathlib\n"
        "print('from', pathlib.Path(llmgine.__file__).parent.parent)\n" + example
    )
    clean = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LLMGINE_") and not key.endswith(("_API_KEY", "_BASE_URL"))
    }
    env = clean | {"PYTHONPATH": str(site), "LLMGINE_MODEL": "offline:stand-in"}
    printed = run(sys.executable, "app.py", cwd=project, env=env)
    assert printed.splitlines()[0] == f"from {site}"
    assert "Paris: 21 degrees, sunny" in printed
    version = run(sys.executable, "-m", "llmgine.cli", "version", cwd=project, env=env)
    assert version == f"llmgine {llmgine.__version__}\n"
    assert (site / "bin" / "llmgine").is_file()  # the console script comes with it


def test_the_readme_names_both_ways_and_the_discord_extra() -> None:
    assert "pip install /path/to/llmgine " in README
    assert "python -m pip wheel --no-deps -w dist ." in README
    assert "pip install -e '.[discord]'" in README
