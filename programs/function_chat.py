"""The function chat: talk in the terminal with a model that calls tools.

    ./run_function_chat.sh                  # creates .venv on first use, then runs this
    python programs/function_chat.py --help

The program is ``llmgine.chat`` (also ``llmgine chat``); this file only starts it.
"""

import sys

from llmgine.chat import main

if __name__ == "__main__":
    sys.exit(main())
