"""What every check needs: the model, a name index, where things were written, and the
list of issues found so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from llmgine.gmn._errors import SourceMap
from llmgine.gmn._model import Action, GMNModel, Node, NodeKind, Observation, State
from llmgine.gmn._report import CODES, Issue


class Constraints(BaseModel):
    """Upper bounds on the size of each state factor, action and observation, as
    FreeAgentics' ``constraints`` (``max_states``, ``max_actions``) give them. Other keys
    are left out: FreeAgentics passes the same mapping to the model as free-form hints."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    max_states: int | None = None
    max_actions: int | None = None
    max_observations: int | None = None


@dataclass
class Context:
    model: GMNModel
    source: SourceMap
    constraints: Constraints
    tolerance: float
    issues: list[Issue] = field(default_factory=list)
    index: dict[str, tuple[NodeKind, Node]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind, node in self.model.nodes():
            self.index.setdefault(node.name, (kind, node))

    def add(
        self,
        code: str,
        message: str,
        suggestion: str,
        node: str | None = None,
        field: str | None = None,
    ) -> None:
        assert code in CODES, code
        place = self.source.locate(node, field)
        self.issues.append(
            Issue(
                code=code,
                message=message,
                suggestion=suggestion,
                node=node,
                field=field,
                line=place.line if place else None,
                column=place.column if place else None,
            )
        )

    def kind_of(self, name: str) -> NodeKind | None:
        found = self.index.get(name)
        return found[0] if found else None

    def state(self, name: str | None) -> State | None:
        node = self.index.get(name or "", (None, None))[1]
        return node if isinstance(node, State) else None

    def action(self, name: str) -> Action | None:
        node = self.index.get(name, (None, None))[1]
        return node if isinstance(node, Action) else None

    def observation(self, name: str | None) -> Observation | None:
        node = self.index.get(name or "", (None, None))[1]
        return node if isinstance(node, Observation) else None

    def sized(self, variable: State | Action | Observation | None) -> bool:
        """Whether a variable exists with a usable size, so arrays over it can be checked."""
        return variable is not None and variable.size > 0
