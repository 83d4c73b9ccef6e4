"""What the generator says to a language model: the notation, the task, the errors.

The system prompt teaches the text form as the parser reads it and the rules validation
checks (matrix axes, normalisation, what pymdp can run), with one complete valid example,
so that a first answer has a fair chance to be valid. The model is asked for one fenced
``gmn`` block; nothing asks it to stop at a fence (a stop sequence of three backticks
would cut such an answer off before it starts). The repair message quotes each error with
its place and hint, as ``llmgine gmn validate`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import JsonValue

from llmgine.gmn._report import Issue, ValidationReport
from llmgine.gmn._templates import AgentType

_NOTATION = """\
You write generative models for active-inference agents in GMN (Generative Model Notation):
a discrete POMDP that the pymdp library runs.

A GMN text is a list of nodes, `node <type> <name> { key: value ... }`, with `#` comments.
Names are identifiers, unique across all nodes. Node types and their keys:
- `state`, `observation`, `action`: `size` (number of values), `labels` (one per value),
  `description`; a state also takes `initial`, its prior over the first step (sums to 1).
- `transition`: `from: [<state>, <action>]`, `to: <the same state>`, `matrix`,
  `stochastic: true` or `deterministic: true`, `description`.
- `emission`: `from: <state>` or `[<state>, ...]`, `to: <observation>`, `matrix`.
- `preference`: `observation: <observation>` and `values`, one relative log-preference
  per observation value (higher is wanted more, negative is avoided).

Matrices have one axis per name in `from`, in that order, then the axis of `to`; every
innermost row is a probability distribution over `to` and sums to 1. So a transition from
[pos (3), move (2)] to pos is 3 x 2 x 3, and an emission from pos (3) to cue (4) is 3 x 4.
Instead of numbers a transition may say `matrix: "identity"` or `"uniform"`, or
`matrix: "grid"` with `grid: [rows, columns]` for moves on a grid whose cells, numbered
row by row, are the values of the state (its action has the values up, down, left, right
and optionally stay).

pymdp can run a model only if: every state has 2 or more values; each transition moves one
state and depends on that state and at most one action; an action drives one state; there
is at least one state, one action, one observation and one emission.

An example of a complete, valid spec:

```gmn
node state pos {
    size: 3
    labels: [left, middle, right]
    initial: [1.0, 0.0, 0.0]
    description: "Where the agent stands"
}
node observation cue {
    size: 3
    description: "A noisy view of the position"
}
node action move {
    size: 3
    labels: [go_left, stay, go_right]
}
node transition T_pos {
    from: [pos, move]
    to: pos
    deterministic: true
    matrix: [[[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
             [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
             [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]]
}
node emission E_cue {
    from: pos
    to: cue
    stochastic: true
    matrix: [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]
}
node preference C_cue {
    observation: cue
    values: [0.0, 0.0, 2.0]
}
```
"""

_AGENT_HINTS: dict[AgentType, str] = {
    "explorer": (
        "The agent explores space: a position state over the cells of a grid, a move action "
        "(up, down, left, right, stay) that changes it by the grid rule, a noisy observation "
        "of the position, and preferences for goal cells and against dangerous ones."
    ),
    "trader": (
        "The agent trades: a market state (falling, steady, rising) that changes on its own, "
        "a holding state (out, in) changed by a trade action (buy, sell, hold), observations "
        "of the price signal and of profit or loss, and a preference for profit over loss."
    ),
    "coordinator": (
        "The agent coordinates a team: a state for which member holds the task, changed by "
        "an assign action, a state for the task's progress, observations of workload and of "
        "status reports, and preferences for light workloads and finished tasks."
    ),
    "general": "",
}

_ANSWER = (
    "Answer with the whole spec in one fenced block that starts with ```gmn, and nothing "
    "else: the block is read by a parser and checked by a validator."
)


def system_prompt(
    agent_type: AgentType, constraints: Mapping[str, JsonValue], examples: Sequence[str]
) -> str:
    """The notation and rules, the agent type's usual parts, constraints and examples."""
    parts = [_NOTATION]
    if _AGENT_HINTS[agent_type]:
        parts.append(f"Agent type: {agent_type}. {_AGENT_HINTS[agent_type]}")
    if constraints:
        lines = "\n".join(f"- {key}: {value}" for key, value in constraints.items())
        parts.append(
            "Constraints (max_states, max_actions and max_observations bound the size of "
            f"every state, action and observation):\n{lines}"
        )
    for number, example in enumerate(examples, 1):
        parts.append(f"Reference example {number}:\n```gmn\n{example.strip()}\n```")
    parts.append(_ANSWER)
    return "\n\n".join(parts)


def generation_request(prompt: str) -> str:
    return f"Write the GMN spec of this agent:\n\n{prompt.strip()}\n\n{_ANSWER}"


def refinement_request(spec: str, report: ValidationReport, feedback: str) -> str:
    """Ask for ``spec`` changed as ``feedback`` says, its current errors fixed."""
    found = (
        f"\n\nThe validator finds these problems in it now:\n{issue_lines(report.issues)}"
        if report.issues
        else ""
    )
    return (
        f"Here is a GMN spec:\n\n```gmn\n{spec.strip()}\n```{found}\n\n"
        f"Change it as this feedback asks:\n\n{feedback.strip()}\n\n"
        "Keep the agent's intent and everything the feedback does not ask to change: its "
        "names, sizes and preferences. Fix any problem listed above as well. " + _ANSWER
    )


def repair_request(report: ValidationReport) -> str:
    """Send the errors of the last answer back, asking for the whole spec again."""
    return (
        f"The validator found {len(report.errors)} error(s) in that spec:\n"
        f"{issue_lines(report.errors)}\n\n"
        "Write the whole spec again with these fixed, keeping everything else. " + _ANSWER
    )


def issue_lines(issues: Sequence[Issue]) -> str:
    """One line per issue: place, code, message, and the hint."""
    return "\n".join(f"- {issue_text(issue)}" for issue in issues)


def issue_text(issue: Issue) -> str:
    """``line 4, column 9: E203 message (hint: ...)``; without a place when none is known."""
    place = f"line {issue.line}, column {issue.column}: " if issue.line is not None else ""
    return f"{place}{issue.code} {issue.message} (hint: {issue.suggestion})"
