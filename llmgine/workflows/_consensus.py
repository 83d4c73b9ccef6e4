"""Consensus: proposers propose, voters vote, round after round until they agree.

Each round every proposer proposes at once (from the second round on, seeing the last
round's proposals and votes), then every voter votes at once on the numbered proposals,
whose authors are not named. A vote is a structured reply, ``{"proposal": N}`` (``null``
abstains, when abstention is allowed), read strictly: anything else is a malformed ballot,
recorded as such and never counted, and so is a failed voter call. Abstentions leave the
count; malformed and failed ballots stay in it, counted for no proposal.

The strategies differ in when a round agrees:

- ``majority``: one proposal has more than ``min_agreement`` of the ballots;
- ``weighted``: the same, each voter's ballot weighing ``weights[voter]`` (default 1);
- ``unanimous``: every ballot that does not abstain is a vote for the same proposal.

The first round that agrees ends the run with the winning proposal. After ``max_rounds``
without agreement the run either ends with the last round's leader, marked
``consensus: false`` (``on_no_agreement="plurality"``, ties going to the lower number), or
fails. A failed proposal is left out of the vote; a round in which every proposal failed
fails the run. ``iterations`` counts rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from llmgine.workflows._executors import Executor
from llmgine.workflows._plan import AgentStep, Decision, Fail, Finish, RunSteps, tagged
from llmgine.workflows._replies import Malformed, StrictReply, ask_for, read_reply
from llmgine.workflows._results import StepRecord
from llmgine.workflows._workflow import Workflow, WorkflowConfigError, named, unique_roles

PROPOSE, VOTE = "propose", "vote"


class ConsensusConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    strategy: Literal["majority", "weighted", "unanimous"] = "majority"
    min_agreement: float = Field(default=0.5, ge=0, lt=1)
    """The share of the ballots (or of their weight) a proposal must pass to win."""
    weights: dict[str, float] = Field(default_factory=dict)
    """Each voter's weight in the weighted strategy (voters not named weigh 1)."""
    max_rounds: int = Field(default=3, ge=1)
    allow_abstention: bool = False
    """Let a voter abstain with ``{"proposal": null}`` (otherwise that ballot is malformed)."""
    max_parallel: int | None = Field(default=None, gt=0)
    """Proposer or voter calls at once (None: all, within the runtime's limit)."""
    on_no_agreement: Literal["plurality", "fail"] = "plurality"

    @model_validator(mode="after")
    def _consistent(self) -> ConsensusConfig:
        if self.strategy == "weighted" and not self.weights:
            raise ValueError("the weighted strategy needs weights: {voter name: weight}")
        if self.weights and self.strategy != "weighted":
            raise ValueError(f"weights apply to the weighted strategy only, not {self.strategy!r}")
        if any(not weight > 0 for weight in self.weights.values()):
            raise ValueError("every weight must be above 0")
        if self.strategy == "unanimous" and "min_agreement" in self.model_fields_set:
            raise ValueError("min_agreement does not apply to the unanimous strategy")
        return self


class Ballot(StrictReply):
    proposal: int | None
    reason: str = ""


BallotStatus = Literal["counted", "abstained", "malformed", "failed"]


@dataclass(frozen=True, slots=True)
class Tally:
    """The votes of one round: per proposal number, the votes (or weight) it got."""

    counts: dict[int, float]
    ballots: list[dict[str, JsonValue]]
    share: float
    leader: int | None
    agreed: bool


def decide_consensus(
    config: ConsensusConfig,
    proposers: Sequence[str],
    voters: Sequence[str],
    task: str,
    steps: Sequence[StepRecord],
) -> Decision:
    """The next proposals, the votes on them, or the end."""
    current = max((int(step.tags["round"]) for step in steps), default=0)
    if current == 0:
        return _propose(config, proposers, task, steps, 1)
    round_ = tagged(steps, "round", current)
    proposals = [step for step in tagged(round_, "stage", PROPOSE) if step.ok]
    if not proposals:
        return Fail(f"every proposal of round {current} failed")
    votes = tagged(round_, "stage", VOTE)
    if not votes:
        prompt = _vote_prompt(config, task, proposals, current)
        return RunSteps(
            tuple(
                AgentStep(v, prompt, {"round": current, "stage": VOTE, "iteration": current})
                for v in voters
            ),
            config.max_parallel,
        )
    tally = count_votes(config, len(proposals), votes)
    metadata: dict[str, JsonValue] = {
        "rounds": current,
        "strategy": config.strategy,
        "consensus": tally.agreed,
        "agreement": round(tally.share, 6),
        "ballots": [b for n in range(1, current + 1) for b in _ballots_of(config, steps, n)],
    }
    if not tally.agreed and current < config.max_rounds:
        return _propose(config, proposers, task, steps, current + 1)
    if tally.leader is None:
        return Fail(f"no proposal got a vote in round {current}", metadata)
    winner = proposals[tally.leader - 1]
    metadata |= {"winner": winner.role, "proposal": tally.leader}
    if not tally.agreed and config.on_no_agreement == "fail":
        return Fail(f"no agreement after {current} round(s)", metadata)
    return Finish(winner.output, metadata)


def count_votes(config: ConsensusConfig, proposals: int, votes: Sequence[StepRecord]) -> Tally:
    """How the ballots of one round fall, and whether they agree."""
    counts: dict[int, float] = {}
    ballots: list[dict[str, JsonValue]] = []
    total = 0.0
    for step in votes:
        vote, status = _read_ballot(config, step, proposals)
        ballots.append(
            {"round": step.tags["round"], "voter": step.role, "vote": vote, "status": status}
        )
        if status == "abstained":
            continue
        weight = config.weights.get(step.role, 1.0) if config.strategy == "weighted" else 1.0
        total += weight
        if vote is not None:
            counts[vote] = counts.get(vote, 0.0) + weight
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    leader = ranked[0][0] if ranked else None
    share = ranked[0][1] / total if ranked else 0.0
    unique = len(ranked) == 1 or (len(ranked) > 1 and ranked[0][1] > ranked[1][1])
    if config.strategy == "unanimous":
        agreed = bool(ranked) and share == 1.0
    else:
        agreed = bool(ranked) and unique and share > config.min_agreement
    return Tally(counts, ballots, share, leader, agreed)


def _read_ballot(
    config: ConsensusConfig, step: StepRecord, proposals: int
) -> tuple[int | None, BallotStatus]:
    if not step.ok:
        return None, "failed"
    ballot = read_reply(step, Ballot)
    if isinstance(ballot, Malformed):
        return None, "malformed"
    if ballot.proposal is None:
        return None, "abstained" if config.allow_abstention else "malformed"
    if not 1 <= ballot.proposal <= proposals:
        return None, "malformed"
    return ballot.proposal, "counted"


def _ballots_of(
    config: ConsensusConfig, steps: Sequence[StepRecord], round_: int
) -> list[dict[str, JsonValue]]:
    in_round = tagged(steps, "round", round_)
    proposals = len([s for s in tagged(in_round, "stage", PROPOSE) if s.ok])
    return count_votes(config, proposals, tagged(in_round, "stage", VOTE)).ballots


def _propose(
    config: ConsensusConfig,
    proposers: Sequence[str],
    task: str,
    steps: Sequence[StepRecord],
    round_: int,
) -> RunSteps:
    earlier = ""
    if round_ > 1:
        last = tagged(steps, "round", round_ - 1)
        proposals = [s for s in tagged(last, "stage", PROPOSE) if s.ok]
        counts = count_votes(config, len(proposals), tagged(last, "stage", VOTE)).counts
        listing = "\n\n".join(
            f"Proposal {n} ({counts.get(n, 0):g} votes):\n{p.output}"
            for n, p in enumerate(proposals, 1)
        )
        earlier = (
            f"Round {round_ - 1} reached no agreement. Its proposals and votes:\n\n{listing}"
            "\n\nPropose again, revised in the light of the other proposals and the votes.\n\n"
        )
    return RunSteps(
        tuple(
            AgentStep(
                name,
                f"Problem: {task}\n\nYou are {name}. {earlier}Propose a solution: specific "
                "and actionable.",
                {"round": round_, "stage": PROPOSE, "iteration": round_},
            )
            for name in proposers
        ),
        config.max_parallel,
    )


def _vote_prompt(
    config: ConsensusConfig, task: str, proposals: Sequence[StepRecord], round_: int
) -> str:
    listing = "\n\n".join(f"Proposal {n}:\n{p.output}" for n, p in enumerate(proposals, 1))
    abstain = " If none is acceptable, abstain with null." if config.allow_abstention else ""
    return (
        f"Problem: {task}\n\nThe proposals of round {round_}:\n\n{listing}\n\nVote for the "
        f"proposal that best solves the problem.{abstain}\n"
        + ask_for('{"proposal": <its number>, "reason": "<one sentence>"}')
    )


class Consensus(Workflow[ConsensusConfig]):
    """``proposers`` (executors, or ``(name, executor)`` pairs, at least two) propose;
    ``voters`` (default: the proposers) vote."""

    pattern = "consensus"

    def __init__(
        self,
        proposers: Sequence[Executor | tuple[str, Executor]],
        voters: Sequence[Executor | tuple[str, Executor]] | None = None,
        config: ConsensusConfig | None = None,
        *,
        name: str | None = None,
        description: str = "",
    ) -> None:
        config = config or ConsensusConfig()
        proposing = named(proposers)
        if len(proposing) < 2:
            raise WorkflowConfigError(
                f"a consensus needs at least two proposers, got {len(proposing)}"
            )
        unique_roles("proposer", [n for n, _ in proposing])
        voting = proposing if voters is None else named(voters)
        if not voting:
            raise WorkflowConfigError("a consensus needs at least one voter")
        unique_roles("voter", [n for n, _ in voting])
        roles = dict(proposing)
        for voter, executor in voting:
            if roles.setdefault(voter, executor) is not executor:
                raise WorkflowConfigError(
                    f"a proposer and a voter are both named {voter!r}; name them apart"
                )
        unknown = sorted(set(config.weights) - {n for n, _ in voting})
        if unknown:
            raise WorkflowConfigError(f"weights name no voter: {', '.join(map(repr, unknown))}")
        super().__init__(config, roles, name=name, description=description)
        self.proposers = tuple(n for n, _ in proposing)
        self.voters = tuple(n for n, _ in voting)

    def decide(self, task: str, steps: Sequence[StepRecord]) -> Decision:
        return decide_consensus(self.config, self.proposers, self.voters, task, steps)
