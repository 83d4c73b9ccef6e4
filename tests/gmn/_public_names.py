"""The public names the GMN generator adds to ``llmgine.gmn``, pinned here and spread into
``tests/messages/test_public_names.py``, which pins every package's names."""

from __future__ import annotations

GENERATOR_NAMES = frozenset(
    {
        "GMNDraftReceivedEvent",
        "GMNGeneratedEvent",
        "GMNGenerationStartedEvent",
        "GMNGenerator",
        "GMNRefinedEvent",
        "GMNRefinementStartedEvent",
        "GMNRepairRequestedEvent",
        "GMNResult",
        "GMNTemplateUsedEvent",
        "GMNValidatedEvent",
        "GenerateGMNCommand",
        "LLMProviderFactory",
        "RefineGMNCommand",
        "ValidateGMNCommand",
        "create_llm_factory",
    }
)
