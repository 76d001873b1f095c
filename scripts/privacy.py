"""Erase conversations from the tracker store that an endpoints file configures.

    make forget SENDER=telegram:1111111  # one person's conversation, every session
    make purge DAYS=30                   # conversations idle for more than 30 days

or directly, e.g. against the scale-out profile's PostgreSQL:

    python scripts/privacy.py --endpoints endpoints.scale.yml forget -- slack:T123ABC456:U024BE7LH
    python scripts/privacy.py --endpoints endpoints.scale.yml purge --days 30 --dry-run

Conversation ids carry their channel (``rest:<sender>``, ``socketio:<session
id>``, ``slack:<team>:<member>``, ``telegram:<chat>``; channels/conversation_ids.py);
the id is taken literally. The Rasa server also purges by itself every hour
(``RETENTION_DAYS``); ``make purge`` is for a server that is not running, or
a shorter period once.

Works on Rasa's SQL tracker store (SQLite or PostgreSQL): table ``events``,
one row per event, with ``sender_id`` and ``timestamp`` (Unix seconds); the
SQL is in stores/retention.py. A conversation is purged whole when its newest
event is older than the cut-off, so no half conversation is left behind. With
a Redis lock store, ``forget``
holds the conversation's lock while it deletes, so a message being handled at
that moment cannot write the conversation back. On SQLite the deleted rows are
overwritten (``secure_delete``). Prints counts only, never content.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import warnings
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Optional

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning)  # Rasa 3.6 on SQLAlchemy 1.4

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # custom store classes (addons/) load by module path

import sqlalchemy as sa  # noqa: E402

from channels.conversation_ids import channel_of  # noqa: E402
from stores.retention import forget, purge, secure_delete_on_sqlite  # noqa: E402


class PrivacyError(Exception):
    """Something the operator must fix; the message says what."""


def read_endpoints(path: Path) -> Dict[str, Any]:
    """The endpoints file with ``${VAR}`` values filled in, as Rasa reads it."""
    from rasa.shared.utils.io import read_yaml_file

    if not path.is_file():
        raise PrivacyError(f"no endpoints file at {path}")
    try:
        return read_yaml_file(str(path)) or {}
    except Exception as error:  # e.g. an unset ${VAR}
        raise PrivacyError(f"cannot read {path}: {error}") from error


def tracker_store_engine(endpoints: Dict[str, Any]) -> sa.engine.Engine:
    """An engine on the SQL database the Rasa server stores conversations in."""
    from rasa.core.tracker_store import SQLTrackerStore

    config = dict(endpoints.get("tracker_store") or {})
    store_type = str(config.pop("type", "") or "")
    if store_type.lower() != "sql" and not store_type.endswith("SQLTrackerStore"):
        raise PrivacyError(
            f"the tracker store is {store_type or 'in memory'!r}; this command works on SQL tracker stores"
        )
    dialect = config.get("dialect", "sqlite")
    url = SQLTrackerStore.get_db_url(
        dialect=dialect,
        host=config.get("url"),
        port=int(config["port"]) if config.get("port") else None,
        db=config.get("db", "rasa.db"),
        username=config.get("username") or None,
        password=config.get("password") or None,
        query=config.get("query"),
    )
    if dialect == "sqlite" and not Path(config.get("db", "rasa.db")).is_file():
        raise PrivacyError(f"no conversations database at {config.get('db', 'rasa.db')}")
    engine = sa.create_engine(url, hide_parameters=True)
    secure_delete_on_sqlite(engine)
    return engine


@asynccontextmanager
async def conversation_locked(endpoints: Dict[str, Any], sender_id: str) -> AsyncIterator[None]:
    """Hold the conversation's lock in a shared (Redis) lock store, if there is one.

    An in-memory lock store lives inside the one Rasa server, out of reach.
    """
    config = endpoints.get("lock_store") or {}
    if str(config.get("type", "in_memory")) == "in_memory":
        yield
        return
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    try:
        store = LockStore.create(EndpointConfig.from_dict(dict(config)))
        lock = store.lock(sender_id)
        await lock.__aenter__()
    except Exception as error:  # Redis down: no server can take messages either
        print(f"warning: could not take the conversation's lock ({error}); deleting anyway.", file=sys.stderr)
        yield
        return
    try:
        yield
    finally:
        await lock.__aexit__(None, None, None)


async def forget_locked(endpoints: Dict[str, Any], engine: sa.engine.Engine, sender_id: str) -> int:
    async with conversation_locked(endpoints, sender_id):
        return forget(engine, sender_id)


def positive_days(value: str) -> float:
    days = float(value)
    if not days > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return days


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--endpoints", type=Path, default=Path("endpoints.yml"),
        help="endpoints file whose tracker_store to work on (default: endpoints.yml)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    forget_parser = commands.add_parser("forget", help="erase one conversation by sender id")
    forget_parser.add_argument("sender_id")
    purge_parser = commands.add_parser("purge", help="delete conversations idle for more than --days")
    purge_parser.add_argument("--days", type=positive_days, required=True)
    purge_parser.add_argument("--dry-run", action="store_true", help="count, do not delete")
    args = parser.parse_args(argv)

    try:
        endpoints = read_endpoints(args.endpoints)
        engine = tracker_store_engine(endpoints)
        if args.command == "forget":
            if not args.sender_id:
                raise PrivacyError("the sender id must not be empty")
            deleted = asyncio.run(forget_locked(endpoints, engine, args.sender_id))
            print(f"Erased the conversation of sender id {args.sender_id!r}: {deleted} events.")
            if not deleted and not channel_of(args.sender_id):
                print(
                    "note: conversations are stored under their channel's id: rest:<sender>, "
                    "socketio:<session id>, slack:<team>:<member>, telegram:<chat> (README, "
                    "\"Security and privacy\").",
                    file=sys.stderr,
                )
        else:
            conversations, events = purge(engine, args.days, args.dry_run)
            verb = "Would delete" if args.dry_run else "Deleted"
            print(
                f"{verb} {conversations} conversations ({events} events) "
                f"with no activity for more than {args.days:g} days."
            )
    except PrivacyError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except sa.exc.OperationalError as error:
        print(f"error: cannot reach the tracker store database: {error.orig}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
