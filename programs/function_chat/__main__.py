"""``python -m programs.function_chat``: the function chat."""

import sys

from programs.function_chat import main

if __name__ == "__main__":
    sys.exit(main())
