"""Helpers for the tests against the real servers in this folder.

They read the servers' SQLite file (``servers.db_path``) the way an attacker
with the database would not need to: to check what each channel stored, and
under which conversation id. They use no project module, so the same tests
can be pointed at an older checkout to show that they fail there.
"""
from __future__ import annotations

import sqlite3
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Callable, List, Set

MARKER_PREFIX = "zebra"


def marker() -> str:
    """A string no other test sends: ``zebra3f9a1c0b``."""
    return MARKER_PREFIX + uuid.uuid4().hex[:8]


def rows(db: Path, sql: str, *params) -> List[tuple]:
    with closing(sqlite3.connect(db, timeout=30)) as connection:
        return connection.execute(sql, params).fetchall()


def senders_ending_with(db: Path, platform_id: str) -> Set[str]:
    """Stored conversation ids for a platform id, whatever the prefix (none, or ``channel:``)."""
    found = rows(db, "SELECT DISTINCT sender_id FROM events")
    return {sender for (sender,) in found if sender == platform_id or sender.endswith(":" + platform_id)}


def stored_texts(db: Path, sender: str) -> str:
    """Everything stored for one conversation, as one string."""
    return "\n".join(data for (data,) in rows(db, "SELECT data FROM events WHERE sender_id = ?", sender))


def event_count(db: Path, sender: str) -> int:
    return rows(db, "SELECT COUNT(*) FROM events WHERE sender_id = ?", sender)[0][0]


def senders_containing(db: Path, text: str) -> Set[str]:
    found = rows(db, "SELECT DISTINCT sender_id FROM events WHERE data LIKE ?", f"%{text}%")
    return {sender for (sender,) in found}


def wait_until(condition: Callable[[], bool], timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not true within {timeout} s")
        time.sleep(0.25)


def log_since(path: Path, offset: int) -> str:
    with open(path, "rb") as handle:
        handle.seek(offset)
        return handle.read().decode("utf-8", errors="replace")


def log_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
