"""The events this bus published, followed until they are done with here.

An event is done once the stream has stored it and, when it came back through this
process's subscription, its handlers here have run (or none wanted it). Until then it
counts in the ``Tally``, which bounds how many may be on their way and tells
``wait_for_events`` when they all are done. Either end may come first: the stream's
acknowledgement can reach the sender after the event itself came back through the
subscription, so an early arrival waits here, by stream sequence, for its acknowledgement.

An event published again with the same id within the duplicate window is stored once
and comes back once: the second publish is done as soon as the stream says it already
had it. What the transport gives up on (not storable, abandoned at stop, skipped by a
gap in the stream) counts as lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llmgine.transports.nats._tally import Tally


@dataclass(slots=True, eq=False)
class _Own:
    event_id: str
    session_id: str
    seq: int = 0
    stored: bool = False
    arrived: bool = False
    wanted: bool = False
    delivered: bool = False


@dataclass(slots=True)
class _Early:
    event_id: str
    wanted: bool
    delivered: bool | None = None


class OwnEvents:
    """See the module docstring."""

    def __init__(self, *, bound: int, hard_limit: int) -> None:
        self.tally = Tally(bound=bound, hard_limit=hard_limit)
        self._by_id: dict[str, list[_Own]] = {}
        self._by_seq: dict[int, _Own] = {}
        self._early: dict[int, _Early] = {}
        self.last_seen: Callable[[], int] = lambda: 0
        """The last stream sequence the subscription has read (set once it exists)."""

    def add(self, event_id: str, session_id: str) -> None:
        self._by_id.setdefault(event_id, []).append(_Own(event_id, session_id))
        self.tally.add(session_id)

    def stored(self, event_id: str, seq: int, duplicate: bool) -> None:
        own = next((o for o in self._by_id.get(event_id, ()) if not o.stored), None)
        if own is None:
            return
        own.stored, own.seq = True, seq
        early = self._early.pop(seq, None)
        if early is not None:
            own.arrived, own.wanted = True, early.wanted
            if early.delivered is not None:
                own.delivered = early.delivered
                if not early.delivered:
                    self._finish(own, lost=True)
                    return
        elif duplicate and (seq in self._by_seq or seq <= self.last_seen()):
            self._finish(own)  # its one copy in the stream is another publish's
            return
        else:
            self._by_seq[seq] = own
        self._settle(own)

    def arrived(self, event_id: str, seq: int, wanted: bool) -> None:
        if event_id not in self._by_id:
            return  # another process's event
        own = self._by_seq.get(seq)
        if own is None:
            self._early[seq] = _Early(event_id, wanted)
            return
        own.arrived, own.wanted = True, wanted
        self._settle(own)

    def delivered(self, event_id: str, ok: bool) -> None:
        for own in self._by_id.get(event_id, ()):
            if own.arrived and own.wanted and not own.delivered:
                own.delivered = True
                if ok:
                    self._settle(own)
                else:
                    self._finish(own, lost=True)
                return
        for early in self._early.values():
            if early.event_id == event_id and early.wanted and early.delivered is None:
                early.delivered = ok
                return

    def lose(self, event_id: str) -> None:
        """The transport gave up storing this event."""
        own = next((o for o in self._by_id.get(event_id, ()) if not o.stored), None)
        if own is not None:
            self._finish(own, lost=True)

    def missed(self, first: int, last: int) -> None:
        """The subscription skipped stream sequences ``first..last``."""
        for seq in [s for s in self._by_seq if first <= s <= last]:
            self._finish(self._by_seq[seq], lost=True)

    def lose_all(self) -> None:
        """Everything still on its way is lost (the transport stops or broke)."""
        for owns in list(self._by_id.values()):
            for own in list(owns):
                self._finish(own, lost=True)
        self._early.clear()

    def _settle(self, own: _Own) -> None:
        if own.stored and own.arrived and (own.delivered or not own.wanted):
            self._finish(own)

    def _finish(self, own: _Own, *, lost: bool = False) -> None:
        owns = self._by_id.get(own.event_id)
        if owns is None or own not in owns:
            return
        owns.remove(own)
        if not owns:
            del self._by_id[own.event_id]
        if self._by_seq.get(own.seq) is own:
            del self._by_seq[own.seq]
        self.tally.done(own.session_id, lost=lost)
