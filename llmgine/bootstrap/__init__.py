"""Bootstrap: the one composition root, and an app's lifecycle.

``build_*`` turn one ``Settings`` into the parts of an app (the bus and its sinks, tools,
sessions, the chat engine with its providers); every entry point builds through them.
``ApplicationBootstrap`` starts such an app, with your own components, and stops it in the
reverse order on a signal or a call, letting turns in flight finish (see
``docs/bootstrap.md``). ``build_workflows`` makes a workflow runtime the same way, and
``WORKFLOW_PATTERNS`` holds every workflow pattern ready to build with default agents, RAG's
searching text files with ``DocumentRetriever`` (see ``docs/workflows.md``).
"""

from llmgine.bootstrap._app import ApplicationBootstrap
from llmgine.bootstrap._build import (
    SinkSet,
    build_bus,
    build_context,
    build_engine,
    build_sinks,
    build_tools,
    build_workflows,
)
from llmgine.bootstrap._catalogue import (
    AgentKit,
    PatternCatalogue,
    PatternEntry,
    UnknownPatternError,
)
from llmgine.bootstrap._documents import DocumentRetriever, DocumentsError
from llmgine.bootstrap._patterns import WORKFLOW_PATTERNS
from llmgine.bootstrap._providers import SettingsProviders, choose_model, settings_model
from llmgine.bootstrap._shutdown import ShutdownReport

__all__ = [
    "WORKFLOW_PATTERNS",
    "AgentKit",
    "ApplicationBootstrap",
    "DocumentRetriever",
    "DocumentsError",
    "PatternCatalogue",
    "PatternEntry",
    "SettingsProviders",
    "ShutdownReport",
    "SinkSet",
    "UnknownPatternError",
    "build_bus",
    "build_context",
    "build_engine",
    "build_sinks",
    "build_tools",
    "build_workflows",
    "choose_model",
    "settings_model",
]
