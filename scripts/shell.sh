#!/usr/bin/env bash
# Chat with the assistant in the terminal (`make shell`): starts the action
# server in the background (the check-in needs it), waits until it answers,
# then `rasa shell`; stops the action server when the shell ends.
#
# Settings come from the environment (the Makefile exports the defaults):
#   RASA_PORT (rasa shell's own server), ACTION_PORT, ACTION_SERVER_URL,
#   TRACKER_SQLITE_PATH, MODEL, ENDPOINTS, CREDENTIALS, ACTION_LOG (the action
#   server's output, default var/action-server.log), and the Slack and
#   Telegram variables in .env.example (rasa shell reads credentials.yml but
#   only talks on the terminal).
set -euo pipefail
cd "$(dirname "$0")/.."

# rasa shell asks with menus (the bot's buttons) that need a terminal, and it
# hangs at the end of input from a pipe: say so instead of hanging.
if [[ ! -t 0 ]]; then
  echo "error: make shell needs a terminal. To script a conversation, use the REST webhook of 'make run' (see README.md)." >&2
  exit 2
fi

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
# Slack/Telegram variables: unset means the channel is off (credentials.yml
# needs every ${VAR} set, even though the shell uses none of those channels).
source scripts/channel_env.sh
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://localhost:${ACTION_PORT}/webhook}
export TRACKER_SQLITE_PATH=${TRACKER_SQLITE_PATH:-var/conversations.db}
ACTION_LOG=${ACTION_LOG:-var/action-server.log}
mkdir -p "$(dirname "$TRACKER_SQLITE_PATH")" "$(dirname "$ACTION_LOG")"

ACTION_HOST=127.0.0.1 ACTION_PORT="$ACTION_PORT" .venv/bin/python scripts/action_server.py >"$ACTION_LOG" 2>&1 &
actions_pid=$!
stop() {
  trap - INT TERM EXIT
  kill -TERM "$actions_pid" 2>/dev/null || true
  wait "$actions_pid" 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap stop EXIT

for attempt in $(seq 1 120); do
  if curl -fsS "http://localhost:${ACTION_PORT}/health" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$actions_pid" 2>/dev/null || [[ $attempt == 120 ]]; then
    echo "error: the action server did not start on port ${ACTION_PORT} (ACTION_PORT); see ${ACTION_LOG}." >&2
    exit 1
  fi
  sleep 0.5
done

.venv/bin/rasa shell --model "${MODEL:-models/assistant.tar.gz}" --endpoints "${ENDPOINTS:-endpoints.yml}" \
  --credentials "${CREDENTIALS:-credentials.yml}" --port "$RASA_PORT"
