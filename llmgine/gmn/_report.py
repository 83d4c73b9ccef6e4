"""What validation finds: issues with a code, and the report that lists them.

Codes starting with ``E`` are errors (``compile`` refuses the model); ``W`` are warnings
(it compiles, with the default the warning names). ``CODES`` is the one list of them;
docs/gmn.md has a row for each, and a test keeps the two equal.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning"]

CODES: dict[str, str] = {
    "E100": "the text cannot be read as GMN",
    "E101": "two nodes share a name",
    "E102": "a name is not an identifier",
    "E103": "a name refers to no node",
    "E104": "a name refers to a node of the wrong kind",
    "E105": "no state factor",
    "E106": "no action",
    "E107": "no transition and no emission",
    "E108": "no observation",
    "E109": "two transitions for one state factor, or two emissions for one observation",
    "E110": "a dependency pymdp cannot express",
    "E111": "a preference names neither or both of state and observation",
    "E112": "a preference over states with no emission to read it through",
    "E113": "a continuous variable",
    "E114": "a state factor of one value",
    "E201": "a size that is not positive",
    "E202": "labels that do not match the size",
    "E203": "a matrix whose shape does not follow from its sizes",
    "E204": "preference values of the wrong length",
    "E205": "an initial prior of the wrong length",
    "E206": "an unknown rule name",
    "E207": "a rule that does not fit its variables",
    "E208": "a size above the constraints",
    "E209": "a transition or emission without a matrix",
    "E301": "a probability that is negative or not finite",
    "E302": "probabilities that do not sum to 1",
    "E303": "a deterministic matrix with a row that is not one-hot",
    "E304": "a preference value that is not finite",
    "W101": "no preferences",
    "W102": "a state factor without an initial prior",
    "W103": "a transition that says neither stochastic nor deterministic",
    "W104": "no descriptions",
    "W105": "an observation without an emission",
    "W106": "a state factor without a transition",
    "W107": "an action that drives no state factor",
    "W108": "a transition matrix without its action's axis",
    "W109": "a preference over states, read through an emission",
}
"""Every code and what it means, errors first."""


class Issue(BaseModel):
    """One problem: its code, the node and field it is about, where it was written (when
    the model came from text), and what to do about it."""

    model_config = ConfigDict(frozen=True)

    code: str
    message: str
    """What is wrong, naming the node and key; ``field`` is the text key (``from``)."""
    suggestion: str
    node: str | None = None
    field: str | None = None
    line: int | None = None
    column: int | None = None

    @property
    def severity(self) -> Severity:
        return "error" if self.code.startswith("E") else "warning"


class ValidationReport(BaseModel):
    """Everything validation found; ``ok`` when there is no error (warnings allowed)."""

    model_config = ConfigDict(frozen=True)

    issues: tuple[Issue, ...] = ()

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> list[str]:
        """The codes found, in order, repeats included."""
        return [issue.code for issue in self.issues]
