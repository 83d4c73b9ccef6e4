#!/usr/bin/env bash
# The function chat in the terminal: ./run_function_chat.sh [flags] (see --help).
# On first use it creates .venv and installs llmgine into it; afterwards it reinstalls only
# when pyproject.toml has changed since the last install (its own or run_tests.sh's, which
# installs more). Installation messages go to stderr, so piped output holds only the chat's.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")" && pwd)"

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
VENV="$ROOT/.venv"
STAMP="$VENV/.installed-chat"
TESTS_STAMP="$VENV/.installed"   # written by run_tests.sh after installing '.[dev,mlflow]'

fresh() { [ -f "$1" ] && [ ! "$ROOT/pyproject.toml" -nt "$1" ]; }

if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV with $("$PYTHON" --version)" >&2
    "$PYTHON" -m venv "$VENV" >&2
fi
if ! fresh "$STAMP" && ! fresh "$TESTS_STAMP"; then
    echo "==> installing llmgine into $VENV (once; again only when pyproject.toml changes)" >&2
    # '-e .' adds what the chat needs and removes nothing, so extras installed by
    # run_tests.sh into the same .venv stay.
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT" >&2
    touch "$STAMP"
fi
# A front end of a bus across processes (--bus URL) needs the NATS client.
case " $* " in
    *" --bus"*)
        if ! "$VENV/bin/python" -c "import nats" 2>/dev/null; then
            echo "==> installing llmgine's nats extra into $VENV (for --bus)" >&2
            "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT[nats]" >&2
        fi
        ;;
esac
# The chat runs in the folder it was started from: sessions/ and logs/ are made there. The
# program is a package of this repository, found through PYTHONPATH.
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$VENV/bin/python" -m programs.function_chat "$@"
