"""Rasa's SQL tracker store, made to fail visibly, keep text out of logs and forget.

``endpoints.yml`` (SQLite) and ``endpoints.scale.yml`` (PostgreSQL) use it as
``type: stores.tracker_store.SafeSQLTrackerStore`` with the same settings as
Rasa's ``type: SQL``; the data is Rasa's own ``events`` table, unchanged.
Seven differences:

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
   stored. Every channel of ours installs it (``channels/base.py``), so it
   holds whichever channels credentials.yml lists.
4. A turn in which the bot sent the erase payload (``{"erase": true}``, the
   response ``utter_conversation_erased``) is not saved: the whole
   conversation is deleted instead (``erase``), inside the conversation's
   lock, so nothing of it is left, not even the request to erase it.
5. ``purge(days)`` deletes conversations idle for longer than ``days``; the
   Rasa server runs it every hour (``purge_periodically``, ``RETENTION_DAYS``).
   The SQL is in ``stores/retention.py``, shared with ``make forget``/``purge``.
6. Each saved turn's new events are counted for ``GET /metrics`` (triage
   replies, fallbacks, check-ins; ``observability/metrics.py``): counts only.
7. A SQLite file is private: created 0600 in a folder created 0700 (an
   existing folder holding nothing but the database is tightened to 0700), and
   deleted rows are overwritten (``secure_delete``).

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

import asyncio
import itertools
import json
import logging
import os
import stat
from pathlib import Path
from typing import Any, Iterator, Optional, Text, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import (
    FailSafeTrackerStore,
    SQLTrackerStore,
    create_engine_kwargs,
)
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from observability import metrics
from stores import retention

logger = logging.getLogger(__name__)

# On a tracker this store loaded or saved: how many of its events are stored.
STORED_EVENTS = "_events_already_stored"
# The custom payload that asks for the conversation to be erased: {"erase": true}.
ERASE_PAYLOAD = "erase"
# SQLite's companions of a database file.
SQLITE_SIBLINGS = ("", "-wal", "-shm", "-journal")


def erase_requested(tracker: DialogueStateTracker) -> bool:
    """True if the bot sent the erase payload since the person's latest message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered):
            custom = (event.data or {}).get("custom")
            if isinstance(custom, dict) and custom.get(ERASE_PAYLOAD) is True:
                return True
    return False


def private_sqlite_file(database: str) -> None:
    """Create ``database`` 0600 in a folder 0700 (see the module docstring, 6).

    An existing folder is tightened only when it holds nothing but this
    database: pointed at /tmp or a home directory, the store leaves it alone.
    """
    path = Path(database)
    folder = path.parent
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True)
    names = {path.name + suffix for suffix in SQLITE_SIBLINGS}
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077 and folder.stat().st_uid == os.getuid():
        if all(entry.name in names for entry in folder.iterdir()):
            folder.chmod(0o700)
        else:
            logger.warning(
                "reason=shared_folder: the folder of TRACKER_SQLITE_PATH holds other files, so its "
                "permissions (%o) are left as they are; the database file itself is 0600.", mode,
            )
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for suffix in SQLITE_SIBLINGS:
        sibling = Path(str(path) + suffix)
        if sibling.exists() and stat.S_IMODE(sibling.stat().st_mode) != 0o600:
            sibling.chmod(0o600)


def _sqlite_database(args: Tuple[Any, ...], kwargs: dict) -> Optional[str]:
    """The file a SQLite store would open, from SQLTrackerStore's arguments."""
    dialect = kwargs.get("dialect", args[1] if len(args) > 1 else "sqlite")
    database = kwargs.get("db", args[4] if len(args) > 4 else "rasa.db")
    if dialect != "sqlite" or kwargs.get("host") or database in (None, "", ":memory:"):
        return None
    return str(database)


class SafeSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` with the engine options above; see the module docstring."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        database = _sqlite_database(args, kwargs)
        if database:
            private_sqlite_file(database)  # before SQLite creates it with the umask
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
        retention.secure_delete_on_sqlite(self.engine)
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
        if erase_requested(tracker):
            deleted = self.erase(tracker.sender_id)
            logger.info("reason=erased_on_request events=%d", deleted)
            setattr(tracker, STORED_EVENTS, len(tracker.events))
            return
        stored = getattr(tracker, STORED_EVENTS, None)
        await super().save(tracker)
        # What the turn did, counted once it is stored (observability/metrics.py).
        metrics.observe_turn(itertools.islice(tracker.events, stored or 0, None))
        setattr(tracker, STORED_EVENTS, len(tracker.events))

    def erase(self, sender_id: Text) -> int:
        """Delete every event of one conversation; return how many."""
        return retention.forget(self.engine, sender_id)

    def purge(self, days: float) -> Tuple[int, int]:
        """Delete conversations idle for more than ``days``: (conversations, events)."""
        return retention.purge(self.engine, days)


def unwrapped(store: Any) -> Any:
    """The store inside Rasa's wrappers (``FailSafeTrackerStore``, ``AwaitableTrackerStore``)."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


async def purge_periodically(app: Any, days: float, interval_seconds: float) -> None:
    """Purge conversations idle for more than ``days``, now and every ``interval_seconds``.

    Started by the channels once the server runs (``channels/edge.py``); with
    several Rasa servers each purges, which is harmless (the same DELETE).
    """
    loop = asyncio.get_running_loop()
    while True:
        store = unwrapped(getattr(getattr(app.ctx, "agent", None), "tracker_store", None))
        if isinstance(store, SafeSQLTrackerStore):
            try:
                conversations, events = await loop.run_in_executor(None, store.purge, days)
                if conversations:
                    logger.info(
                        "reason=retention_purge conversations=%d events=%d days=%g",
                        conversations, events, days,
                    )
            except Exception as error:  # noqa: BLE001 - try again next time
                logger.warning("reason=retention_purge_failed error=%s", type(error).__name__)
        await asyncio.sleep(interval_seconds)


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
