"""``python -m llmgine.cli``: the ``llmgine`` command without its console script."""

import sys

from llmgine.cli import main

sys.exit(main())
