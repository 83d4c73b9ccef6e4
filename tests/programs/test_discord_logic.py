"""ChatBot with in-memory Discord objects and a fake model behind a real engine and store."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from discord import AllowedMentions

from llmgine.engine import PromptCommand
from llmgine.llm import AssistantMessage, LLMRequest, UserMessage
from llmgine.messages import SessionStartedEvent
from llmgine.testing import Fault, FunctionProvider, ScriptedProvider, text
from programs.discord.logic import APOLOGY, CLEARED, HELP, BotOptions
from programs.discord.ratelimit import RateLimit
from tests.programs.discord_fakes import (
    BOT_ID,
    FakeChannel,
    FakeMessage,
    FakeUser,
    Harness,
    direct,
    mention,
)


def users_of(request: LLMRequest) -> list[str]:
    return [m.content for m in request.messages if isinstance(m, UserMessage)]


def assert_no_pings(options: dict[str, object]) -> None:
    allowed = options["allowed_mentions"]
    assert isinstance(allowed, AllowedMentions)
    assert allowed.to_dict() == AllowedMentions.none().to_dict() == {"parse": []}
    assert allowed.replied_user is False


async def test_a_mention_is_answered_in_reply_without_the_mention(tmp_path: Path) -> None:
    model = ScriptedProvider([text("5")])
    channel = FakeChannel(100)
    async with model, Harness(model, tmp_path) as h:
        message = mention("what is 2+3?", channel)
        await h.send(message)
    assert channel.texts == ["5"]
    assert users_of(model.requests[0]) == ["what is 2+3?"]
    sent = channel.sent[0]
    assert_no_pings(sent.options)
    reference = sent.options["reference"]
    assert reference.message is message
    assert reference.fail_if_not_exists is False  # a deleted question still gets its answer


async def test_both_mention_forms_are_stripped_wherever_they_are(tmp_path: Path) -> None:
    model = ScriptedProvider([text("ok")])
    channel = FakeChannel(100)
    message = FakeMessage(
        f"hello <@!{BOT_ID}> and <@{BOT_ID}>, how are <@99>?", channel, mentions=[FakeUser(BOT_ID)]
    )
    async with model, Harness(model, tmp_path) as h:
        await h.send(message)
    assert users_of(model.requests[0]) == ["hello   and  , how are <@99>?"]


async def test_server_messages_without_a_mention_are_ignored(tmp_path: Path) -> None:
    model = ScriptedProvider([])  # any call fails the test
    channel = FakeChannel(100)
    async with model, Harness(model, tmp_path) as h:
        await h.send(
            FakeMessage(f"talking about the bot, <@{BOT_ID + 1}>", channel, mentions=[FakeUser(1)]),
            FakeMessage("no mention at all", channel),
        )
    assert channel.sent == []
    assert not (tmp_path / "discord-100.json").exists()


async def test_direct_messages_are_answered_without_a_mention(tmp_path: Path) -> None:
    model = ScriptedProvider([text("hi there")])
    dm = FakeChannel(300, name=None)
    async with model, Harness(model, tmp_path) as h:
        await h.send(direct("hello", dm))
    assert dm.texts == ["hi there"]
    assert "reference" not in dm.sent[0].options  # a DM is a conversation of two: no quote
    assert_no_pings(dm.sent[0].options)
    assert h.store.load("discord-300").name == "Discord direct messages"


async def test_direct_messages_can_be_turned_off(tmp_path: Path) -> None:
    model = ScriptedProvider([])
    dm = FakeChannel(300, name=None)
    async with model, Harness(model, tmp_path, BotOptions(allow_dms=False)) as h:
        await h.send(direct("hello", dm))
    assert dm.sent == []


async def test_bots_and_itself_are_ignored(tmp_path: Path) -> None:
    model = ScriptedProvider([])
    channel = FakeChannel(100)
    async with model, Harness(model, tmp_path) as h:
        await h.send(
            mention("answer me", channel, author=FakeUser(55, bot=True)),
            mention("answer me", channel, author=FakeUser(BOT_ID, bot=True)),
            mention("even if it were not flagged a bot", channel, author=FakeUser(BOT_ID)),
            direct("a bot in my DMs", FakeChannel(301, name=None), FakeUser(56, bot=True)),
        )
    assert channel.sent == []


async def test_allowlist_admits_listed_channels_and_their_threads_only(tmp_path: Path) -> None:
    model = ScriptedProvider([text("in the channel"), text("in its thread")])
    allowed, other = FakeChannel(100), FakeChannel(200)
    thread = FakeChannel(150, name="a thread", parent_id=100)
    foreign_thread = FakeChannel(250, name="elsewhere", parent_id=200)
    options = BotOptions(allowed_channels=frozenset({100}))
    async with model, Harness(model, tmp_path, options) as h:
        await h.send(
            mention("one", allowed),
            mention("two", other),
            mention("three", thread),
            mention("four", foreign_thread),
        )
    assert allowed.texts == ["in the channel"]
    assert thread.texts == ["in its thread"]
    assert other.sent == foreign_thread.sent == []


async def test_long_answers_are_split_and_only_the_first_piece_quotes(tmp_path: Path) -> None:
    answer = "\n\n".join(f"Paragraph {n}: " + "lorem ipsum " * 60 for n in range(8))
    model = ScriptedProvider([text(answer)])
    channel = FakeChannel(100)
    async with model, Harness(model, tmp_path) as h:
        await h.send(mention("tell me a lot", channel))
    pieces = channel.texts
    assert len(pieces) > 2
    assert all(len(piece) <= 2000 for piece in pieces)
    assert all(piece.startswith("Paragraph ") for piece in pieces)  # cut between paragraphs
    assert " ".join(" ".join(pieces).split()) == " ".join(answer.split())
    assert "reference" in channel.sent[0].options
    assert all("reference" not in s.options for s in channel.sent[1:])
    for sent in channel.sent:
        assert_no_pings(sent.options)


async def test_the_channel_shows_typing_while_the_turn_runs(tmp_path: Path) -> None:
    channel = FakeChannel(100)
    seen: list[int] = []

    def reply(request: LLMRequest) -> str:
        seen.append(channel.typing_now)
        return "done"

    async with Harness(FunctionProvider(reply), tmp_path) as h:
        await h.send(mention("work", channel))
    assert seen == [1]
    assert channel.typing_entered == 1
    assert channel.typing_now == 0
    assert [s.typing for s in channel.sent] == [False]  # typing stops before the answer


async def test_a_channel_that_refuses_typing_still_gets_its_answer(tmp_path: Path) -> None:
    model = ScriptedProvider([text("answered anyway")])
    channel = FakeChannel(100, refuse_typing=True)
    async with model, Harness(model, tmp_path) as h:
        await h.send(mention("hello", channel))
    assert channel.texts == ["answered anyway"]


async def test_rate_limit_refuses_politely_once_then_lets_the_user_back(tmp_path: Path) -> None:
    model = ScriptedProvider([text("one"), text("two"), text("other user"), text("three")])
    channel = FakeChannel(100)
    options = BotOptions(rate_limit=RateLimit(2, 60))
    async with model, Harness(model, tmp_path, options) as h:
        await h.send(mention("a", channel), mention("b", channel))
        h.now = 10.0
        await h.send(mention("c", channel), mention("d", channel))
        await h.send(mention("e", channel, author=FakeUser(8)))  # someone else is not limited
        assert channel.texts[:2] == ["one", "two"]
        assert len(channel.texts) == 4
        refusal = channel.texts[2]
        assert "wait 50 seconds" in refusal
        assert channel.texts[3] == "other user"
        h.now = 60.0  # the first prompt has left the window
        await h.send(mention("f", channel))
    assert channel.texts[4] == "three"
    assert [users_of(r)[-1] for r in model.requests] == ["a", "b", "e", "f"]


async def test_clear_forgets_the_channel_conversation_on_disk_too(tmp_path: Path) -> None:
    model = ScriptedProvider([text("Hello Ada"), text("fresh start")])
    channel, other = FakeChannel(100), FakeChannel(200)
    async with model, Harness(model, tmp_path) as h:
        await h.send(mention("I am Ada", channel), direct("!clear", other))
        assert h.store.load("discord-100").messages != []
        await h.send(mention("  !CLEAR ", channel))
        assert channel.texts[-1] == CLEARED
        assert h.store.load("discord-100").messages == []
        await h.send(mention("who am I?", channel))
    assert users_of(model.requests[1]) == ["who am I?"]  # nothing of before the clear
    assert other.texts == [CLEARED]


async def test_help_and_a_bare_mention_explain_the_bot(tmp_path: Path) -> None:
    model = ScriptedProvider([])
    channel = FakeChannel(100)
    async with model, Harness(model, tmp_path) as h:
        bare = FakeMessage(f"<@{BOT_ID}>", channel, mentions=[FakeUser(BOT_ID)])
        await h.send(mention("!help", channel), bare)
    assert channel.texts == [HELP, HELP]


async def test_channels_have_separate_conversations_that_survive_a_restart(
    tmp_path: Path,
) -> None:
    first = ScriptedProvider([text("Noted, Ada."), text("Noted, Bob."), text("Hi Ada in DM")])
    general, thread = FakeChannel(100), FakeChannel(150, name="side", parent_id=100)
    dm = FakeChannel(300, name=None)
    async with first, Harness(first, tmp_path) as h:
        await h.send(mention("I am Ada", general), mention("I am Bob", thread))
        await h.send(direct("hi", dm))
    assert users_of(first.requests[1]) == ["I am Bob"]  # the thread knows nothing of Ada
    names = {s.id: s.name for s in h.store.list()}
    assert names == {
        "discord-100": "Discord #general",
        "discord-150": "Discord #side",
        "discord-300": "Discord direct messages",
    }

    second = ScriptedProvider([text("You are Ada."), text("You are Bob.")])
    async with second, Harness(second, tmp_path) as fresh:  # a new process, the same folder
        await fresh.send(mention("who am I?", general), mention("who am I?", thread))
    assert users_of(second.requests[0]) == ["I am Ada", "who am I?"]
    assert users_of(second.requests[1]) == ["I am Bob", "who am I?"]
    assert [m.content for m in fresh.store.load("discord-100").messages] == [
        "I am Ada",
        "Noted, Ada.",
        "who am I?",
        "You are Ada.",
    ]


async def test_each_channel_is_a_bus_session(tmp_path: Path) -> None:
    model = ScriptedProvider([text("a"), text("b")])
    async with model, Harness(model, tmp_path) as h:
        await h.send(mention("x", FakeChannel(100)), mention("y", FakeChannel(200)))
        commands = h.sink.of_type(PromptCommand)
        started = {e.session_id for e in h.sink.of_type(SessionStartedEvent)}
    assert [c.session_id for c in commands] == ["discord-100", "discord-200"]
    assert started == {"discord-100", "discord-200"}


async def test_different_channels_run_side_by_side(tmp_path: Path) -> None:
    started = {100: asyncio.Event(), 200: asyncio.Event()}

    async def reply(request: LLMRequest) -> str:
        mine = int(users_of(request)[-1])
        started[mine].set()
        other = 200 if mine == 100 else 100
        await started[other].wait()  # both turns must be running at once to get past this
        return f"answer {mine}"

    a, b = FakeChannel(100), FakeChannel(200)
    async with Harness(FunctionProvider(reply), tmp_path) as h:
        await h.send_together([mention("100", a), mention("200", b)])
    assert a.texts == ["answer 100"]
    assert b.texts == ["answer 200"]


async def test_turns_of_one_channel_run_in_order_of_arrival(tmp_path: Path) -> None:
    first_called, release = asyncio.Event(), asyncio.Event()
    calls: list[str] = []

    async def reply(request: LLMRequest) -> str:
        prompt = users_of(request)[-1]
        calls.append(prompt)
        if prompt == "first":
            first_called.set()
            await release.wait()
        return f"re: {prompt}"

    channel = FakeChannel(100)
    async with Harness(FunctionProvider(reply), tmp_path) as h:
        tasks = [
            asyncio.create_task(h.bot.handle(mention(word, channel), BOT_ID))
            for word in ("first", "second", "third")
        ]
        await asyncio.wait_for(first_called.wait(), 10)
        # The others ran as far as they could while the first turn went to the model: they
        # wait for the channel, before sending any command to the engine.
        sent = [c.prompt for c in h.sink.of_type(PromptCommand)]
        assert sent == ["first"]
        release.set()
        async with asyncio.timeout(20):
            await asyncio.gather(*tasks)
    assert channel.texts == ["re: first", "re: second", "re: third"]
    assert calls == ["first", "second", "third"]


async def test_a_failing_model_gets_an_apology_and_no_traceback(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = ScriptedProvider([Fault.unauthorized(), text("back again")])
    channel = FakeChannel(100)
    async with model, Harness(model, tmp_path) as h:
        with caplog.at_level(logging.WARNING, logger="llmgine.discord"):
            await h.send(mention("hello", channel))
        assert channel.texts == [APOLOGY]
        assert "Traceback" not in channel.texts[0]
        assert h.store.exists("discord-100")
        assert h.store.load("discord-100").messages == []  # the failed turn left no trace
        await h.send(mention("hello again", channel))
    assert channel.texts[1] == "back again"
    assert users_of(model.requests[1]) == ["hello again"]
    failures = [r for r in caplog.records if "discord-100" in r.getMessage()]
    assert failures
    assert failures[0].levelno == logging.WARNING


async def test_an_empty_answer_is_still_an_answer(tmp_path: Path) -> None:
    model = ScriptedProvider([text("")])
    channel = FakeChannel(100)
    async with model, Harness(model, tmp_path) as h:
        await h.send(mention("say nothing", channel))
    assert len(channel.texts) == 1
    assert channel.texts[0].strip()


async def test_a_failed_send_is_logged_and_the_bot_carries_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = ScriptedProvider([text("lost"), text("delivered")])
    broken, fine = FakeChannel(100, fail_sends=True), FakeChannel(200)
    async with model, Harness(model, tmp_path) as h:
        with caplog.at_level(logging.ERROR, logger="llmgine.discord"):
            await h.send(mention("one", broken))
        await h.send(mention("two", fine))
    assert fine.texts == ["delivered"]
    assert any("could not post to channel 100" in r.getMessage() for r in caplog.records)


async def test_closing_waits_for_turns_in_flight_and_takes_no_new_ones(tmp_path: Path) -> None:
    release = asyncio.Event()
    entered = asyncio.Event()

    async def reply(request: LLMRequest) -> str:
        entered.set()
        await release.wait()
        return "finished"

    channel = FakeChannel(100)
    async with Harness(FunctionProvider(reply), tmp_path) as h:
        task = asyncio.create_task(h.bot.handle(mention("slow", channel), BOT_ID))
        await asyncio.wait_for(entered.wait(), 10)
        assert h.bot.busy == 1
        closing = asyncio.create_task(h.bot.aclose(timeout=10))
        # Tasks start in the order they were made: the bot is closing when this one runs.
        late = asyncio.create_task(h.bot.handle(mention("too late", channel), BOT_ID))
        await asyncio.wait_for(late, 10)
        assert not release.is_set()
        release.set()
        assert await asyncio.wait_for(closing, 10) == 0
        await task
    assert channel.texts == ["finished"]


async def test_closing_cancels_turns_that_outlast_the_timeout(tmp_path: Path) -> None:
    entered = asyncio.Event()

    async def reply(request: LLMRequest) -> str:
        entered.set()
        await asyncio.get_running_loop().create_future()  # never answers
        return "unreachable"

    channel = FakeChannel(100)
    async with Harness(FunctionProvider(reply), tmp_path) as h:
        task = asyncio.create_task(h.bot.handle(mention("hang", channel), BOT_ID))
        await asyncio.wait_for(entered.wait(), 10)
        assert await h.bot.aclose(timeout=0.05) == 1
        assert task.cancelled()
        assert h.context.history("discord-100") == []
    assert channel.sent == []


async def test_idle_conversations_beyond_the_limit_are_closed_and_reloaded(
    tmp_path: Path,
) -> None:
    model = ScriptedProvider([text("a1"), text("b1"), text("a2")])
    a, b = FakeChannel(100), FakeChannel(200)
    async with model, Harness(model, tmp_path, max_open=1) as h:
        await h.send(mention("one", a))
        assert h.backend.open_sessions == ["discord-100"]
        await h.send(mention("two", b))
        assert h.backend.open_sessions == ["discord-200"]
        assert h.context.get("discord-100") is None  # dropped from memory, kept on disk
        await h.send(mention("three", a))
    chat = (UserMessage, AssistantMessage)
    assert [m.content for m in model.requests[2].messages if isinstance(m, chat)] == [
        "one",
        "a1",
        "three",
    ]
