"""GlueLLM's API on llmgine: change ``gluellm.`` to ``llmgine.compat.gluellm.`` in the
imports and the examples of GlueLLM's README run.

The modules mirror GlueLLM's: ``api`` (``GlueLLM``, ``complete``, ``structured_complete``,
``stream_complete``, the errors), ``config`` (``settings``, ``reload_settings``, read from
``GLUELLM_*`` variables as well as ``LLMGINE_*``), ``telemetry``, ``logging_config``,
``logging_utils``, ``models.conversation``, ``models.prompt``, ``models.config``,
``models.agent``, ``models.workflow``, ``executors``, ``agents.generic`` and
``workflows.<pattern>`` for the fifteen patterns. Each call runs on a bus of its own, built
by llmgine's composition root from those settings, so it is logged and traced like any
other. What differs from GlueLLM, and why, is in ``docs/migrating.md``.
"""

__all__: list[str] = []
