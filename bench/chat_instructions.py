"""Instructions per chat turn, by side, counted by callgrind: the steady measure of bench/chat.py.

    python bench/chat_instructions.py                                  # raw, llmgine, client
    python bench/chat_instructions.py --baseline /tmp/llmgine-d74a259  # and the earlier checkout

Each side runs the workload of ``bench/chat.py`` (streamed turns with one tool call, JSONL
on, the same fake server in a process of its own) in a ``--worker`` process under
``valgrind --tool=callgrind``, once at each of two session counts. The difference of the
two counts, divided by the difference in turns, is what one more turn costs: start-up,
imports and the warm-up sessions cancel out. Instructions do not depend on the load of the
machine, so a side needs one run at each count. The cyclic collector runs inside the
count; cache misses, which grow with the turns in flight, are not counted.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIDES = ("raw", "llmgine", "client", "base", "base-client")


def instructions(side: str, url: str, sessions: int, args: argparse.Namespace) -> int:
    """Instructions executed by one worker run of ``side`` under callgrind."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
            sys.executable, str(HERE / "chat.py"), "--worker", side, "--url", url,
            "--sessions", str(sessions), "--turns", str(args.turns), "--tag", "cg",
            "--skip-log-check", "--time-limits", "3600",
        ]  # fmt: skip
        env = dict(os.environ)
        env["PYTHONHASHSEED"] = "0"  # the same dict layouts in every run
        env.pop("LLMGINE_BENCH_BASELINE", None)
        if side.startswith("base"):
            env["LLMGINE_BENCH_BASELINE"] = str(args.baseline)
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=7_200)
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out, args.keep / f"callgrind.{side}.{sessions}")
        if done.returncode != 0:
            raise SystemExit(
                f"the {side} run at {sessions} sessions failed:\n{done.stderr[-3000:]}"
            )
        for line in out.read_text().splitlines():
            if line.startswith("totals:"):
                count = int(line.split()[1])
                print(f"  {side} at {sessions} sessions: {count:,}", file=sys.stderr, flush=True)
                return count
    raise SystemExit(f"no totals in the callgrind output of {side} at {sessions} sessions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sides", type=lambda text: text.split(","), default=None,
        help=f"comma-separated, from {', '.join(SIDES)} (default: raw,llmgine,client and, "
        "with --baseline, base,base-client)",
    )  # fmt: skip
    parser.add_argument("--baseline", type=Path, help="an earlier llmgine checkout")
    parser.add_argument(
        "--sessions", default="20,60", help="the two session counts, comma-separated"
    )
    parser.add_argument("--turns", type=int, default=3, help="turns per session")
    parser.add_argument("--jobs", type=int, default=1, help="callgrind runs at a time")
    parser.add_argument(
        "--keep", type=Path, help="keep the callgrind files there (for callgrind_annotate)"
    )
    args = parser.parse_args()
    sides = args.sides or ["raw", "llmgine", "client"] + (
        ["base", "base-client"] if args.baseline else []
    )
    low, high = (int(n) for n in args.sessions.split(","))
    server = subprocess.Popen(
        [sys.executable, str(HERE / "chat.py"), "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        runs = [(side, n) for side in sides for n in (low, high)]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            counts = dict(
                zip(
                    runs,
                    pool.map(lambda run: instructions(run[0], url, run[1], args), runs),
                    strict=True,
                )
            )
    finally:
        assert server.stdin is not None
        server.stdin.close()
        server.wait(timeout=30)
    turns = (high - low) * args.turns
    per_turn = {side: (counts[side, high] - counts[side, low]) / turns for side in sides}
    print(f"\ninstructions per turn: the difference between {high} and {low} sessions "
          f"x {args.turns} turns, divided by {turns} turns")  # fmt: skip
    print(f"{'side':<12} {f'at {low}':>16} {f'at {high}':>16} {'per turn':>12} {'/ raw':>7}")
    for side in sides:
        ratio = per_turn[side] / per_turn["raw"] if "raw" in per_turn else float("nan")
        print(f"{side:<12} {counts[side, low]:>16,} {counts[side, high]:>16,} "
              f"{per_turn[side] / 1e6:>10.2f} M {ratio:>7.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
