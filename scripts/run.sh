#!/usr/bin/env bash
# Start the action server and the Rasa server (REST + socketio channels), print
# where to talk to the bot, and stop both cleanly on Ctrl-C or SIGTERM.
#
# Settings come from the environment (the Makefile exports the defaults):
#   RASA_PORT, ACTION_PORT, ACTION_SERVER_URL, TRACKER_SQLITE_PATH, MODEL, ENDPOINTS
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
MODEL=${MODEL:-models/assistant.tar.gz}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
CREDENTIALS=${CREDENTIALS:-credentials.yml}
CORS_ORIGIN=${CORS_ORIGIN:-http://localhost:${WEB_PORT:-8080}}
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://localhost:${ACTION_PORT}/webhook}
export TRACKER_SQLITE_PATH=${TRACKER_SQLITE_PATH:-var/conversations.db}
mkdir -p "$(dirname "$TRACKER_SQLITE_PATH")"

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

.venv/bin/rasa run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
.venv/bin/rasa run --model "$MODEL" --endpoints "$ENDPOINTS" --credentials "$CREDENTIALS" \
  --port "$RASA_PORT" --cors "$CORS_ORIGIN" &
pids+=($!)

for _ in $(seq 1 240); do
  if curl -fsS "http://localhost:${RASA_PORT}/webhooks/rest/" >/dev/null 2>&1; then
    cat <<MSG

  The assistant is ready.
    REST:   curl -s -XPOST http://localhost:${RASA_PORT}/webhooks/rest/webhook -d '{"sender":"me","message":"hi"}'
    Socket: http://localhost:${RASA_PORT}/socket.io (socketio channel)
    Terminal chat: make shell        Stop: Ctrl-C

MSG
    break
  fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "error: a server exited during start-up; see the log above." >&2; exit 1; }
  done
  sleep 1
done
wait -n "${pids[@]}"
echo "A server stopped; stopping the other." >&2
exit 1
