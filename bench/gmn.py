"""How long GMN takes to read, check and compile: one large spec, and a thousand small ones.

    python bench/gmn.py                  # 30 rounds of the 50-node spec, 5 of the 1,000 specs
    python bench/gmn.py --rounds 5       # a quick look

The 50-node spec has 5 state factors of 4 values, 5 actions (of 1 to 3 values), 10
observations of 4 values (each from one or two factors), their 5 transitions and 10
emissions, 10 preferences and 5 LLM queries, written out as node text (14 kB; compiled,
each A spans all five factors). The
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

from llmgine.gmn import AGENT_TYPES, compile, load, render, template, validate
from tests.gmn._random import random_model


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

    big = render(random_model(rng, factors=5, observations=10, queries=5, size=4))
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
