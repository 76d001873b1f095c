"""Erasing conversations from Rasa's SQL ``events`` table: one home for the SQL.

Used by the Rasa server (``SafeSQLTrackerStore.erase`` when a person asks in
the chat, and its hourly purge) and by ``scripts/privacy.py`` (``make forget``,
``make purge``). One row per event, with ``sender_id`` and ``timestamp`` (Unix
seconds)::

    forget(engine, "telegram:1111111")   # -> events deleted, every session
    purge(engine, days=30)               # -> (conversations, events) deleted

A conversation is purged whole when its newest event is older than the
cut-off, so no half conversation is left behind. On SQLite, connections made
by ``secure_delete_on_sqlite`` overwrite what they delete, and after each
delete the write-ahead log, which still holds the rows as they were written,
is checkpointed and truncated to nothing.
"""
from __future__ import annotations

import time
from typing import Tuple

import sqlalchemy as sa

SECONDS_PER_DAY = 24 * 3600

IDLE_CONVERSATIONS = """
    SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff
"""


def secure_delete_on_sqlite(engine: sa.engine.Engine) -> None:
    """Every new SQLite connection of ``engine`` zeroes the content it deletes."""
    if engine.dialect.name == "sqlite":
        sa.event.listen(
            engine, "connect", lambda connection, _: connection.execute("PRAGMA secure_delete = ON")
        )


def truncate_write_ahead_log(engine: sa.engine.Engine) -> None:
    """Copy SQLite's write-ahead log into the database and empty it (best effort:
    a reader in the middle of a query may keep it until the next delete)."""
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def has_events_table(engine: sa.engine.Engine) -> bool:
    return sa.inspect(engine).has_table("events")


def forget(engine: sa.engine.Engine, sender_id: str) -> int:
    """Delete every event of ``sender_id`` (taken literally); return how many."""
    if not has_events_table(engine):
        return 0
    with engine.begin() as connection:
        deleted = connection.execute(
            sa.text("DELETE FROM events WHERE sender_id = :sender_id"), {"sender_id": sender_id}
        ).rowcount
    if deleted:
        truncate_write_ahead_log(engine)
    return deleted


def purge(engine: sa.engine.Engine, days: float, dry_run: bool = False) -> Tuple[int, int]:
    """Delete conversations whose newest event is older than ``days``.

    Returns (conversations, events) deleted, or that would be with ``dry_run``.
    """
    if not has_events_table(engine):
        return 0, 0
    cutoff = time.time() - days * SECONDS_PER_DAY
    with engine.begin() as connection:
        conversations, events = connection.execute(
            sa.text(
                f"SELECT COUNT(DISTINCT sender_id), COUNT(*) FROM events "
                f"WHERE sender_id IN ({IDLE_CONVERSATIONS})"
            ),
            {"cutoff": cutoff},
        ).one()
        if not dry_run and events:
            connection.execute(
                sa.text(f"DELETE FROM events WHERE sender_id IN ({IDLE_CONVERSATIONS})"),
                {"cutoff": cutoff},
            )
    if events and not dry_run:
        truncate_write_ahead_log(engine)
    return conversations, events
