"""Remember which deliveries a channel has already handled, for a while.

Slack and Telegram both re-send an event when they think it was lost (Slack
retries up to three times within minutes; Telegram "repeats the request" until
it gets a 2xx). Answering each copy would send the person the same reply again,
so the connectors record the delivery's id and drop a second copy, e.g.::

    recent = RecentIds(ttl_seconds=3600, max_items=10_000)
    recent.first_time("Ev0PV52K21")  # True: handle it
    recent.first_time("Ev0PV52K21")  # False: a retry, ignore it

The memory is bounded (oldest ids are forgotten first) and per process: with
several Rasa servers behind a load balancer a retry can reach a server that
never saw the original (see docs/channels/slack.md).
"""
from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable, Hashable


class RecentIds:
    """A bounded set of ids that forgets each id ``ttl_seconds`` after it was added."""

    def __init__(
        self,
        ttl_seconds: float = 24 * 3600,
        max_items: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_items = max_items
        self._clock = clock
        self._added: "OrderedDict[Hashable, float]" = OrderedDict()

    def first_time(self, key: Hashable) -> bool:
        """True the first time ``key`` is seen within the ttl; records it."""
        now = self._clock()
        self._forget_expired(now)
        if key in self._added:
            return False
        self._added[key] = now
        while len(self._added) > self.max_items:
            self._added.popitem(last=False)
        return True

    def __contains__(self, key: Hashable) -> bool:
        self._forget_expired(self._clock())
        return key in self._added

    def __len__(self) -> int:
        return len(self._added)

    def _forget_expired(self, now: float) -> None:
        while self._added:
            oldest_key, added_at = next(iter(self._added.items()))
            if now - added_at < self.ttl_seconds:
                break
            del self._added[oldest_key]
