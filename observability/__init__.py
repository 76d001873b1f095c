"""What an operator watches on a running Rasa server: metrics, readiness, JSON logs.

- ``metrics``: Prometheus counters and histograms, ``GET /metrics``;
- ``readiness``: ``GET /health/ready``, 200 only when the model, the tracker
  store, the lock store and the action server all answer;
- ``logs``: ``LOG_FORMAT=json``, one JSON object per log line;
- ``routes``: how the two routes get onto the app ``rasa run`` builds.

The Rasa server turns on the metrics of its action-server calls and JSON logs
when it loads the channels (``channels/edge.py``), that is in every Rasa server
that reads this project's credentials.yml; the action server applies ``logs``
itself (``scripts/action_server.py``). This file imports nothing, so the action
server's image carries only ``logs`` (docker/actions.Dockerfile).
"""
