"""Compatibility layers: code written for another library runs on llmgine after one import
changes.

- ``llmgine.compat.gluellm`` mirrors the module paths of GlueLLM's README
  (``gluellm.api`` -> ``llmgine.compat.gluellm.api``, ...).
- ``llmgine.compat.freeagentics.llm`` mirrors FreeAgentics' ``from llm import ...``.

They are thin: their names are llmgine's own objects, or small adapters where a signature
differs, never a second implementation. ``docs/migrating.md`` maps each name and says
where the behaviour differs, and why.
"""
