"""Events the NATS transport publishes on the bus of the process that saw what happened.

    CommandDeliveriesExhaustedEvent   a command was delivered ``max_deliver`` times and no
                                      delivery finished (each worker died, hung without
                                      reporting progress, or lost its connection); it will
                                      not be delivered again, and its caller got a failed
                                      result. Published once, by the process that recorded
                                      that result.
    EventsMissedEvent                 this process's subscription skipped events the stream
                                      no longer holds (they aged out or the stream was full
                                      and discards old ones while the process was behind)

Their names are part of the log format: keep them.
"""

from __future__ import annotations

from llmgine.messages import Event


class CommandDeliveriesExhaustedEvent(Event):
    command_id: str
    command_type: str
    deliveries: int
    stream_sequence: int
    """Where the command sits in the commands stream (for ``nats stream get``)."""


class EventsMissedEvent(Event):
    bus_id: str
    """The bus whose subscription missed them."""
    first_sequence: int
    last_sequence: int
    count: int
