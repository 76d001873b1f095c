#!/usr/bin/env bash
# Scale-out profile on one machine (`make run-scale`): one action server and
# two Rasa servers that share PostgreSQL (tracker store) and Redis (lock
# store) through endpoints.scale.yml. Any server can take any message of any
# conversation, so a load balancer in front needs no sticky sessions
# (docs/deployment.md). Ctrl-C or SIGTERM stops all three.
#
# If one server stops after start-up, the others keep serving (that is what
# running several is for) and the script says so; it ends when no Rasa server
# is left. When the action server is down the Rasa servers still answer: an
# apology instead of the check-in, and red-flag advice as always.
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

# Rasa waits forever for a database that is not there; say so at once instead.
reachable() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
reachable "$DB_HOST" "$DB_PORT" || {
  echo "error: PostgreSQL is not reachable at ${DB_HOST}:${DB_PORT} (DB_HOST, DB_PORT)." >&2; exit 1; }
reachable "$REDIS_HOST" "$REDIS_PORT" || {
  echo "error: Redis is not reachable at ${REDIS_HOST}:${REDIS_PORT} (REDIS_HOST, REDIS_PORT)." >&2; exit 1; }

pids=()
names=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 150); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ $alive == 0 ]] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

# start NAME COMMAND...: run it in the background, its lines prefixed with NAME.
start() {
  local name=$1; shift
  "$@" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
  names+=("$name")
}

start "actions:${ACTION_PORT}" .venv/bin/rasa run actions --actions actions --port "$ACTION_PORT"
for port in "${rasa_ports[@]}"; do
  start "rasa:${port}" .venv/bin/rasa run --model "$MODEL" --endpoints "$ENDPOINTS" \
    --credentials "$CREDENTIALS" --port "$port" --cors "${cors_origins[@]}"
done

ready() {
  curl -fsS "http://localhost:${ACTION_PORT}/health" >/dev/null 2>&1 || return 1
  for port in "${rasa_ports[@]}"; do
    curl -fsS "http://localhost:${port}/webhooks/rest/" >/dev/null 2>&1 || return 1
  done
}
for attempt in $(seq 1 300); do
  if ready; then break; fi
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "error: a server exited during start-up; see the log above." >&2; exit 1; }
  done
  if [[ $attempt == 300 ]]; then echo "error: the servers did not start within 300 s." >&2; exit 1; fi
  sleep 1
done

servers=""
for i in "${!names[@]}"; do servers+="      ${names[$i]} (pid ${pids[$i]})"$'\n'; done
cat <<MSG

  The scale-out profile is ready: ${#rasa_ports[@]} Rasa servers, one action server,
  conversations in PostgreSQL ${DB_HOST}:${DB_PORT}/${DB_DATABASE}, locks in Redis ${REDIS_HOST}:${REDIS_PORT}/${REDIS_DB}.
$(for port in "${rasa_ports[@]}"; do echo "    REST: http://localhost:${port}/webhooks/rest/webhook"; done)
    Servers:
${servers}    Any server can take any message; put a load balancer in front (docs/deployment.md).
    Stop: Ctrl-C

MSG

# Keep serving while at least one Rasa server is up.
running=("${!pids[@]}")
while true; do
  live=()
  for i in "${running[@]}"; do live+=("${pids[$i]}"); done
  wait -n "${live[@]}" 2>/dev/null || true
  still=()
  rasa_left=0
  for i in "${running[@]}"; do
    if kill -0 "${pids[$i]}" 2>/dev/null; then
      still+=("$i")
      if [[ ${names[$i]} == rasa:* ]]; then rasa_left=$((rasa_left + 1)); fi
    else
      echo "${names[$i]} stopped; the other servers go on." >&2
    fi
  done
  running=("${still[@]}")
  if [[ $rasa_left == 0 ]]; then
    echo "No Rasa server is left; stopping." >&2
    exit 1
  fi
done
