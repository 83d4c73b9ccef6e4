"""How long GMN takes to read, check and compile: one large spec, and a thousand small ones.

    python bench/gmn.py                  # 30 rounds of the 50-node spec, 5 of the 1,000 specs
    python bench/gmn.py --rounds 5       # a quick look

The 50-node spec has 5 state factors of 4 values, 5 actions, 10 observations (each from one
or two factors), their 5 transitions and 10 emissions, 10 preferences and 5 LLM queries,
written out as node text (about 20 kB; compiled, each A spans all five factors). The
1,000 specs are the four templates under 25 prompts each (grids of 2x2 to 6x6, cautious,
curious, volatile) and 900 random valid models of one to three factors. Timings start from
text already in memory; "all three" is ``load``, ``validate`` and ``compile`` as an app
would call them (``compile`` validates again, as it always does). Rounds are separate; the
script prints medians.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmgine.gmn import (
    AGENT_TYPES,
    Action,
    Emission,
    GMNModel,
    LLMQuery,
    Observation,
    Preference,
    State,
    Transition,
    compile,
    load,
    render,
    template,
    validate,
)


def _distribution(rng: random.Random, size: int) -> list[float]:
    weights = [rng.random() + 0.05 for _ in range(size)]
    return [w / sum(weights) for w in weights]


def _stochastic(rng: random.Random, shape: list[int]) -> list[object]:
    if len(shape) == 1:
        return list(_distribution(rng, shape[0]))
    return [_stochastic(rng, shape[1:]) for _ in range(shape[0])]


def random_model(rng: random.Random, factors: int, observations: int, queries: int = 0) -> GMNModel:
    sizes = [rng.randint(2, 4) if factors < 5 else 4 for _ in range(factors)]
    states = [
        State(name=f"s{i}", size=n, initial=tuple(_distribution(rng, n)))
        for i, n in enumerate(sizes)
    ]
    actions = [Action(name=f"a{i}", size=3) for i in range(factors)]
    transitions = [
        Transition(
            name=f"T{i}",
            from_=(f"s{i}", f"a{i}"),
            to=f"s{i}",
            dynamics="stochastic",
            matrix=_stochastic(rng, [n, 3, n]),
        )
        for i, n in enumerate(sizes)
    ]
    outputs, emissions, preferences = [], [], []
    for m in range(observations):
        sources = sorted(rng.sample(range(factors), min(factors, 1 + m % 2)))
        outputs.append(Observation(name=f"o{m}", size=4))
        emissions.append(
            Emission(
                name=f"E{m}",
                from_=tuple(f"s{i}" for i in sources),
                to=f"o{m}",
                matrix=_stochastic(rng, [*(sizes[i] for i in sources), 4]),
            )
        )
        preferences.append(
            Preference(
                name=f"C{m}",
                observation=f"o{m}",
                values=tuple(round(rng.uniform(-3, 3), 2) for _ in range(4)),
            )
        )
    llm = [
        LLMQuery(name=f"Q{q}", prompt="What changed?", context=(f"o{q}",), updates=(f"s{q}",))
        for q in range(queries)
    ]
    return GMNModel(
        states=tuple(states),
        observations=tuple(outputs),
        actions=tuple(actions),
        transitions=tuple(transitions),
        emissions=tuple(emissions),
        preferences=tuple(preferences),
        llm_queries=tuple(llm),
    )


def thousand_specs(rng: random.Random) -> list[str]:
    prompts = [f"{r}x{c} grid" for r in range(2, 7) for c in range(2, 7)][:22]
    prompts += ["cautious", "curious", "volatile market"]
    texts = [render(template(kind, prompt)) for kind in AGENT_TYPES for prompt in prompts]
    while len(texts) < 1000:
        texts.append(render(random_model(rng, rng.randint(1, 3), rng.randint(1, 3))))
    return texts


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def check(text: str) -> None:
    document = load(text)
    assert validate(document).ok
    compile(document.model)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the 50-node spec")
    parser.add_argument("--json", metavar="PATH", help="also write the medians here")
    args = parser.parse_args()
    rng = random.Random(17)

    big = render(random_model(rng, factors=5, observations=10, queries=5))
    assert len(load(big).model.nodes()) == 50
    document = load(big)
    stages = {
        "parse": lambda: load(big),
        "validate": lambda: validate(document),
        "compile": lambda: compile(document.model),
        "all three": lambda: check(big),
    }
    large = {
        name: statistics.median(timed(work) for _ in range(args.rounds))
        for name, work in stages.items()
    }

    specs = thousand_specs(rng)
    rounds = max(3, args.rounds // 6)
    batch = statistics.median(timed(lambda: [check(t) for t in specs]) for _ in range(rounds))

    print(f"50-node spec ({len(big):,} characters of text), median of {args.rounds} rounds:")
    for name, seconds in large.items():
        print(f"  {name:<10} {seconds * 1e3:8.2f} ms")
    print(f"1,000 specs ({sum(map(len, specs)) / 1e6:.1f} MB of text), median of {rounds} rounds:")
    print(f"  all three  {batch:8.2f} s   ({batch / len(specs) * 1e3:.2f} ms per spec)")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {"large_ms": {k: v * 1e3 for k, v in large.items()}, "thousand_s": batch}, indent=2
            )
        )


if __name__ == "__main__":
    main()
