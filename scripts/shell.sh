#!/usr/bin/env bash
# Chat with the assistant in the terminal: starts the action server in the
# background (the check-in needs it), then `rasa shell`; stops it on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
ACTION_PORT=${ACTION_PORT:-5055}
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://localhost:${ACTION_PORT}/webhook}
export TRACKER_SQLITE_PATH=${TRACKER_SQLITE_PATH:-var/conversations.db}
mkdir -p "$(dirname "$TRACKER_SQLITE_PATH")"

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" >var/action-server.log 2>&1 &
actions_pid=$!
trap 'kill -TERM "$actions_pid" 2>/dev/null || true' EXIT INT TERM
.venv/bin/rasa shell --model "${MODEL:-models/assistant.tar.gz}" --endpoints "${ENDPOINTS:-endpoints.yml}"
