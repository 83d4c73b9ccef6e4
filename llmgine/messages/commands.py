"""Commands under the module name of the original LLMgine:
``from llmgine.messages.commands import Command, CommandResult``.

The same objects as ``llmgine.messages`` exports; this module only gives them the import
path that code written for the original LLMgine uses.
"""

from llmgine.messages._base import Command, CommandResult, result_type
from llmgine.messages._results import check_result

__all__ = ["Command", "CommandResult", "check_result", "result_type"]
