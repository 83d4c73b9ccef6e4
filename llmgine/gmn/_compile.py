"""From a valid model to the arrays of pymdp (the numpy line, 0.0.7), as numpy arrays.

- ``A[m]``: observations of modality ``m`` x every state factor, in the order of
  ``model.states``; each column ``A[m][:, s1, s2, ...]`` sums to 1 (axis 0).
- ``B[f]``: next state x previous state x action of factor ``f``; each ``B[f][:, s, a]``
  sums to 1 (axis 0). A factor no action drives gets one action that does nothing.
- ``C[m]``: relative log-preferences over the observations of modality ``m`` (pymdp
  softmaxes them); zeros without a preference; several preferences add up.
- ``D[f]``: the prior over factor ``f``'s first state; uniform without ``initial``.

The notation's matrices put ``to`` last; here it goes first, and names missing from
``from`` are broadcast. Sums within the validation tolerance are rescaled to exactly 1,
since pymdp asserts exact normalisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmgine.gmn._advice import reading_emission
from llmgine.gmn._errors import GMNValidationError
from llmgine.gmn._model import Action, Emission, GMNModel, Observation, State, Transition
from llmgine.gmn._rules import emission_distribution, rule_name, tabulate, transition_distribution
from llmgine.gmn._validate import DEFAULT_TOLERANCE, validate

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Array = NDArray[np.float64]

_NEXT = "\0next"
"""Axis label of ``to`` while axes are moved; no node can have this name."""


@dataclass(frozen=True)
class CompiledModel:
    """The arrays of a model and the names of their axes."""

    A: tuple[Array, ...]
    B: tuple[Array, ...]
    C: tuple[Array, ...]
    D: tuple[Array, ...]
    states: tuple[str, ...]
    observations: tuple[str, ...]
    controls: tuple[str | None, ...]
    """The action that drives each state factor, ``None`` where no action does."""

    def pymdp_kwargs(self) -> dict[str, Any]:
        """``A``, ``B``, ``C`` and ``D`` as the object arrays ``pymdp.agent.Agent`` takes:
        ``Agent(**compiled.pymdp_kwargs())``."""
        np = _numpy()
        packed = {}
        for key in ("A", "B", "C", "D"):
            arrays = getattr(self, key)
            holder = np.empty(len(arrays), dtype=object)
            for index, array in enumerate(arrays):
                holder[index] = array
            packed[key] = holder
        return packed


def compile(model: GMNModel, *, tolerance: float = DEFAULT_TOLERANCE) -> CompiledModel:
    """The pymdp arrays of ``model``; raises ``GMNValidationError`` if it has errors."""
    report = validate(model, tolerance=tolerance)
    if not report.ok:
        raise GMNValidationError(report)
    np = _numpy()
    builder = _Builder(model, np)
    controls = tuple(builder.action_of(state) for state in model.states)
    return CompiledModel(
        A=tuple(builder.likelihood(o) for o in model.observations),
        B=tuple(builder.transition(s) for s in model.states),
        C=tuple(builder.preference(o) for o in model.observations),
        D=tuple(builder.prior(s) for s in model.states),
        states=tuple(s.name for s in model.states),
        observations=tuple(o.name for o in model.observations),
        controls=controls,
    )


def _numpy() -> Any:
    try:
        import numpy
    except ImportError as exc:
        raise ImportError("compiling GMN needs numpy: pip install 'llmgine[gmn]'") from exc
    return numpy


class _Builder:
    def __init__(self, model: GMNModel, np: Any) -> None:
        self.model = model
        self.np = np
        self.variables: dict[str, State | Observation | Action] = {
            v.name: v for v in model.variables()
        }

    def size(self, name: str) -> int:
        return self.variables[name].size

    def action_of(self, state: State) -> str | None:
        transition = self._transition(state)
        if transition is None:
            return None
        return next((n for n in transition.from_ if isinstance(self.variables[n], Action)), None)

    def _transition(self, state: State) -> Transition | None:
        return next((t for t in self.model.transitions if t.to == state.name), None)

    def _emission(self, observation: Observation) -> Emission | None:
        return next((e for e in self.model.emissions if e.to == observation.name), None)

    def link_tensor(self, link: Transition | Emission) -> tuple[Array, list[str]]:
        """The link's numbers and the name of each axis (``to`` is ``_NEXT``)."""
        axes = [(name, self.size(name)) for name in link.from_]
        if isinstance(link.matrix, str):
            rule = rule_name(link.matrix)
            if isinstance(link, Transition):
                target = self.variables[link.to]
                assert isinstance(target, State)
                actions = [v for n in link.from_ if isinstance(v := self.variables[n], Action)]
                distribution = transition_distribution(rule, link, target, actions)
                own = link.to
            else:
                distribution = emission_distribution(rule, self.size(link.to))
                own = axes[0][0] if axes else ""
            values: object = tabulate(distribution, axes, own)
        else:
            values = link.matrix
        array = self.np.asarray(values, dtype=float)
        labels = [name for name, _ in axes]
        if array.ndim != len(labels) + 1:  # a transition matrix without its action's axis
            labels = [name for name in labels if isinstance(self.variables[name], State)]
        return array, [*labels, _NEXT]

    def arrange(
        self, array: Array, labels: list[str], wanted: list[str], shape: tuple[int, ...]
    ) -> Array:
        """``array`` with its axes in the order ``wanted``, broadcast to ``shape``, and
        normalised along the first axis."""
        labels = list(labels)
        for name in wanted:
            if name not in labels:
                array = array[..., None]
                labels.append(name)
        array = self.np.transpose(array, [labels.index(name) for name in wanted])
        array = self.np.broadcast_to(array, shape).astype(float)
        result: Array = array / array.sum(axis=0, keepdims=True)
        return result

    def transition(self, state: State) -> Array:
        size, transition = state.size, self._transition(state)
        if transition is None:
            eye: Array = self.np.eye(size)[:, :, None]
            return eye
        action = self.action_of(state)
        array, labels = self.link_tensor(transition)
        wanted = [_NEXT, state.name, action or "\0none"]
        return self.arrange(array, labels, wanted, (size, size, self.size(action) if action else 1))

    def likelihood(self, observation: Observation) -> Array:
        factors = [s.name for s in self.model.states]
        shape = (observation.size, *(s.size for s in self.model.states))
        emission = self._emission(observation)
        if emission is None:
            flat: Array = self.np.full(shape, 1.0 / observation.size)
            return flat
        array, labels = self.link_tensor(emission)
        return self.arrange(array, labels, [_NEXT, *factors], shape)

    def preference(self, observation: Observation) -> Array:
        total: Array = self.np.zeros(observation.size)
        for preference in self.model.preferences:
            if isinstance(preference.values, str) or preference.values is None:
                continue  # "flat": no preference
            values = self.np.asarray(preference.values, dtype=float)
            if preference.observation == observation.name:
                total = total + values
            emission = reading_emission(preference, self.model.emissions)
            if (
                preference.state is not None
                and emission is not None
                and emission.to == observation.name
            ):
                total = total + self._read_through(emission, values)
        return total

    def _read_through(self, emission: Emission, values: Array) -> Array:
        """Each observation's preference: the mean value of the states it comes from,
        weighted by how likely each state is to produce it."""
        array, _ = self.link_tensor(emission)
        matrix = array / array.sum(axis=-1, keepdims=True)
        weights = matrix.sum(axis=0)
        read: Array = (matrix * values[:, None]).sum(axis=0) / self.np.where(
            weights > 0, weights, 1.0
        )
        return read

    def prior(self, state: State) -> Array:
        if state.initial is None:
            uniform: Array = self.np.full(state.size, 1.0 / state.size)
            return uniform
        initial: Array = self.np.asarray(state.initial, dtype=float)
        normalised: Array = initial / initial.sum()
        return normalised
