"""ApplicationBootstrap: an llmgine app from its settings, with a graceful stop.

``ApplicationBootstrap`` builds the bus with its sinks, the tools, the sessions and the
chat engine from one ``Settings``, starts them in order, and stops them in the reverse
order on a signal or a call, letting turns in flight finish (see ``docs/bootstrap.md``).
"""

from llmgine.bootstrap._app import ApplicationBootstrap
from llmgine.bootstrap._providers import SettingsProviders, choose_model
from llmgine.bootstrap._shutdown import ShutdownReport

__all__ = ["ApplicationBootstrap", "SettingsProviders", "ShutdownReport", "choose_model"]
