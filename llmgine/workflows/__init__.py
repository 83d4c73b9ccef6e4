"""Workflows: agents, executors, and multi-agent patterns run as bus components.

See ``docs/workflows.md``.
"""

from llmgine.workflows import _hookpoint  # noqa: F401  (registers the "workflow" hook point)
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
from llmgine.workflows._runtime import WorkflowRuntime
from llmgine.workflows._socratic import Socratic, SocraticConfig, decide_socratic
from llmgine.workflows._workflow import Workflow, WorkflowConfigError

__all__ = [
    "Agent",
    "AgentExecutor",
    "AgentStep",
    "CancelWorkflowCommand",
    "ChainOfDensity",
    "ChainOfDensityConfig",
    "Constitutional",
    "ConstitutionalConfig",
    "Critic",
    "Critique",
    "Debate",
    "DebateConfig",
    "Decision",
    "DenseSummary",
    "Executor",
    "Fail",
    "Finish",
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
    "Pipeline",
    "PipelineConfig",
    "Principle",
    "PrincipleVerdict",
    "ReAct",
    "ReActConfig",
    "Reflection",
    "ReflectionConfig",
    "Review",
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
    "decide_constitutional",
    "decide_debate",
    "decide_iterative_refinement",
    "decide_map_reduce",
    "decide_pipeline",
    "decide_react",
    "decide_reflection",
    "decide_socratic",
]
