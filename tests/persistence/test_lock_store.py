"""stores.lock_store.AtomicRedisLockStore keeps one conversation's messages
one at a time even when several processes (servers) take its lock at once.

Each worker process stands for a Rasa server handling many messages of the
same conversation; inside the lock they do a deliberately racy read, sleep and
write of a counter. Rasa's stock RedisLockStore fails this: tickets vanish
(messages then wait forever) and two holders overlap.
"""
from __future__ import annotations

import subprocess
import sys

import pytest
import redis

from tests.servers import ROOT

pytestmark = pytest.mark.slow

WORKER = """
import asyncio, sys
import redis
from stores.lock_store import AtomicRedisLockStore

port, holders = int(sys.argv[1]), int(sys.argv[2])
store = AtomicRedisLockStore(host="127.0.0.1", port=port, db=0, key_prefix="locktest")
counters = redis.Redis(port=port)

async def handle_one_message():
    try:
        async with store.lock("one-conversation"):
            if counters.incr("inside") > 1:
                counters.incr("overlaps")
            value = int(counters.get("handled") or 0)
            await asyncio.sleep(0.01)
            counters.set("handled", value + 1)
            counters.decr("inside")
    except Exception:
        counters.incr("errors")

async def main():
    await asyncio.gather(*(handle_one_message() for _ in range(holders)))

asyncio.run(main())
"""


def test_three_servers_locking_one_conversation_take_turns(own_redis):
    counters = redis.Redis(port=own_redis.port)
    counters.delete("inside", "overlaps", "handled", "errors")
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(own_redis.port), "10"], cwd=ROOT)
        for _ in range(3)
    ]
    for worker in workers:
        assert worker.wait(timeout=120) == 0

    assert counters.get("errors") is None
    assert counters.get("overlaps") is None, "two holders of one lock at once"
    assert int(counters.get("handled")) == 30, "every message handled once"
    assert counters.keys("locktest:*") == [], "the lock is gone once nobody waits"
