"""Shared fixtures: the real servers (started once per test session)."""
from __future__ import annotations

import pytest

from tests.servers import MODEL, AssistantServers


@pytest.fixture(scope="session")
def fake_platforms():
    """Fake Slack and Telegram APIs on loopback (tests/channels/fakes.py)."""
    from tests.channels.fakes import FakePlatforms

    with FakePlatforms() as fakes:
        yield fakes


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory, fake_platforms) -> AssistantServers:
    """One set of real servers for the whole run; Slack and Telegram talk to the fakes."""
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does).")
    running = AssistantServers(
        tmp_path_factory.mktemp("servers"), env=fake_platforms.channel_env()
    ).start()
    yield running
    running.stop()



@pytest.fixture(scope="session")
def nlu_parse():
    """Parse text with the trained model in-process: ``nlu_parse("hi")["intent"]``."""
    import asyncio

    from rasa.core.agent import Agent

    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` first (make test does).")
    agent = Agent.load(str(MODEL))
    loop = asyncio.new_event_loop()

    def parse(text: str) -> dict:
        return loop.run_until_complete(agent.parse_message(text))

    yield parse
    loop.close()


@pytest.fixture(scope="session")
def domain():
    """The project's domain as Rasa trains with it (retrieval responses included)."""
    from rasa.shared.importers.importer import TrainingDataImporter

    from tests.servers import ROOT

    importer = TrainingDataImporter.load_from_config(
        str(ROOT / "config.yml"), str(ROOT / "domain.yml"), [str(ROOT / "data")]
    )
    return importer.get_domain()
