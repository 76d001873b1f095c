#!/usr/bin/env bash
# The container targets of the Makefile: `make images`, `make compose-up`,
# `make compose-down` (docs/deployment.md).
#
#   scripts/containers.sh images   # build docker/rasa.Dockerfile and docker/actions.Dockerfile
#   scripts/containers.sh up       # compose.yaml: build, start, wait until every part is healthy
#   scripts/containers.sh down     # stop it; the postgres-data volume (conversations) stays
#
# Settings: IMAGE_TAG (dev), MONITORING=1 (adds Prometheus and Grafana), and the
# variables of .env.example that compose.yaml reads (compose reads .env itself).
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${IMAGE_TAG:-dev}
if ! command -v docker >/dev/null 2>&1; then
  echo "error: docker is not installed; the container targets need Docker (or a compatible CLI) and its daemon." >&2
  exit 1
fi
if ! docker info >/dev/null 2>&1; then
  echo "error: no container daemon answers ('docker info' failed): start Docker first." \
       "Without one, 'make test' still checks the Dockerfiles, compose.yaml and the Helm values (tests/deploy)." >&2
  exit 1
fi
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
else
  compose=()
fi
profiles=()
if [[ ${MONITORING:-0} != 0 ]]; then profiles=(--profile monitoring); fi

case "${1:-}" in
  images)
    docker build -f docker/rasa.Dockerfile -t "spasm-twitch-rasa:${tag}" .
    docker build -f docker/actions.Dockerfile -t "spasm-twitch-actions:${tag}" .
    docker image ls --format '{{.Repository}}:{{.Tag}}  {{.Size}}' | grep -E "^spasm-twitch-(rasa|actions):${tag} "
    ;;
  up)
    if [[ ${#compose[@]} == 0 ]]; then echo "error: neither 'docker compose' nor docker-compose is installed." >&2; exit 1; fi
    IMAGE_TAG=$tag "${compose[@]}" "${profiles[@]}" up --detach --build --wait
    echo
    echo "  The stack is up: the chat page at ${PUBLIC_URL:-http://localhost:${WEB_PORT:-8080}}/"
    echo "  Logs: ${compose[*]} logs -f rasa-1 | Stop: make compose-down"
    ;;
  down)
    if [[ ${#compose[@]} == 0 ]]; then echo "error: neither 'docker compose' nor docker-compose is installed." >&2; exit 1; fi
    "${compose[@]}" --profile monitoring down
    ;;
  *)
    echo "usage: $0 images|up|down" >&2
    exit 2
    ;;
esac
