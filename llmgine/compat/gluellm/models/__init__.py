"""GlueLLM's ``gluellm.models``: ``conversation``, ``prompt``, ``config``, ``agent`` and
``workflow``, each a module of its own, as there."""

__all__: list[str] = []
