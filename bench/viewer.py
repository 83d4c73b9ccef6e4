"""How fast the viewer opens a large run: first paint in a real browser, and its API.

    python bench/viewer.py                   # 30,000 messages, 3 cold and 3 warm opens
    python bench/viewer.py --messages 3000   # a quick look

The run is written by the real engine and bus: one session of chat turns, each calling a
tool (15 messages a turn), with a window of the last 8 messages so requests stay small. It
is written once into ``bench/results/viewer/`` and reused.

- **first paint**: headless Chromium (Debian's, through Selenium) opens ``/run/NAME``; the
  page marks the moment its first rows are on the screen (the run's session, opened, with
  its first 200 turns), measured from the start of navigation. **Cold**: a new server that
  has not read the log (the open reads and indexes it). **Warm**: the server already holds
  it. Target: under 2 s cold.
- **expand**: opening a turn (its children are asked for then).
- **API**: the index built by the first request, a page of children, details of a model
  call (read back whole through ``read_log``), a search that scans the whole run, and the
  run compared with itself.

Prints medians and the worst of the rounds, and the machine's load average (2 cores,
shared: other work inflates everything).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.request import urlopen

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

import llmgine.engine  # noqa: F401 - registers the messages the details read back whole
from llmgine.bus import MessageBus
from llmgine.context import ContextManager, LastMessages
from llmgine.engine import PromptCommand, ToolChatEngine
from llmgine.llm import LLMRequest, ToolResultMessage
from llmgine.testing import FunctionProvider, Reply, text, tool_call
from llmgine.viewer import ViewerServer
from tests.viewer._browser import missing, start_browser

RESULTS = Path(__file__).resolve().parent / "results" / "viewer"
PER_TURN = 15


def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city.
    """
    return f"{city}: 18 degrees"


def answer(request: LLMRequest) -> Reply:
    if isinstance(request.messages[-1], ToolResultMessage):
        return text("It is 18 degrees.")
    return tool_call("get_weather", {"city": "Dublin"})


async def write_run(folder: Path, turns: int) -> Path:
    model = FunctionProvider(answer, model="openai:gpt-4o-mini")
    context = ContextManager(window=LastMessages(8))
    async with (
        MessageBus(log_dir=folder) as bus,
        ToolChatEngine(bus, model=model, tools=[get_weather], context=context),
    ):
        for n in range(turns):
            await bus.execute(PromptCommand(prompt=f"Weather {n}?", session_id="big"))
    assert bus.log_path is not None
    return Path(bus.log_path)


def the_run(messages: int) -> Path:
    folder = RESULTS / str(messages)
    found = sorted(folder.glob("*.jsonl")) if folder.is_dir() else []
    if found:
        return found[0]
    print(f"writing a run of about {messages:,} messages…", flush=True)
    folder.mkdir(parents=True, exist_ok=True)
    return asyncio.run(write_run(folder, messages // PER_TURN))


def get(server: ViewerServer, path: str) -> tuple[float, Any]:
    started = time.perf_counter()
    with urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=600) as response:
        body = orjson.loads(response.read())
    return (time.perf_counter() - started) * 1000, body


def paint(driver: Any, url: str) -> dict[str, float]:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get("about:blank")
    driver.get(url)
    WebDriverWait(driver, 120).until(
        lambda d: d.execute_script("return window.__viewer && window.__viewer.treePaint")
    )
    painted = float(driver.execute_script("return window.__viewer.treePaint"))
    rows = int(driver.execute_script("return document.querySelectorAll('.tree .row').length"))
    driver.execute_script("window.__viewer.expandMs = null")
    turn = driver.find_elements("css selector", ".tree .row[aria-expanded=false] .toggle")[0]
    turn.click()
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return window.__viewer.expandMs"))
    expand = float(driver.execute_script("return window.__viewer.expandMs"))
    return {"paint": painted, "rows": rows, "expand": expand}


def summary(name: str, values: list[float], unit: str = "ms") -> str:
    return (
        f"{name}: median {statistics.median(values):,.0f} {unit}, worst {max(values):,.0f} {unit}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    why = missing()
    if why:
        sys.exit(f"bench/viewer.py: {why}")
    log = the_run(args.messages)
    lines = sum(1 for _ in log.open("rb"))
    last_call = max(
        n for n, line in enumerate(log.open("rb"), 1) if b'"type":"CallLLMCommand' in line[:60]
    )
    print(f"run: {log.name}, {lines:,} messages, {log.stat().st_size / 1e6:.1f} MB")
    driver = start_browser()
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    api: dict[str, list[float]] = {}
    try:
        for _ in range(args.rounds):
            with ViewerServer(log.parent, freeze_indexes=True) as server:
                url = f"http://127.0.0.1:{server.port}/run/{log.name}"
                cold.append(paint(driver, url))
                warm.append(paint(driver, url))
            with ViewerServer(log.parent, freeze_indexes=True) as server:
                base = f"/api/runs/{log.name}"
                for name, path in (
                    ("index (first request)", base),
                    ("run, read", base),
                    ("a page of 200 turns", f"{base}/nodes?parent=S0"),
                    ("details of the last model call", f"{base}/nodes/L{last_call}"),
                    ("search scanning the run", "/api/search?q=nothing-matches-this"),
                    ("the run compared with itself", f"/api/diff?a={log.name}&b={log.name}"),
                ):
                    took, _ = get(server, path)
                    api.setdefault(name, []).append(took)
    finally:
        driver.quit()
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)")
    print(f"rows on the first paint: {int(cold[0]['rows'])}")
    print(summary("first paint, cold", [c["paint"] for c in cold]))
    print(summary("first paint, warm", [w["paint"] for w in warm]))
    print(summary("expand a turn", [c["expand"] for c in cold + warm]))
    for name, values in api.items():
        print(summary(f"API {name}", values))
    verdict = "pass" if statistics.median(c["paint"] for c in cold) < 2000 else "FAIL"
    print(f"target: first paint under 2 s cold: {verdict}")


if __name__ == "__main__":
    main()
