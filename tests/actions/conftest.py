"""Actions run in-process, without any server (helpers: tests/actions/trackers.py)."""
from __future__ import annotations

import pytest
from rasa_sdk.types import DomainDict


@pytest.fixture(scope="session")
def domain_dict(domain) -> DomainDict:
    """The domain as the action server receives it."""
    return domain.as_dict()
