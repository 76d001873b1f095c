"""Rasa's SQL tracker store, made to fail visibly and to keep text out of logs.

``endpoints.yml`` (SQLite) and ``endpoints.scale.yml`` (PostgreSQL) use it as
``type: stores.tracker_store.SafeSQLTrackerStore`` with the same settings as
Rasa's ``type: SQL``; the data is Rasa's own ``events`` table, unchanged.
Three differences:

1. A connection the database dropped (restart, failover, idle timeout,
   ``pg_terminate_backend``) is replaced before it is used
   (``pool_pre_ping``), so the next message works instead of failing.
2. SQL errors never carry the stored values (``hide_parameters``). Rasa logs
   tracker store errors, and SQLAlchemy would put each event's JSON (message
   text, slot values) into the log line.
3. A failing store is an error, not a new conversation. Rasa wraps every
   tracker store in ``FailSafeTrackerStore``, which on an error goes on with a
   blank conversation kept in memory: mid check-in the person would get answers
   that ignore what they said, and that turn is lost when the database is back.
   ``raise_tracker_store_errors`` makes the wrapper re-raise, so the channel
   sends its apology (``channels/never_silent.py``) and nothing half-done is
   stored. The REST channel installs it (``channels/rest.py``).

SQLite (the ``make run`` default) also gets its write-ahead log
(``journal_mode=WAL``): a commit writes and syncs one file instead of a
rollback journal plus the database, 0.2 ms instead of 0.8 ms per commit on
the benchmark machine, and Rasa's SQL calls block the server's event loop, so
that time is every user's. Durability is unchanged (``synchronous`` stays
FULL), and ``make forget``/``make purge`` can read while the server writes.
A SQLite file is local, so the connection check before each use is skipped
and the connection is kept instead of reopened for every message.
"""
from __future__ import annotations

import itertools
import json
import logging
from typing import Any, Iterator, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    SQLTrackerStore,
    create_engine_kwargs,
)
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# On a tracker this store loaded or saved: how many of its events are stored.
STORED_EVENTS = "_events_already_stored"


class SafeSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with the engine options above; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Rasa creates the tables (and, with ``login_db``, the database) on its
        # own engine; this one replaces it for everything after that.
        super().__init__(*args, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        is_sqlite = url.get_backend_name() == "sqlite"
        options = create_engine_kwargs(url)
        if is_sqlite:
            # SQLAlchemy 1.4 opens and closes a SQLite file per session (NullPool);
            # Rasa uses the store from the server's event-loop thread only, so
            # one kept connection per thread is safe and saves that per message.
            options["poolclass"] = sa.pool.SingletonThreadPool
        self.engine = sa.create_engine(
            url, pool_pre_ping=not is_sqlite, hide_parameters=True, **options
        )
        if is_sqlite and url.database not in (None, "", ":memory:"):
            use_write_ahead_log(self.engine)
        self.Base.metadata.create_all(self.engine)  # an in-memory database is new per engine
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def _retrieve(
        self, sender_id: Text, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        """Rasa's ``_retrieve``, reading only the ``data`` column.

        Rasa builds an ORM object per stored event and then uses only its JSON;
        the same query asking for that one column skips the objects.
        """
        with self.session_scope() as session:
            rows = (
                self._event_query(session, sender_id, fetch_events_from_all_sessions)
                .with_entities(self.SQLEvent.data)
                .all()
            )
        events = [json.loads(data) for (data,) in rows]
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        if not fetch_events_from_all_sessions:
            setattr(tracker, STORED_EVENTS, len(rows))
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        """The events of ``tracker`` not stored yet.

        Rasa counts the stored events of the session with a query on every save
        (half the time of a save). A tracker this store loaded, or saved, knows
        how many of its events are stored; only a new one needs the query.
        Messages of one conversation never overlap (lock store), so the number
        cannot go stale; and if ``make forget`` erased the conversation
        mid-turn, only that turn's events are written, not the erased ones again.
        """
        stored = getattr(tracker, STORED_EVENTS, None)
        if stored is None or tracker.events.maxlen is not None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        setattr(tracker, STORED_EVENTS, len(tracker.events))


def use_write_ahead_log(engine: sa.engine.Engine) -> None:
    """Switch a SQLite file to its write-ahead log; the setting stays with the file."""
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
    if str(mode).lower() != "wal":  # e.g. a network file system: slower, still correct
        logger.warning("SQLite kept journal_mode=%s; conversations are stored without the write-ahead log.", mode)


def _reraise(error: Exception) -> None:
    raise error


def raise_tracker_store_errors(app: Any, _loop: Any = None) -> None:
    """Sanic listener: make the agent's ``FailSafeTrackerStore`` re-raise errors.

    Runs once the agent is loaded (``after_server_start``). Without it Rasa
    answers from a blank in-memory conversation while the database is down.
    """
    store = getattr(getattr(app.ctx, "agent", None), "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        # The wrapper's constructor takes this callback, but Rasa's Agent never
        # passes one; rasa is pinned (3.6.21), and tests/persistence checks it.
        store._on_tracker_store_error = _reraise
