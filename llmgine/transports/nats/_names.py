"""Names on the server: subjects, streams, consumers, the results bucket and its keys.

Everything one deployment keeps on a NATS server sits under one *namespace* (default
``llmgine``), so several apps (or test runs) can share a server:

    <ns>.cmd.<type>.p<NN>.<session>   a command sent from outside a handler: partition NN
    <ns>.cmd.<type>.n.<session>       a command sent by a command handler on a worker
    <ns>.evt.<session>.<type>         an event
    <ns>.reply.<bus>                  results coming back to the bus that sent a command
    <ns>.cancel                       "stop running command K" (core NATS)

    stream <ns>_commands   <ns>.cmd.>        stream <ns>_events   <ns>.evt.>
    bucket <ns>_results    command key -> the encoded CommandResult, created once

A session's commands of one type share a partition, ``crc32(session) % partitions``: a
consumer per type and partition with one unacknowledged message at a time keeps them in
order even when one is delivered again. Session ids and wire names are user text, so each
becomes one subject token: kept as it is when it is plain (letters, digits, ``_``, ``-``),
otherwise ``~`` and the hex of its UTF-8 (two different texts never share a token).

Keys: a command sent from outside a handler is stored under its own id; a command that a
delivered command's handler sends is stored under a key derived from its parent's key, what
it asks for (its fields but the ids and time) and how many equal ones came before it in that
parent. A command delivered again therefore finds the results its first run recorded.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass

from llmgine.messages import Command, encode, loads

_PLAIN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_KEY = re.compile(r"[A-Za-z0-9_=-]{1,128}")
NAMESPACE = re.compile(r"[A-Za-z0-9_-]{1,32}")
_VOLATILE = ("command_id", "parent_id", "timestamp")

NESTED = "n"
"""The partition token of commands sent from a delivered command's handler."""
KEY = "Llmgine-Key"
"""Header: the results key of the command a reply or a cancel notice is about."""
REPLY = "Llmgine-Reply"
"""Header: where the worker sends the result (the caller's reply subject)."""
TIMEOUT = "Llmgine-Timeout"
"""Header: the caller's timeout in seconds, which the worker applies to the handler."""


def token(text: str) -> str:
    """``text`` as one subject token (see the module docstring)."""
    if _PLAIN.fullmatch(text):
        return text
    return "~" + text.encode("utf-8", "surrogatepass").hex()


def untoken(value: str) -> str:
    """The text a ``token`` was made from."""
    if value.startswith("~"):
        return bytes.fromhex(value[1:]).decode("utf-8", "surrogatepass")
    return value


def partition_of(session_id: str, partitions: int) -> int:
    """The partition of a session: the same in every process (unlike ``hash``)."""
    return zlib.crc32(session_id.encode("utf-8", "surrogatepass")) % partitions


def result_key(command_id: str) -> str:
    """The results bucket key of a command sent from outside a handler."""
    if _KEY.fullmatch(command_id):
        return command_id
    return "h" + hashlib.sha256(command_id.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def fingerprint(command: Command[object]) -> str:
    """What ``command`` asks for: its type and fields, without its ids and timestamp."""
    fields = loads(encode(command))
    for name in _VOLATILE:
        fields.pop(name, None)
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def step_key(parent_key: str, print_: str, occurrence: int) -> str:
    """The key of the ``occurrence``-th command with fingerprint ``print_`` that the
    handling of ``parent_key`` sent."""
    text = f"{parent_key}/{print_}#{occurrence}".encode()
    return "s" + hashlib.sha256(text).hexdigest()[:40]


@dataclass(frozen=True)
class Names:
    """The names one namespace uses on the server."""

    namespace: str
    partitions: int

    def __post_init__(self) -> None:
        if not NAMESPACE.fullmatch(self.namespace):
            raise ValueError(
                f"namespace {self.namespace!r} must be 1-32 letters, digits, '_' or '-'"
            )
        if not 1 <= self.partitions <= 1024:
            raise ValueError(f"partitions must be between 1 and 1024, not {self.partitions}")

    @property
    def command_stream(self) -> str:
        return f"{self.namespace}_commands"

    @property
    def event_stream(self) -> str:
        return f"{self.namespace}_events"

    @property
    def results_bucket(self) -> str:
        return f"{self.namespace}_results"

    @property
    def command_subjects(self) -> str:
        return f"{self.namespace}.cmd.>"

    @property
    def event_subjects(self) -> str:
        return f"{self.namespace}.evt.>"

    @property
    def cancel_subject(self) -> str:
        return f"{self.namespace}.cancel"

    @property
    def advisories(self) -> str:
        """Where the server says a command consumer gave up on a message."""
        return f"$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.{self.command_stream}.*"

    def part(self, session_id: str) -> str:
        """The partition token of a session's commands sent from outside a handler."""
        width = len(str(self.partitions - 1))
        return f"p{partition_of(session_id, self.partitions):0{width}d}"

    def parts(self) -> list[str]:
        width = len(str(self.partitions - 1))
        return [f"p{n:0{width}d}" for n in range(self.partitions)]

    def command_subject(self, wire_name: str, part: str, session_id: str) -> str:
        return f"{self.namespace}.cmd.{token(wire_name)}.{part}.{token(session_id)}"

    def consumer(self, wire_name: str, part: str) -> str:
        """The durable consumer that serves commands of one type in one partition."""
        name = token(wire_name)
        if len(name) > 48:
            name = "~" + hashlib.sha256(wire_name.encode()).hexdigest()[:24]
        return f"cmd-{name}-{part}"

    def consumer_filter(self, wire_name: str, part: str) -> str:
        return f"{self.namespace}.cmd.{token(wire_name)}.{part}.*"

    def event_subject(self, session_id: str, wire_name: str) -> str:
        return f"{self.namespace}.evt.{token(session_id)}.{token(wire_name)}"

    def event_route(self, subject: str) -> tuple[str, str]:
        """The (session id, wire name) an event subject carries."""
        parts = subject.split(".")
        return untoken(parts[-2]), untoken(parts[-1])

    def reply_subject(self, bus_id: str) -> str:
        return f"{self.namespace}.reply.{token(bus_id)}"
