"""Reading a model from any of the forms we accept, chosen from the text itself.

``{`` starts JSON: a document with ``"nodes"`` is FreeAgentics' JSON graph, any other is
our JSON form. A line that is a section header (``[nodes]``) makes the sections form. Anything else
is the node-block text form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from llmgine.gmn._errors import SourceMap
from llmgine.gmn._graph import graph_to_model
from llmgine.gmn._jsonform import decode, from_data
from llmgine.gmn._model import GMNModel
from llmgine.gmn._parse import parse_located
from llmgine.gmn._sections import read_json_graph, read_sections

Form = Literal["text", "sections", "json", "json-graph"]

_SECTION_HEADER = re.compile(r"^\s*\[\w+\]\s*(#.*)?$", re.MULTILINE)
_FIRST_WORD = re.compile(r"^(?:\s*(?:#[^\n]*)?\n)*\s*(\S)")


@dataclass(frozen=True)
class Document:
    """A model as read from text: its form and where its nodes were written."""

    model: GMNModel
    form: Form
    source: SourceMap = field(default_factory=SourceMap)


def detect_form(text: str) -> Form:
    """Which form ``text`` is written in, from its first character and section headers."""
    first = _FIRST_WORD.match(text)
    if first is not None and first.group(1) == "{":
        return "json-graph" if '"nodes"' in text else "json"
    return "sections" if _SECTION_HEADER.search(text) else "text"


def load(text: str) -> Document:
    """Read ``text`` in whichever form it is written; raises ``GMNSyntaxError``."""
    form = detect_form(text)
    if form == "text":
        model, source = parse_located(text)
        return Document(model, form, source)
    if form == "sections":
        model, source = graph_to_model(read_sections(text))
        return Document(model, form, source)
    data = decode(text)
    if form == "json-graph" and isinstance(data, dict) and "nodes" in data:
        model, source = graph_to_model(read_json_graph(data))
        return Document(model, form, source)
    return Document(from_data(data), "json")
