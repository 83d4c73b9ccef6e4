"""Validation in code: every rule of the notation, checked on the model, with a code, the
node, the place in the text and a suggestion for each problem found.

``validate`` takes a model, a ``Document`` (a model with the places it was read from) or
text in any form we read; text that cannot be read gives one E100 issue instead of an
exception, so a caller always gets a report.
"""

from __future__ import annotations

from collections.abc import Mapping

from llmgine.gmn._advice import check_advice, check_state_preferences, check_unused
from llmgine.gmn._check_arrays import check_links, check_vectors
from llmgine.gmn._check_sizes import check_constraints, check_variables
from llmgine.gmn._check_structure import (
    check_dependencies,
    check_names,
    check_references,
    check_required,
    check_single_models,
)
from llmgine.gmn._context import Constraints, Context
from llmgine.gmn._errors import GMNSyntaxError, SourceMap
from llmgine.gmn._load import Document, load
from llmgine.gmn._model import GMNModel
from llmgine.gmn._report import Issue, ValidationReport

DEFAULT_TOLERANCE = 1e-3
"""How far from 1 a distribution's sum may be; ``compile`` rescales what passes."""

_CHECKS = (
    check_names,
    check_required,
    check_references,
    check_single_models,
    check_dependencies,
    check_variables,
    check_constraints,
    check_links,
    check_vectors,
    check_state_preferences,
    check_advice,
    check_unused,
)


def validate(
    spec: GMNModel | Document | str,
    *,
    constraints: Constraints | Mapping[str, int] | None = None,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ValidationReport:
    """Check ``spec`` against every rule; the report lists errors first, then warnings."""
    if isinstance(spec, str):
        try:
            spec = load(spec)
        except GMNSyntaxError as exc:
            return ValidationReport(issues=(syntax_issue(exc),))
    model, source = (spec.model, spec.source) if isinstance(spec, Document) else (spec, SourceMap())
    limits = (
        constraints if isinstance(constraints, Constraints) else Constraints(**(constraints or {}))
    )
    ctx = Context(model, source, limits, tolerance)
    for check in _CHECKS:
        check(ctx)
    ordered = sorted(ctx.issues, key=lambda issue: issue.severity != "error")
    return ValidationReport(issues=tuple(ordered))


def syntax_issue(exc: GMNSyntaxError) -> Issue:
    """A syntax error as the E100 issue of a report."""
    return Issue(
        code="E100",
        message=exc.message,
        suggestion="fix the text at that place; docs/gmn.md has the grammar",
        line=exc.line,
        column=exc.column,
    )
