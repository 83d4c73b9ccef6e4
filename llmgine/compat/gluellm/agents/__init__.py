"""GlueLLM's ``gluellm.agents``: ``generic`` holds ``GenericAgent``."""

__all__: list[str] = []
