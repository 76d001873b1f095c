"""Fixtures for the persistence tests: a model that stays put, PostgreSQL, Redis."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.persistence.services import OwnRedis, Postgres
from tests.servers import MODEL


@pytest.fixture(scope="session")
def stable_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the trained model, so a training that rewrites it mid-run
    cannot change what a restarted server loads."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does).")
    deadline = time.monotonic() + 600
    while time.time() - MODEL.stat().st_mtime < 5 and time.monotonic() < deadline:
        time.sleep(1)  # being written right now
    copy = tmp_path_factory.mktemp("model") / MODEL.name
    shutil.copy2(MODEL, copy)
    return copy


@pytest.fixture(scope="session")
def postgres() -> Postgres:
    server = Postgres()
    if server.unavailable:
        pytest.skip(f"{server.unavailable}; PostgreSQL tests skipped.")
    return server


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory: pytest.TempPathFactory):
    """A redis-server of this module's own, so a test may restart it."""
    redis = OwnRedis(tmp_path_factory.mktemp("redis"))
    if not redis.binary:
        pytest.skip("redis-server is not installed; the Redis tests start their own and are skipped.")
    redis.start()
    yield redis
    redis.stop()
