"""The viewer in a real browser: headless Chromium, driven by Selenium, one per module.

Each test opens the page as a person would and waits (bounded) for what must appear: a run
opened and a node expanded, its details; a search whose query is the address; a message
written to the log while the page is open; two runs compared. A failing test leaves a
screenshot in ``test-artifacts/`` (``LLMGINE_TEST_ARTIFACTS``). With
``LLMGINE_VIEWER_SCREENSHOT=1`` the picture for docs/viewer.md is written to docs/img/.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from llmgine.logs import read_records
from llmgine.viewer import ViewerServer
from tests.logs._logs import NEW_LOG, command, write_log
from tests.viewer._browser import ARTIFACTS, ROOT, missing, start_browser
from tests.viewer._runs import serving, write_chat
from tests.viewer.conftest import FAILED

pytestmark = pytest.mark.timeout(120)
NAME = "llmgine-20261202-010509-a1b2c3d4e5f6.jsonl"
LIVE = "llmgine-20261202-020000-live00000000.jsonl"
WAIT = 15.0
"""The longest any test waits for something to appear."""
FOR_THE_DOCS = os.environ.get("LLMGINE_VIEWER_SCREENSHOT") == "1"
"""Read now: the suite's fixtures take every LLMGINE_ variable out of a test's environment."""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    logs = tmp_path_factory.mktemp("viewer") / "logs"
    logs.mkdir()
    shutil.copyfile(NEW_LOG, logs / NAME)
    brief = asyncio.run(write_chat(logs, system="Be brief."))
    thorough = asyncio.run(write_chat(logs, system="Be thorough."))
    return {"folder": logs, "brief": brief, "thorough": thorough}


@pytest.fixture(scope="module")
def server(folder: dict[str, Path]) -> Iterator[ViewerServer]:
    with serving(folder["folder"]) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    why = missing()
    if why is not None:
        pytest.fail(why, pytrace=False)
    driver = start_browser()
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser: Any, server: ViewerServer, request: pytest.FixtureRequest) -> Iterator[Any]:
    """The browser, with a screenshot saved if the test fails."""
    browser.get(f"http://127.0.0.1:{server.port}/")
    yield browser
    if request.node.stash.get(FAILED, False):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / f"{request.node.name}.png"))


def until(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(
            driver, WAIT, ignored_exceptions=[StaleElementReferenceException]
        ).until(condition)
    except TimeoutException:
        raise AssertionError(f"waited {WAIT:.0f} s for {what}") from None


def row(driver: Any, text: str) -> Any:
    """The tree row whose text contains ``text`` (once it is there)."""

    def found(d: Any) -> Any:
        for element in d.find_elements("css selector", ".tree .row"):
            if text in element.text:
                return element
        return False

    return until(driver, found, f"a row with {text!r}")


def open_row(driver: Any, text: str) -> Any:
    element = row(driver, text)
    if element.get_attribute("aria-expanded") != "true":
        element.find_element("css selector", ".toggle").click()
    until(driver, lambda d: row(d, text).get_attribute("aria-expanded") == "true", f"{text} open")
    return element


def test_open_a_run_expand_a_node_and_read_its_details(page: Any, server: ViewerServer) -> None:
    page.get(f"http://127.0.0.1:{server.port}/")
    until(page, lambda d: d.find_elements("link text", NAME), "the run in the list")
    page.find_element("link text", NAME).click()
    weather = open_row(page, "weather")
    assert "460 / 34" in weather.text  # the session's tokens, rolled up
    open_row(page, "What is the weather in Paris?")
    llm = row(page, "openai:gpt-4o-mini round 1")
    assert "120 / 18" in llm.text
    llm.click()
    details = until(
        page,
        lambda d: (
            "What is the weather in Paris?" in d.find_element("css selector", ".details").text
            and d.find_element("css selector", ".details")
        ),
        "the model call's request in the details",
    )
    assert "CallLLMCommand" in details.text
    assert "LLMCallCompletedEvent" in details.text
    query = parse_qs(urlsplit(page.current_url).query)
    assert query["node"] == [llm.get_attribute("data-id")]
    tool = row(page, 'get_weather(city="Paris")')
    assert "Sunny and 21 C in Paris" in tool.text


def test_search_keeps_its_query_in_the_address(page: Any, server: ViewerServer) -> None:
    box = page.find_element("id", "search-box")
    box.send_keys("tool:divide error:")
    box.submit()
    until(page, lambda d: d.find_elements("css selector", "table.hits tbody tr"), "the hits")
    assert urlsplit(page.current_url).path == "/search"
    assert parse_qs(urlsplit(page.current_url).query)["q"] == ["tool:divide error:"]
    (hit,) = page.find_elements("css selector", "table.hits tbody tr")
    assert "ToolCallFailedEvent" in hit.text
    assert "ZeroDivisionError" in hit.text
    shared = page.current_url
    page.get(f"http://127.0.0.1:{server.port}/")
    page.get(shared)  # the address alone gives the same search
    until(page, lambda d: len(d.find_elements("css selector", "table.hits tbody tr")) == 1, "1 hit")
    assert page.find_element("id", "search-box").get_attribute("value") == "tool:divide error:"
    page.find_element("link text", "ToolCallFailedEvent").click()
    until(page, lambda d: "divide(a=1, b=0)" in _selected(d), "the failed tool call selected")


def test_a_message_written_while_the_page_is_open_appears(
    page: Any, server: ViewerServer, folder: dict[str, Path]
) -> None:
    lines = NEW_LOG.read_bytes().splitlines(keepends=True)
    first_math = next(r.line for r in read_records(NEW_LOG) if r.session_id == "math")
    live = folder["folder"] / LIVE
    live.write_bytes(b"".join(lines[: first_math - 1]))
    page.get(f"http://127.0.0.1:{server.port}/run/{LIVE}")
    row(page, "weather")
    until(
        page, lambda d: "following the log" in d.find_element("css selector", ".live").text, "live"
    )
    with live.open("ab") as file:
        file.write(b"".join(lines[first_math - 1 : first_math + 4]))  # a turn begins
    written = time.monotonic()
    until(
        page,
        lambda d: "What are 7 / 2 and 1 / 0?" in d.find_element("css selector", ".live-list").text,
        "the new prompt in the live list",
    )
    arrived = time.monotonic() - written
    row(page, "math")  # and the tree has the new session
    assert arrived < WAIT
    print(f"live message shown {arrived * 1000:.0f} ms after it was written")


def test_two_runs_compared_show_where_they_diverge(
    page: Any, server: ViewerServer, folder: dict[str, Path]
) -> None:
    brief, thorough = folder["brief"].name, folder["thorough"].name
    page.get(f"http://127.0.0.1:{server.port}/")
    for name in (brief, thorough):  # the list is drawn again every few seconds: click anew
        box = f'tr[data-run="{name}"] input[type=checkbox]'
        until(page, lambda d, css=box: d.find_element("css selector", css).click() or True, name)
    until(page, lambda d: d.find_element("id", "compare").is_enabled(), "compare enabled")
    until(page, lambda d: d.find_element("id", "compare").click() or True, "compare clicked")
    verdict = until(
        page,
        lambda d: (
            d.find_elements("css selector", ".verdict")
            and d.find_element("css selector", ".verdict")
        ),
        "the verdict",
    )
    assert "First divergence" in verdict.text
    assert "request.messages[0].content" in verdict.text
    first = page.find_element("id", "first-divergence")
    assert "round 1" in first.text
    assert "Be brief." in first.text
    assert "Be thorough." in first.text
    inside = page.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.bottom <= window.innerHeight;",
        first,
    )
    assert inside, "the first divergence is scrolled into view"
    query = parse_qs(urlsplit(page.current_url).query)
    assert [query["a"], query["b"]] == [[brief], [thorough]]


def test_text_from_a_log_is_shown_as_text_never_run(
    page: Any, server: ViewerServer, folder: dict[str, Path]
) -> None:
    trap = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"
    write_log(folder["folder"] / "trap.jsonl", [command("PromptCommand", session="t", prompt=trap)])
    page.get(f"http://127.0.0.1:{server.port}/run/trap.jsonl")
    turn = row(page, "turn 1")
    assert trap in turn.text
    assert page.title == "llmgine logs"
    assert not page.find_elements("css selector", ".tree img, .tree script")


def test_a_picture_of_the_viewer(page: Any, server: ViewerServer) -> None:
    """The screenshot of docs/viewer.md: written there with LLMGINE_VIEWER_SCREENSHOT=1."""
    page.get(f"http://127.0.0.1:{server.port}/run/{NAME}?node=L3")
    until(page, lambda d: "round 1" in _selected(d), "the model call selected")
    until(
        page,
        lambda d: "CallLLMCommand" in d.find_element("css selector", ".details").text,
        "details",
    )
    target = ARTIFACTS / "viewer.png"
    if FOR_THE_DOCS:
        target = ROOT / "docs" / "img" / "viewer.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    assert page.save_screenshot(str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 20_000


def _selected(driver: Any) -> str:
    found = driver.find_elements("css selector", ".tree .row.selected")
    return str(found[0].text) if found else ""


def _text(driver: Any, css: str) -> str:
    return str(driver.find_element("css selector", css).text)
