"""The server-process helpers, kept importable under their old name.

They live in ``devtools/servers.py`` (shared with ``scripts/bench.py`` and
``scripts/profile_server.py``, which must not import the tests); the tests
import them from here, e.g. ``from tests.servers import AssistantServers``.
"""
from devtools.servers import (  # noqa: F401  (re-exported)
    CHANNEL_VARIABLES,
    MODEL,
    ROOT,
    AssistantServers,
    ServerGroup,
    free_port,
    processes_in_group,
)
