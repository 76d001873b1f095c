"""Rasa's Redis lock store with atomic ticket updates, for several Rasa servers.

The lock store makes the messages of one conversation wait for each other:
each message draws a ticket and is handled when its number comes up, so two
servers never work on the same conversation at once (which would lose events
in the tracker store). Rasa's ``RedisLockStore`` updates the ticket list with a
plain read, change and write. Two servers doing that at the same moment can
overwrite each other: a ticket disappears, two messages get the same ticket,
or a lock is deleted while a message still waits for it. This subclass does
each read-change-write in one Redis transaction (``WATCH``/``MULTI``, retried
when another server changed the lock in between), e.g.::

    store = AtomicRedisLockStore(host="127.0.0.1", port=6379, db=1)
    async with store.lock("sender-42"):
        ...  # only this message of sender-42 is being handled, on any server

Differences from the stock store besides atomicity: waiting messages check
every 0.25 s instead of every second, and a lock key expires in Redis once its
last ticket has, so a crashed server leaves nothing behind.
``endpoints.scale.yml`` uses it as ``type: stores.lock_store.AtomicRedisLockStore``.
"""
from __future__ import annotations

import json
import math
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Optional, Text, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")

# How often a waiting message checks whether its ticket is being served.
WAIT_BETWEEN_CHECKS_SECONDS = 0.25


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket updates are Redis transactions."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: Any) -> None:
        # Rasa builds custom lock stores from the endpoints file this way.
        if endpoint_config is not None:
            if endpoint_config.url:
                kwargs.setdefault("host", endpoint_config.url)
            kwargs = {**endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = WAIT_BETWEEN_CHECKS_SECONDS,
    ) -> AsyncGenerator[TicketLock, None]:
        async with super().lock(conversation_id, lock_lifetime, wait_time_in_seconds) as lock:
            yield lock

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            return self._change(
                conversation_id, lambda lock: lock.issue_ticket(lock_lifetime), create=True
            )
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: Text) -> None:
        self._change(conversation_id, lambda lock: lock.remove_expired_tickets())

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._change(conversation_id, lambda lock: lock.remove_ticket_for(ticket_number))

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        # finish_serving deletes the lock when no ticket is left, in the same
        # transaction; the stock store checks and deletes in two more steps.
        self.finish_serving(conversation_id, ticket_number)

    def _change(
        self,
        conversation_id: Text,
        change: Callable[[TicketLock], T],
        create: bool = False,
    ) -> Optional[T]:
        """Apply ``change`` to the stored lock in one transaction; return its result.

        The lock is saved with an expiry at its last ticket's, or deleted when
        no ticket is left. Without ``create``, a missing lock stays missing.
        """
        key = self.key_prefix + conversation_id
        result: Optional[T] = None

        def transaction(pipe) -> None:
            nonlocal result
            serialised = pipe.get(key)
            if serialised:
                lock = TicketLock.from_dict(json.loads(serialised))
            elif create:
                lock = self.create_lock(conversation_id)
            else:
                return
            result = change(lock)
            lock.remove_expired_tickets()
            pipe.multi()
            if lock.tickets:
                last_expiry = max(ticket.expires for ticket in lock.tickets)
                ttl_ms = max(1, math.ceil((last_expiry - time.time()) * 1000))
                pipe.set(key, lock.dumps(), px=ttl_ms)
            else:
                pipe.delete(key)

        self.red.transaction(transaction, key)
        return result
