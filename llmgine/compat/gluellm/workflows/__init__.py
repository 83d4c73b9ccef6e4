"""GlueLLM's fifteen workflows, one module each as in GlueLLM (``iterative``, ``pipeline``,
``debate``, ``reflection``, ``chain_of_density``, ``socratic``, ``rag``, ``round_robin``,
``consensus``, ``hierarchical``, ``map_reduce``, ``react``, ``mixture_of_experts``,
``constitutional``, ``tree_of_thoughts``).

Each is llmgine's pattern (``llmgine.workflows``), built from GlueLLM's arguments and config
and run with GlueLLM's ``await workflow.execute(text)``; being llmgine workflows they also
run in a ``WorkflowRuntime``, nest, and take llmgine's executors.
"""

from llmgine.compat.gluellm._runner import WorkflowFailedError, WorkflowResult

__all__ = ["WorkflowFailedError", "WorkflowResult"]
