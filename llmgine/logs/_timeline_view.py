"""How a timeline is shown: each step folded into one entry a reader can take in.

``timeline_entry`` folds a model call's started and completed events into one line with its
model, tokens and latency; a tool call's events into its arguments and its result or error;
a turn's completed event into its answer; the bus's lifecycle events of a command into that
command's outcome. A workflow run folds its started and terminal events into one line (how
it ended, its steps, tokens, cost), and each of its steps its finished event; under a step
come its agent call (a turn, labelled ``agent``), nested run or tool call. Steps of types
it does not know are shown by type and fields.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from llmgine.logs._describe import (
    Fields,
    describe_record,
    format_arguments,
    format_ms,
    format_tokens,
    quoted,
    shorten,
)
from llmgine.logs._timeline import SessionTimeline, TimelineStep

_FOLDED_INTO = {
    "CallLLMCommand": frozenset(
        {"LLMCallStartedEvent", "LLMCallCompletedEvent", "LLMCallFailedEvent", "ResponseDeltaEvent"}
    ),
    "ExecuteToolCommand": frozenset({"ToolCallCompletedEvent", "ToolCallFailedEvent"}),
    "PromptCommand": frozenset({"ResponseDeltaEvent"}),
    "RunWorkflowCommand": frozenset(
        {
            "WorkflowStartedEvent",
            "WorkflowCompletedEvent",
            "WorkflowFailedEvent",
            "WorkflowCancelledEvent",
            "WorkflowTimedOutEvent",
            "WorkflowBudgetExceededEvent",
        }
    ),
    "WorkflowStepStartedEvent": frozenset(
        {"WorkflowStepCompletedEvent", "WorkflowStepFailedEvent"}
    ),
}


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline as shown, and the lines under it.

    ``label`` says what it is (``"turn 1"``, ``"llm"``, ``"tool"``, ``"answer"``,
    ``"command"``, ``"event"``...), ``title`` which one (the prompt, the model, the call),
    ``ok`` how it ended (``None``: not a command, or no result in the log), ``facts`` its
    measures (duration, tokens...), ``outcome`` the tool's result or the error.
    """

    label: str
    title: str
    ok: bool | None = None
    facts: tuple[str, ...] = ()
    outcome: str = ""
    children: tuple[TimelineEntry, ...] = ()


def timeline_entry(
    step: TimelineStep, limit: int | None = 80, label: str = "", *, depth: int | None = None
) -> TimelineEntry:
    """What ``step`` shows: texts cut to ``limit`` characters (``None``: whole), with the
    entries of its shown children down to ``depth`` levels (``None``: all; ``0``: none, for
    a reader that opens a large tree one level at a time through ``shown_children``)."""
    build = _ENTRIES.get(step.type, _other)
    below = None if depth is None else depth - 1
    shown = shown_children(step) if depth is None or depth > 0 else []
    children = tuple(timeline_entry(c, limit, depth=below) for c in shown)
    entry = replace(build(step, limit), children=children)
    if step.record.kind == "command" and step.result is None and entry.ok is None:
        entry = replace(entry, facts=(*entry.facts, "no result in the log"))
    return replace(entry, label=label) if label else entry


def bookkeeping(step: TimelineStep) -> bool:
    """Whether ``step`` is a record the bus keeps for itself that says nothing went wrong: a
    session opening or closing cleanly, a metrics report, a stop that lost nothing."""
    data = Fields(step.record.data)
    if step.type == "SessionStartedEvent" or step.type == "MetricsReportedEvent":
        return True
    if step.type == "SessionEndedEvent":
        return not data.text("error")
    if step.type == "BusStoppedEvent":
        lost = data.number("undelivered") or data.number("commands_in_flight")
        return not lost and step.record.data.get("timed_out") is not True
    return False


def session_entries(timeline: SessionTimeline, limit: int | None = 80) -> list[TimelineEntry]:
    """The top-level entries of a session, turns numbered from 1; the bus's bookkeeping is
    left out unless it reports a problem (a session ended by an error, a stop that lost
    events)."""
    entries = []
    turn = 0
    for step in timeline.steps:
        if bookkeeping(step):
            continue
        if step.type == "PromptCommand":
            turn += 1
        entries.append(timeline_entry(step, limit, f"turn {turn}" * (step.type == "PromptCommand")))
    return entries


def shown_children(step: TimelineStep) -> list[TimelineStep]:
    """The children of ``step`` that are entries of their own: those folded into its entry
    (a model call's events, a tool call's, the bus's lifecycle events of a command) are not.
    """
    folded = _FOLDED_INTO.get(step.type, frozenset())
    run_calls = {
        Fields(Fields(c.record.data).mapping("call")).text("id")
        for c in step.children
        if c.type == "ExecuteToolCommand"
    } - {""}
    shown = []
    for child in step.children:
        if child.type in folded or step.owns(child):
            continue
        requested = child.type == "ToolCallRequestedEvent"
        if requested and Fields(child.record.data).text("call_id") in run_calls:
            continue  # shown by the tool call that ran it
        shown.append(child)
    return shown


def _duration(step: TimelineStep) -> tuple[str, ...]:
    took = step.duration_ms
    return () if took is None else (format_ms(took),)


def _error(step: TimelineStep, limit: int | None) -> str:
    if step.result is None or step.succeeded:
        return ""
    return _error_text(Fields(step.result.data).text("error", "failed"), limit)


def _error_text(text: str, limit: int | None) -> str:
    """Errors are what a reader of a failed run looks for: they get twice the room."""
    return shorten(text, None if limit is None else 2 * limit)


def _turn(step: TimelineStep, limit: int | None) -> TimelineEntry:
    facts = list(_duration(step))
    answer = step.child("ResponseCompletedEvent")
    summary = Fields(answer.record.data) if answer else None
    if summary is None and step.result is not None:
        summary = Fields(Fields(step.result.data).mapping("result"))
    if summary is not None:
        rounds = summary.number("rounds")
        if rounds is not None:
            facts.append(f"{rounds:.0f} round" + "s" * (rounds != 1))
        tokens = summary.tokens()
        if tokens:
            facts.append(format_tokens(*tokens))
    command = Fields(step.record.data)
    title = quoted(command.text("prompt"), limit)
    agent = Fields(command.mapping("metadata")).text("agent")
    label = "agent" if agent else "turn"
    title = f"{agent} {title}" if agent else title
    return TimelineEntry(label, title, step.succeeded, tuple(facts), _error(step, limit))


def _llm(step: TimelineStep, limit: int | None) -> TimelineEntry:
    command = Fields(step.record.data)
    completed = step.child("LLMCallCompletedEvent")
    failed = step.child("LLMCallFailedEvent")
    done = Fields((completed or failed or step).record.data)
    title = f"{done.text('model') or command.text('model', '?')} round {command.text('round', '?')}"
    latency = done.number("latency_ms")
    facts = [format_ms(latency)] if latency is not None else list(_duration(step))
    if completed is not None:
        tokens = done.tokens()
        if tokens:
            facts.append(format_tokens(*tokens))
        facts.append(done.text("finish_reason", "?"))
        return TimelineEntry("llm", title, True, tuple(facts))
    if failed is not None:
        error = f"{done.text('error_type')}: {done.text('error')}"
        return TimelineEntry("llm", title, False, tuple(facts), _error_text(error, limit))
    return TimelineEntry("llm", title, step.succeeded, tuple(facts), _error(step, limit))


def _tool(step: TimelineStep, limit: int | None) -> TimelineEntry:
    call = Fields(Fields(step.record.data).mapping("call"))
    title = f"{call.text('name', '?')}({format_arguments(call.data.get('arguments', ''), limit)})"
    completed = step.child("ToolCallCompletedEvent")
    failed = step.child("ToolCallFailedEvent")
    ok: bool | None
    if completed is not None or failed is not None:
        ok = completed is not None
        outcome = Fields((completed or failed or step).record.data)
    else:  # no tool events in the log: read the ToolResult the command returned
        outcome = Fields(Fields(step.result.data).mapping("result") if step.result else {})
        ok = step.succeeded and outcome.data.get("error_kind") is None
    took = outcome.number("duration_ms")
    facts = (format_ms(took),) if took is not None else _duration(step)
    if ok or ok is None:
        text = outcome.text("result") or outcome.text("content")
        return TimelineEntry("tool", title, ok, facts, shorten(text, limit))
    kind = outcome.text("error_kind")
    error = f"{kind}: {outcome.text('error')}" if kind else _error(step, limit)
    return TimelineEntry("tool", title, ok, facts, _error_text(error, limit))


def _answer(step: TimelineStep, limit: int | None) -> TimelineEntry:
    answer = Fields(step.record.data)
    finish = answer.text("finish_reason")
    facts = (f"finish {finish}",) if finish and finish != "stop" else ()
    return TimelineEntry("answer", quoted(answer.text("content"), limit), None, facts)


def _requested(step: TimelineStep, limit: int | None) -> TimelineEntry:
    return TimelineEntry("tool", describe_record(step.record, limit), None, ("not run",))


def _cancelled(step: TimelineStep, limit: int | None) -> TimelineEntry:
    return TimelineEntry("cancelled", describe_record(step.record, limit), False)


def _failure(step: TimelineStep, limit: int | None) -> TimelineEntry:
    return TimelineEntry("failure", f"{step.type}: {describe_record(step.record, limit)}", False)


def _other(step: TimelineStep, limit: int | None) -> TimelineEntry:
    text = describe_record(step.record, limit)
    title = f"{step.type} {text}" if text else step.type
    if step.record.kind == "command":
        return TimelineEntry("command", title, step.succeeded, _duration(step), _error(step, limit))
    return TimelineEntry(step.record.kind, title)


def _run(step: TimelineStep, limit: int | None) -> TimelineEntry:
    """A workflow run: its name, input, how it ended, what it spent."""
    command = Fields(step.record.data)
    started = step.child("WorkflowStartedEvent")
    pattern = Fields(started.record.data).text("pattern") if started else ""
    name = command.text("workflow", "?")
    title = f"{name} ({pattern})" if pattern and pattern != name else name
    title += " " + quoted(command.text("input"), limit)
    ending = next((c for c in step.children if c.type in _RUN_ENDINGS), None)
    if ending is None:
        return TimelineEntry(
            "workflow", title, step.succeeded, _duration(step), _error(step, limit)
        )
    end = Fields(ending.record.data)
    reason = end.text("reason", "?")
    usage = Fields(end.mapping("usage"))
    facts = [format_ms(end.number("duration_ms") or 0.0), f"{usage.number('steps') or 0:.0f} steps"]
    calls = usage.number("model_calls")
    if calls:
        facts.append(f"{calls:.0f} model call" + "s" * (calls != 1))
    tokens = usage.tokens("tokens")
    if tokens:
        facts.append(format_tokens(*tokens))
    cost = usage.number("cost_usd")
    if cost is not None:
        facts.append(f"${cost:.6f}")
    if reason == "completed":
        answer = Fields(end.mapping("output")).text("text")
        return TimelineEntry("workflow", title, True, tuple(facts), quoted(answer, limit))
    why = end.text("error") or end.text("detail")
    outcome = _error_text(f"{reason.replace('_', ' ')}: {why}" if why else reason, limit)
    return TimelineEntry("workflow", title, False, tuple(facts), outcome)


def _workflow_step(step: TimelineStep, limit: int | None) -> TimelineEntry:
    """A step of a run: who was called, in which part, how it went (the answer is shown
    by the call under it)."""
    started = Fields(step.record.data)
    number = started.number("step")
    kind = started.text("step_kind")
    executor, role = started.text("executor", "?"), started.text("role")
    title = f"tool {executor}" if kind == "tool" else executor
    if role and role.lower() not in (executor.lower(), "tool"):
        title += f" as {role}"
    tags = {k: v for k, v in started.mapping("tags").items() if k != "iteration"}
    if tags:
        title += " (" + ", ".join(f"{k} {v}" for k, v in tags.items()) + ")"
    label = f"step {number:.0f}" if number is not None else "step"
    done = next((c for c in step.children if c.type in _STEP_ENDINGS), None)
    if done is None:
        return TimelineEntry(label, title, None, ("no end in the log",))
    end = Fields(done.record.data)
    facts = [format_ms(end.number("duration_ms") or 0.0)]
    tokens = end.tokens()
    if tokens and any(tokens):
        facts.append(format_tokens(*tokens))
    if done.type == "WorkflowStepCompletedEvent":
        return TimelineEntry(label, title, True, tuple(facts))
    kind_of = end.text("error_kind")
    error = f"{end.text('status')}: {end.text('error')}"
    return TimelineEntry(
        label,
        title,
        False,
        tuple(facts),
        _error_text(f"{error} ({kind_of})" if kind_of else error, limit),
    )


_RUN_ENDINGS = _FOLDED_INTO["RunWorkflowCommand"] - {"WorkflowStartedEvent"}
_STEP_ENDINGS = _FOLDED_INTO["WorkflowStepStartedEvent"]

_ENTRIES = {
    "RunWorkflowCommand": _run,
    "WorkflowStepStartedEvent": _workflow_step,
    "PromptCommand": _turn,
    "CallLLMCommand": _llm,
    "ExecuteToolCommand": _tool,
    "ResponseCompletedEvent": _answer,
    "ToolCallRequestedEvent": _requested,
    "TurnCancelledEvent": _cancelled,
    "HandlerFailedEvent": _failure,
    "HookFailedEvent": _failure,
}
