"""GMN documents the tests share: FreeAgentics' own examples, written as it writes them."""

from __future__ import annotations

FREEAGENTICS_TEXT = """\
node state s_pos {
    type: discrete
    size: 3
    description: "Corridor position (left, middle, right)"
}
node observation o_cue {
    type: discrete
    size: 3
}
node action a_move {
    type: discrete
    size: 3
    description: "left, stay, right"
}
node transition T_pos {
    from: [s_pos, a_move]
    to: s_pos
    stochastic: true
    matrix: [[0.9, 0.1, 0.0],
             [0.05, 0.9, 0.05],
             [0.0, 0.1, 0.9]]
}
node emission E_cue {
    from: s_pos
    to: o_cue
    matrix: [[0.8, 0.1, 0.1],
             [0.1, 0.8, 0.1],
             [0.1, 0.1, 0.8]]
}
node preference C_goal {
    state: s_pos
    values: [0.0, 0.0, 1.0]  # Prefer the right end
}
"""
"""The dialect-1 example that FreeAgentics' generator accepts."""

FREEAGENTICS_SECTIONS = """\
[nodes]
pos: state {num_states: 3}
cue: observation {num_observations: 3}
move: action {num_actions: 3}
pos_belief: belief {"vector": [1.0, 0.0, 0.0]}
goal: preference {preferred_observation: 2}
cue_model: likelihood
pos_dynamics: transition

[edges]
pos -> cue_model: depends_on
cue_model -> cue: generates
pos -> pos_dynamics: depends_on
move -> pos_dynamics: depends_on
goal -> cue: depends_on
pos_belief -> pos: depends_on
"""
"""The dialect-2 example that FreeAgentics' PyMDP parser accepts."""

CORRIDOR = """\
node state pos {
    size: 3
    labels: [left, middle, right]
    description: "Where the agent stands"
    initial: [1.0, 0.0, 0.0]
}
node observation cue {
    size: 3
    description: "A noisy view of the position"
}
node action move {
    size: 3
    labels: [go_left, stay, go_right]
    description: "One step"
}
node transition T_pos {
    from: [pos, move]
    to: pos
    deterministic: true
    description: "Steps move one cell; walls stop them"
    matrix: [[[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
             [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
             [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]]
}
node emission E_cue {
    from: pos
    to: cue
    stochastic: true
    matrix: [[0.8, 0.1, 0.1],
             [0.1, 0.8, 0.1],
             [0.1, 0.1, 0.8]]
}
node preference C_cue {
    observation: cue
    values: [0.0, 0.0, 2.0]
}
"""
"""A small model with no issue at all: the passing case of every validation rule."""
