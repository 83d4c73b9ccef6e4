"""GlueLLM's ``MixtureOfExpertsWorkflow``: llmgine's ``MixtureOfExperts``.

As in GlueLLM, the router defaults to the first expert's executor and the combiner to the
router; here the router is called only for ``semantic`` routing (GlueLLM never called it)
and the combiner only to synthesize.
"""

from __future__ import annotations

from collections.abc import Sequence

from llmgine.compat.gluellm._runner import ExecutesWorkflow
from llmgine.compat.gluellm.models.workflow import ExpertConfig, MoEConfig
from llmgine.workflows import Executor, Expert, MixtureOfExperts

__all__ = ["ExpertConfig", "MixtureOfExpertsWorkflow", "MoEConfig"]


class MixtureOfExpertsWorkflow(ExecutesWorkflow, MixtureOfExperts):
    """``experts``: ``ExpertConfig``s, at least two."""

    def __init__(
        self,
        experts: Sequence[ExpertConfig],
        router: Executor | None = None,
        combiner: Executor | None = None,
        config: MoEConfig | None = None,
    ) -> None:
        config = config or MoEConfig()
        ours = config.llmgine()
        keywords = ours.routing != "all"
        cards = [
            Expert(e.executor, tuple(e.activation_keywords) if keywords else (), e.specialty)
            for e in experts
        ]
        router = router or (experts[0].executor if experts else None)
        combiner = combiner or router
        super().__init__(
            cards,
            router if ours.routing == "semantic" else None,
            combiner if ours.combine == "synthesize" else None,
            ours,
        )
