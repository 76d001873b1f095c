"""What an operator watches on a running Rasa server: metrics, readiness, JSON logs.

- ``metrics``: Prometheus counters and histograms, ``GET /metrics``;
- ``readiness``: ``GET /health/ready``, 200 only when the model, the tracker
  store, the lock store and the action server all answer;
- ``logs``: ``LOG_FORMAT=json``, one JSON object per log line;
- ``routes``: how the two routes get onto the app ``rasa run`` builds.

``install()`` runs when the channels are loaded (``channels/edge.py``), that is
in every Rasa server that reads this project's credentials.yml; the action
server applies ``logs`` itself (``scripts/action_server.py``).
"""
from __future__ import annotations


def install() -> None:
    """Time the calls to the action server, and switch to JSON logs if asked (once)."""
    from observability import logs, metrics

    metrics.instrument_action_calls()
    logs.apply()
