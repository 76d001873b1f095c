"""Development tooling shared by the tests and the measuring scripts.

Not part of the assistant (nothing here runs in production) and not a test
module: ``tests/``, ``scripts/bench.py`` and ``scripts/profile_server.py`` all
import it, e.g. ``from devtools.servers import AssistantServers``.
"""
