"""``load`` reads every form: node text, our JSON, and FreeAgentics' sections and JSON
graphs, whose arrays come in pymdp's orientation and are turned into the notation's."""

from __future__ import annotations

import json

import pytest

from llmgine.gmn import GMNSyntaxError, detect_form, load, render, validate
from tests.gmn._specs import FREEAGENTICS_SECTIONS, FREEAGENTICS_TEXT


@pytest.mark.parametrize(
    ("text", "form"),
    [
        (FREEAGENTICS_TEXT, "text"),
        (FREEAGENTICS_SECTIONS, "sections"),
        ('\n  {"states": []}', "json"),
        ('{"nodes": [], "edges": []}', "json-graph"),
        ("", "text"),
    ],
)
def test_the_form_is_read_from_the_text(text: str, form: str) -> None:
    assert detect_form(text) == form
    assert load(text).form == form


def test_freeagentics_sections_become_the_same_model_as_their_meaning() -> None:
    document = load(FREEAGENTICS_SECTIONS)
    model = document.model

    assert [(s.name, s.size, s.initial) for s in model.states] == [("pos", 3, (1.0, 0.0, 0.0))]
    assert [(v.name, v.size) for v in (*model.observations, *model.actions)] == [
        ("cue", 3),
        ("move", 3),
    ]
    transition, emission, preference = (
        model.transitions[0],
        model.emissions[0],
        model.preferences[0],
    )
    # FreeAgentics fills a missing B with identity and a missing A with uniform.
    assert (transition.from_, transition.to, transition.matrix) == (
        ("pos", "move"),
        "pos",
        "identity",
    )
    assert (emission.from_, emission.to, emission.matrix) == (("pos",), "cue", "uniform")
    assert (preference.observation, preference.values) == ("cue", (0.0, 0.0, 1.0))
    assert document.source.locate("goal") == (6, 1)
    assert validate(document).ok


def test_pymdp_oriented_matrices_are_turned_into_the_notations() -> None:
    graph = {
        "nodes": [
            {"id": "s", "type": "state", "properties": {"num_states": 2}},
            {"id": "o", "type": "observation", "properties": {"num_observations": 3}},
            {"id": "a", "type": "action", "properties": {"num_actions": 2}},
            # A[o][s]: observation first, columns sum to 1.
            {
                "id": "A",
                "type": "likelihood",
                "properties": {"matrix": [[0.7, 0.1], [0.2, 0.1], [0.1, 0.8]]},
            },
            # B[next][previous][action].
            {
                "id": "B",
                "type": "transition",
                "properties": {"matrix": [[[1, 0], [1, 0]], [[0, 1], [0, 1]]]},
            },
        ],
        "edges": [
            {"source": "s", "target": "A", "type": "depends_on"},
            {"source": "A", "target": "o", "type": "generates"},
            {"source": "s", "target": "B", "type": "depends_on"},
            {"source": "a", "target": "B", "type": "depends_on"},
        ],
    }
    model = load(json.dumps(graph)).model

    assert model.emissions[0].matrix == [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]
    # action 0 sends every state to 0, action 1 to 1: B[next][prev][a] -> [prev][a][next].
    assert model.transitions[0].matrix == [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 1.0]]]
    assert validate(model).ok


def test_the_flat_json_graph_spelling_reads_the_same() -> None:
    flat = {
        "nodes": [
            {"name": "pos", "type": "state", "num_states": 2, "initial_distribution": [0.5, 0.5]},
            {"name": "cue", "type": "observation", "num_observations": 2},
            {
                "name": "want",
                "type": "preference",
                "preferred_observation": 1,
                "preference_strength": 3,
            },
        ],
        "edges": [{"from": "want", "to": "cue", "type": "depends_on"}],
    }
    model = load(json.dumps(flat)).model

    assert model.states[0].initial == (0.5, 0.5)
    assert model.preferences[0].values == (0.0, 3.0)


def test_an_llm_query_keeps_its_links() -> None:
    sections = (
        "[nodes]\npos: state {num_states: 2}\ncue: observation {num_observations: 2}\n"
        'ask: llm_query {prompt_template: "Where next?",\n  trigger_condition: "on_observation"}\n'
        "[edges]\nask -> pos: updates\nask -> cue: queries\n"
    )
    query = load(sections).model.llm_queries[0]

    assert (query.prompt, query.updates, query.context) == ("Where next?", ("pos",), ("cue",))
    assert "node llm_query ask {" in render(load(sections).model)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[states]\n", "line 1, column 2: unknown section [states]"),
        (
            "pos: state {num_states: 2}\n[nodes]\n",
            "line 1, column 1: expected [nodes] before the first node",
        ),
        ("[nodes]\npos: state\n", "line 2, column 1: state 'pos' needs a whole number num_states"),
        ("[nodes]\np: policy {}\n", "line 2, column 1: policy node 'p' has no counterpart"),
        (
            "[nodes]\n[edges]\na -> b: depends_on\n",
            "line 3, column 1: edge a -> b names no node 'a'",
        ),
        ("[edges]\na -> : depends_on\n", "line 2, column 6: expected a node name after '->'"),
        ('{"nodes": [{"type": "state"}]}', 'nodes[0] has no "id" (or "name") string'),
        ('{"states": [{"name": "s"}]}', "states[0].size: Field required"),
        ('{"states": [', "line 1, column 13: not JSON"),
    ],
)
def test_errors_of_the_other_forms(text: str, message: str) -> None:
    with pytest.raises(GMNSyntaxError) as caught:
        load(text)

    assert str(caught.value).startswith(message)


def test_validate_turns_an_unreadable_text_into_one_e100_issue() -> None:
    report = validate("node state s {\n  size: 2\n")

    assert report.codes() == ["E100"]
    assert (report.issues[0].line, report.issues[0].column) == (3, 1)
    assert not report.ok
