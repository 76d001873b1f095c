"""The embedded SQLite tracker store: write-ahead log, same data as Rasa's."""
from __future__ import annotations

import asyncio
import sqlite3

from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from stores.tracker_store import SafeSQLTrackerStore


def conversation(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered("my calf cramps at night", {"name": "describe_symptom", "confidence": 0.9}),
        SlotSet("body_part", "calf"),
        ActionExecuted("symptom_check_form"),
    ])


def test_sqlite_file_uses_the_write_ahead_log_and_keeps_every_event(tmp_path):
    path = tmp_path / "conversations.db"
    store = SafeSQLTrackerStore(dialect="sqlite", db=str(path))
    asyncio.run(store.save(conversation("alice")))
    stored = asyncio.run(store.retrieve("alice"))
    store.engine.dispose()

    with sqlite3.connect(path) as connection:  # the mode stays with the file
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = connection.execute("SELECT COUNT(*) FROM events WHERE sender_id = 'alice'").fetchone()[0]
    assert rows == 4
    assert [type(event) for event in stored.events] == [ActionExecuted, UserUttered, SlotSet, ActionExecuted]
    assert SlotSet("body_part", "calf") in stored.events


def test_in_memory_sqlite_still_works(tmp_path):
    store = SafeSQLTrackerStore(dialect="sqlite", db=None)
    asyncio.run(store.save(conversation("bob")))
    assert SlotSet("body_part", "calf") in asyncio.run(store.retrieve("bob")).events


def test_retrieve_reads_the_latest_session_only_and_nothing_for_strangers(tmp_path):
    from rasa.shared.core.events import SessionStarted

    store = SafeSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "conversations.db"))
    tracker = conversation("carol")
    tracker.update(SessionStarted(timestamp=tracker.events[-1].timestamp + 1))
    tracker.update(UserUttered("hello again", {"name": "greet", "confidence": 1.0},
                               timestamp=tracker.events[-1].timestamp + 2))
    asyncio.run(store.save(tracker))

    latest = asyncio.run(store.retrieve("carol"))
    everything = asyncio.run(store.retrieve_full_tracker("carol"))
    assert [type(event) for event in latest.events] == [SessionStarted, UserUttered]
    assert len(everything.events) == 6
    assert asyncio.run(store.retrieve("nobody")) is None


def _statements(store: SafeSQLTrackerStore) -> list:
    """Every SQL statement the store's engine runs from now on."""
    import sqlalchemy as sa

    seen: list = []
    sa.event.listen(store.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *args: seen.append(statement))
    return seen


def _rows(path, sender: str) -> list:
    with sqlite3.connect(path) as connection:
        return [row[0] for row in connection.execute(
            "SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,))]


def _domain():
    from rasa.shared.core.domain import Domain

    return Domain.from_dict({"slots": {"body_part": {"type": "text", "mappings": [{"type": "custom"}]}}})


def test_a_loaded_conversation_is_saved_without_counting_and_without_duplicates(tmp_path):
    path = tmp_path / "conversations.db"
    store = SafeSQLTrackerStore(domain=_domain(), dialect="sqlite", db=str(path))
    asyncio.run(store.save(conversation("dan")))  # new tracker: Rasa's count query

    loaded = asyncio.run(store.retrieve("dan"))
    statements = _statements(store)
    loaded.update(UserUttered("about five minutes", {"name": "inform", "confidence": 0.9}))
    asyncio.run(store.save(loaded))
    loaded.update(ActionExecuted("symptom_check_form"))
    asyncio.run(store.save(loaded))  # the same object again: only the newest event

    assert not [s for s in statements if "count(" in s.lower()]
    assert _rows(path, "dan") == ["action", "user", "slot", "action", "user", "action"]


def test_a_conversation_erased_mid_turn_is_not_written_back(tmp_path):
    path = tmp_path / "conversations.db"
    store = SafeSQLTrackerStore(domain=_domain(), dialect="sqlite", db=str(path))
    asyncio.run(store.save(conversation("erin")))
    loaded = asyncio.run(store.retrieve("erin"))
    with sqlite3.connect(path) as connection:  # `make forget` while the turn runs
        connection.execute("DELETE FROM events WHERE sender_id = 'erin'")
    loaded.update(UserUttered("about five minutes", {"name": "inform", "confidence": 0.9}))
    asyncio.run(store.save(loaded))
    assert _rows(path, "erin") == ["user"]


def test_a_new_session_in_a_loaded_conversation_is_stored_whole(tmp_path):
    from rasa.shared.core.events import SessionStarted

    path = tmp_path / "conversations.db"
    store = SafeSQLTrackerStore(domain=_domain(), dialect="sqlite", db=str(path))
    asyncio.run(store.save(conversation("fay")))
    loaded = asyncio.run(store.retrieve("fay"))
    later = loaded.events[-1].timestamp + 3600
    loaded.update(ActionExecuted("action_session_start", timestamp=later))
    loaded.update(SessionStarted(timestamp=later))
    loaded.update(ActionExecuted("action_listen", timestamp=later))
    asyncio.run(store.save(loaded))

    assert len(_rows(path, "fay")) == 7
    assert [type(e) for e in asyncio.run(store.retrieve("fay")).events] == [
        ActionExecuted, SessionStarted, ActionExecuted]
