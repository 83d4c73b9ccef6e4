"""Workflows: agents, executors, and multi-agent patterns run as bus components.

See ``docs/workflows.md``.
"""

from llmgine.workflows import _hookpoint  # noqa: F401  (registers the "workflow" hook point)
from llmgine.workflows._consensus import Consensus, ConsensusConfig, decide_consensus
from llmgine.workflows._constitutional import (
    Constitutional,
    ConstitutionalConfig,
    Critique,
    Principle,
    PrincipleVerdict,
    decide_constitutional,
)
from llmgine.workflows._debate import Debate, DebateConfig, decide_debate
from llmgine.workflows._density import (
    ChainOfDensity,
    ChainOfDensityConfig,
    DenseSummary,
    decide_chain_of_density,
)
from llmgine.workflows._executors import (
    Agent,
    AgentExecutor,
    Executor,
    SimpleExecutor,
    StructuredExecutor,
)
from llmgine.workflows._experts import (
    Expert,
    MixtureOfExperts,
    MixtureOfExpertsConfig,
    decide_mixture_of_experts,
)
from llmgine.workflows._hierarchical import (
    Hierarchical,
    HierarchicalConfig,
    decide_hierarchical,
)
from llmgine.workflows._limits import (
    Limits,
    MaxCost,
    MaxModelCalls,
    MaxSteps,
    MaxTokens,
    Timeout,
)
from llmgine.workflows._map_reduce import (
    MapReduce,
    MapReduceConfig,
    chunk_text,
    decide_map_reduce,
)
from llmgine.workflows._messages import (
    CancelWorkflowCommand,
    RunWorkflowCommand,
    WorkflowBudgetExceededEvent,
    WorkflowCancelledEvent,
    WorkflowCompletedEvent,
    WorkflowEvent,
    WorkflowFailedEvent,
    WorkflowFinishedEvent,
    WorkflowStartedEvent,
    WorkflowStepCompletedEvent,
    WorkflowStepFailedEvent,
    WorkflowStepFinishedEvent,
    WorkflowStepStartedEvent,
    WorkflowTimedOutEvent,
)
from llmgine.workflows._pipeline import Pipeline, PipelineConfig, decide_pipeline
from llmgine.workflows._plan import AgentStep, Decision, Fail, Finish, RunSteps, ToolStep
from llmgine.workflows._rag import RAG, Passage, RAGConfig, decide_rag
from llmgine.workflows._react import ReAct, ReActConfig, decide_react
from llmgine.workflows._refinement import (
    Critic,
    IterativeRefinement,
    IterativeRefinementConfig,
    decide_iterative_refinement,
)
from llmgine.workflows._reflection import Reflection, ReflectionConfig, decide_reflection
from llmgine.workflows._replies import Review
from llmgine.workflows._results import (
    LimitName,
    RunUsage,
    StepKind,
    StepRecord,
    StepStatus,
    TerminalReason,
    TextDigest,
    WorkflowResult,
)
from llmgine.workflows._round_robin import RoundRobin, RoundRobinConfig, decide_round_robin
from llmgine.workflows._runtime import WorkflowRuntime
from llmgine.workflows._socratic import Socratic, SocraticConfig, decide_socratic
from llmgine.workflows._tree_of_thoughts import (
    TreeOfThoughts,
    TreeOfThoughtsConfig,
    decide_tree_of_thoughts,
)
from llmgine.workflows._workflow import Workflow, WorkflowConfigError

__all__ = [
    "RAG",
    "Agent",
    "AgentExecutor",
    "AgentStep",
    "CancelWorkflowCommand",
    "ChainOfDensity",
    "ChainOfDensityConfig",
    "Consensus",
    "ConsensusConfig",
    "Constitutional",
    "ConstitutionalConfig",
    "Critic",
    "Critique",
    "Debate",
    "DebateConfig",
    "Decision",
    "DenseSummary",
    "Executor",
    "Expert",
    "Fail",
    "Finish",
    "Hierarchical",
    "HierarchicalConfig",
    "IterativeRefinement",
    "IterativeRefinementConfig",
    "LimitName",
    "Limits",
    "MapReduce",
    "MapReduceConfig",
    "MaxCost",
    "MaxModelCalls",
    "MaxSteps",
    "MaxTokens",
    "MixtureOfExperts",
    "MixtureOfExpertsConfig",
    "Passage",
    "Pipeline",
    "PipelineConfig",
    "Principle",
    "PrincipleVerdict",
    "RAGConfig",
    "ReAct",
    "ReActConfig",
    "Reflection",
    "ReflectionConfig",
    "Review",
    "RoundRobin",
    "RoundRobinConfig",
    "RunSteps",
    "RunUsage",
    "RunWorkflowCommand",
    "SimpleExecutor",
    "Socratic",
    "SocraticConfig",
    "StepKind",
    "StepRecord",
    "StepStatus",
    "StructuredExecutor",
    "TerminalReason",
    "TextDigest",
    "Timeout",
    "ToolStep",
    "TreeOfThoughts",
    "TreeOfThoughtsConfig",
    "Workflow",
    "WorkflowBudgetExceededEvent",
    "WorkflowCancelledEvent",
    "WorkflowCompletedEvent",
    "WorkflowConfigError",
    "WorkflowEvent",
    "WorkflowFailedEvent",
    "WorkflowFinishedEvent",
    "WorkflowResult",
    "WorkflowRuntime",
    "WorkflowStartedEvent",
    "WorkflowStepCompletedEvent",
    "WorkflowStepFailedEvent",
    "WorkflowStepFinishedEvent",
    "WorkflowStepStartedEvent",
    "WorkflowTimedOutEvent",
    "chunk_text",
    "decide_chain_of_density",
    "decide_consensus",
    "decide_constitutional",
    "decide_debate",
    "decide_hierarchical",
    "decide_iterative_refinement",
    "decide_map_reduce",
    "decide_mixture_of_experts",
    "decide_pipeline",
    "decide_rag",
    "decide_react",
    "decide_reflection",
    "decide_round_robin",
    "decide_socratic",
    "decide_tree_of_thoughts",
]
