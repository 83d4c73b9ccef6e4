"""The viewer: a local web page over a logs folder (``llmgine logs serve``).

    ViewerServer   serves the page and its read-only JSON API over one folder: runs and
                   sessions with their time, models, tokens and cost; a run as a tree opened
                   a level at a time; details read back whole; search; a live tail
    diff_runs      two runs (two logs, or a session of each) aligned step by step, with the
                   first divergence and what each spent (RunDiff, DiffRow)

It reads logs through ``llmgine.logs`` and prices model calls with the metrics' prices
(``llmgine.sinks``); it writes nothing. The page is plain files served from this package.
"""

from llmgine.viewer._diff import DiffRow, RunDiff, diff_runs
from llmgine.viewer._server import ViewerServer, is_loopback

__all__ = ["DiffRow", "RunDiff", "ViewerServer", "diff_runs", "is_loopback"]
