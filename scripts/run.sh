#!/usr/bin/env bash
# Start the action server, the Rasa server (REST, socketio, Slack and Telegram
# channels) and the web page's file server, print where to talk to the bot, and
# stop all three cleanly on Ctrl-C or SIGTERM.
#
# scripts/supervise.py keeps them up: a server that exits after start-up is
# started again (after 1 s, doubling to 30 s while it keeps failing) with a
# "[supervise] ..." line naming it and its exit code, and the others go on;
# an action server that has not answered /health for 15 s (hung) is killed
# and so restarted. The Rasa server answers red flags and the apology while
# the action server is down. Only Ctrl-C (exit 130) or SIGTERM (exit 0)
# stops everything; a server that fails during start-up stops all (exit 1).
#
# Settings come from the environment (the Makefile exports the defaults):
#   RASA_PORT, ACTION_PORT, WEB_PORT, ACTION_SERVER_URL, TRACKER_SQLITE_PATH,
#   MODEL, ENDPOINTS, CREDENTIALS, CORS_ORIGIN (space-separated origins),
#   and the Slack and Telegram variables in .env.example.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORT=${RASA_PORT:-5005}
ACTION_PORT=${ACTION_PORT:-5055}
export WEB_PORT=${WEB_PORT:-8080}
MODEL=${MODEL:-models/assistant.tar.gz}
ENDPOINTS=${ENDPOINTS:-endpoints.yml}
CREDENTIALS=${CREDENTIALS:-credentials.yml}
# The page's origins only (never "*"): the socket and REST answer no other site.
CORS_ORIGIN=${CORS_ORIGIN:-http://localhost:${WEB_PORT} http://127.0.0.1:${WEB_PORT}}
read -ra cors_origins <<<"$CORS_ORIGIN"
for origin in "${cors_origins[@]}"; do
  if [[ $origin == *"*"* ]]; then echo "error: CORS_ORIGIN must list origins, not '*'." >&2; exit 1; fi
done
export RASA_PORT
# Slack/Telegram variables: unset means the channel is off.
source scripts/channel_env.sh
# LOG_FORMAT=json: every server log line is one JSON object (observability/logs.py);
# Rasa then starts through observability/run_rasa.py, which is `rasa` with JSON
# from the first line (the warnings Python prints while importing included).
rasa_command=(.venv/bin/rasa)
if [[ ${LOG_FORMAT:-} == json ]]; then rasa_command=(.venv/bin/python -m observability.run_rasa); fi
# Loopback unless told otherwise: on a laptop nothing else on the network reaches
# the servers. Beyond loopback the action server needs ACTION_SERVER_TOKEN
# (scripts/action_server.py refuses to start without it).
export RASA_HOST=${RASA_HOST:-127.0.0.1}
export ACTION_HOST=${ACTION_HOST:-127.0.0.1}
export ACTION_PORT
export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://localhost:${ACTION_PORT}/webhook}
export TRACKER_SQLITE_PATH=${TRACKER_SQLITE_PATH:-var/conversations.db}
mkdir -p "$(dirname "$TRACKER_SQLITE_PATH")"

supervisor=""
stop() {
  trap - INT TERM EXIT
  if [[ -n $supervisor ]]; then
    kill -TERM "$supervisor" 2>/dev/null || true
    wait "$supervisor" 2>/dev/null || true
  fi
}
trap 'stop; exit 130' INT
trap 'stop; exit 0' TERM
trap stop EXIT

parts=(
  --part "actions:${ACTION_PORT}" --health "http://localhost:${ACTION_PORT}/health" --liveness 15
    -- .venv/bin/python scripts/action_server.py --host "$ACTION_HOST" --port "$ACTION_PORT"
  --part "rasa:${RASA_PORT}" --health "http://localhost:${RASA_PORT}/webhooks/rest/"
    -- "${rasa_command[@]}" run --model "$MODEL" --endpoints "$ENDPOINTS" --credentials "$CREDENTIALS"
       --port "$RASA_PORT" --interface "$RASA_HOST" --cors "${cors_origins[@]}"
  --part "web:${WEB_PORT}" --health "http://localhost:${WEB_PORT}/"
    -- .venv/bin/python scripts/serve_web.py
)
printf '%s\0' "${parts[@]}" | .venv/bin/python scripts/supervise.py --parts-from - &
supervisor=$!

for _ in $(seq 1 240); do
  if curl -fsS "http://localhost:${RASA_PORT}/webhooks/rest/" >/dev/null 2>&1 \
     && curl -fsS "http://localhost:${WEB_PORT}/" >/dev/null 2>&1; then
    slack="off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)"
    if [[ -n $SLACK_BOT_TOKEN ]]; then slack="on: Slack posts to /webhooks/slack/webhook"; fi
    telegram="off (set TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN)"
    if [[ -n $TELEGRAM_BOT_TOKEN ]]; then telegram="on: Telegram posts to /webhooks/telegram/webhook"; fi
    cat <<MSG

  The assistant is ready.
    Chat in a browser: http://localhost:${WEB_PORT}/
    REST:   curl -s -XPOST http://localhost:${RASA_PORT}/webhooks/rest/webhook -d '{"sender":"me","message":"hi"}'
    Socket: http://localhost:${RASA_PORT}/socket.io (socketio channel)
    Slack:    ${slack}
    Telegram: ${telegram}
    Terminal chat: make shell        Stop: Ctrl-C

MSG
    break
  fi
  kill -0 "$supervisor" 2>/dev/null || { echo "error: a server exited during start-up; see the log above." >&2; exit 1; }
  sleep 1
done
# Until Ctrl-C or SIGTERM: the supervisor restarts whatever stops.
status=0
wait "$supervisor" || status=$?
supervisor=""
echo "The supervisor stopped (exit ${status}); the servers are down." >&2
exit "$status"
