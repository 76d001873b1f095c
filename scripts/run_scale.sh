#!/usr/bin/env bash
# Scale-out profile on one machine (`make run-scale`): one action server and
# two Rasa servers that share PostgreSQL (tracker store) and Redis (lock
# store) through endpoints.scale.yml. Any server can take any message of any
# conversation, so a load balancer in front needs no sticky sessions
# (docs/deployment.md). Ctrl-C or SIGTERM stops all three.
#
# scripts/supervise.py keeps every server up: one that exits after start-up
# is started again (after 1 s, doubling to 30 s while it keeps failing), with
# a "[supervise] ..." line naming it and its exit code, and the others keep
# serving meanwhile (that is what running several is for); an action server
# that has not answered /health for 15 s (hung) is killed and restarted.
# When the action server is down the Rasa servers still answer: an apology
# instead of the check-in, and red-flag advice as always. Only Ctrl-C (exit
# 130) or SIGTERM (exit 0) stops everything; a server failing during start-up
# stops all (exit 1).
#
# Settings come from the environment (the Makefile exports the defaults):
#   RASA_PORTS (space-separated, default "5005 5006"), ACTION_PORT,
#   ACTION_SERVER_URL, MODEL, ENDPOINTS, CREDENTIALS, CORS_ORIGIN,
#   DB_* and REDIS_* (.env.example), and the Slack and Telegram variables.
set -euo pipefail
cd "$(dirname "$0")/.."

RASA_PORTS=${RASA_PORTS:-5005 5006}
ACTION_PORT=${ACTION_PORT:-5055}
MODEL=${MODEL:-models/assistant.tar.gz}
ENDPOINTS=${ENDPOINTS:-endpoints.scale.yml}
CREDENTIALS=${CREDENTIALS:-credentials.yml}
WEB_PORT=${WEB_PORT:-8080}
CORS_ORIGIN=${CORS_ORIGIN:-http://localhost:${WEB_PORT} http://127.0.0.1:${WEB_PORT}}
read -ra rasa_ports <<<"$RASA_PORTS"
read -ra cors_origins <<<"$CORS_ORIGIN"
for origin in "${cors_origins[@]}"; do
  if [[ $origin == *"*"* ]]; then echo "error: CORS_ORIGIN must list origins, not '*'." >&2; exit 1; fi
done

export ACTION_SERVER_URL=${ACTION_SERVER_URL:-http://localhost:${ACTION_PORT}/webhook}
export DB_HOST=${DB_HOST:-127.0.0.1} DB_PORT=${DB_PORT:-5432} DB_USER=${DB_USER:-postgres}
export DB_PASSWORD=${DB_PASSWORD:-} DB_DATABASE=${DB_DATABASE:-spasm_twitch}
export DB_LOGIN_DATABASE=${DB_LOGIN_DATABASE-postgres} DB_SSLMODE=${DB_SSLMODE:-prefer}
export REDIS_HOST=${REDIS_HOST:-127.0.0.1} REDIS_PORT=${REDIS_PORT:-6379}
export REDIS_PASSWORD=${REDIS_PASSWORD:-} REDIS_DB=${REDIS_DB:-1}
export REDIS_KEY_PREFIX=${REDIS_KEY_PREFIX-spasmtwitch}
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

# Rasa waits forever for a database that is not there; say so at once instead.
reachable() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
reachable "$DB_HOST" "$DB_PORT" || {
  echo "error: PostgreSQL is not reachable at ${DB_HOST}:${DB_PORT} (DB_HOST, DB_PORT)." >&2; exit 1; }
reachable "$REDIS_HOST" "$REDIS_PORT" || {
  echo "error: Redis is not reachable at ${REDIS_HOST}:${REDIS_PORT} (REDIS_HOST, REDIS_PORT)." >&2; exit 1; }

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

# Each server's lines are prefixed with its name ([actions:5055], [rasa:5005]).
names=("actions:${ACTION_PORT}")
parts=(--part "actions:${ACTION_PORT}" --health "http://localhost:${ACTION_PORT}/health" --liveness 15
       -- .venv/bin/python scripts/action_server.py --host "$ACTION_HOST" --port "$ACTION_PORT")
for port in "${rasa_ports[@]}"; do
  names+=("rasa:${port}")
  parts+=(--part "rasa:${port}" --health "http://localhost:${port}/webhooks/rest/"
          -- "${rasa_command[@]}" run --model "$MODEL" --endpoints "$ENDPOINTS"
             --credentials "$CREDENTIALS" --port "$port" --interface "$RASA_HOST" --cors "${cors_origins[@]}")
done
printf '%s\0' "${parts[@]}" | .venv/bin/python scripts/supervise.py --prefix --parts-from - &
supervisor=$!

ready() {
  curl -fsS "http://localhost:${ACTION_PORT}/health" >/dev/null 2>&1 || return 1
  for port in "${rasa_ports[@]}"; do
    curl -fsS "http://localhost:${port}/webhooks/rest/" >/dev/null 2>&1 || return 1
  done
}
for attempt in $(seq 1 300); do
  if ready; then break; fi
  kill -0 "$supervisor" 2>/dev/null || { echo "error: a server exited during start-up; see the log above." >&2; exit 1; }
  if [[ $attempt == 300 ]]; then echo "error: the servers did not start within 300 s." >&2; exit 1; fi
  sleep 1
done

servers=""
for name in "${names[@]}"; do
  pid=$(pgrep -P "$supervisor" -f -- "--port ${name#*:}( |$)" | head -n 1 || true)
  servers+="      ${name} (pid ${pid:-?})"$'\n'
done
cat <<MSG

  The scale-out profile is ready: ${#rasa_ports[@]} Rasa servers, one action server,
  conversations in PostgreSQL ${DB_HOST}:${DB_PORT}/${DB_DATABASE}, locks in Redis ${REDIS_HOST}:${REDIS_PORT}/${REDIS_DB}.
$(for port in "${rasa_ports[@]}"; do echo "    REST: http://localhost:${port}/webhooks/rest/webhook"; done)
    Servers (restarted if they stop; supervisor pid ${supervisor}):
${servers}    Any server can take any message; put a load balancer in front (docs/deployment.md).
    Stop: Ctrl-C

MSG

# Until Ctrl-C or SIGTERM: the supervisor restarts whatever stops.
status=0
wait "$supervisor" || status=$?
supervisor=""
echo "The supervisor stopped (exit ${status}); the servers are down." >&2
exit "$status"
