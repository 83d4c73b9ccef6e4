"""Replay: run a recorded session again, answered by its log, and see where it diverges.

    replay_log(path)           run the log's prompts through the current code; a ReplayReport
    ReplayProvider             a model answered from a log: exact request + occurrence count
    ReplayedTools              a tool manager answered from a log (or live)
    Recording                  a log's model calls, tool calls and turns, read for replay
    ReplayMissError            a request the log never saw, with the first differing field

No real provider is called unless a replay forks (``fork_from`` / ``fork_to``). See
``docs/replay.md``.
"""

from llmgine.replay._cassette import Cassette, ForkTarget
from llmgine.replay._compare import Divergence, TurnStep
from llmgine.replay._diff import Difference
from llmgine.replay._errors import Miss, ReplayMissError, ToolReplayMissError
from llmgine.replay._provider import ReplayProvider
from llmgine.replay._recording import RecordedCall, RecordedTool, RecordedTurn, Recording
from llmgine.replay._run import Progress, ReplayReport, replay_log
from llmgine.replay._tools import ReplayedTools

__all__ = [
    "Cassette",
    "Difference",
    "Divergence",
    "ForkTarget",
    "Miss",
    "Progress",
    "RecordedCall",
    "RecordedTool",
    "RecordedTurn",
    "Recording",
    "ReplayMissError",
    "ReplayProvider",
    "ReplayReport",
    "ReplayedTools",
    "ToolReplayMissError",
    "TurnStep",
    "replay_log",
]
