# syntax=docker/dockerfile:1
# The Rasa server: understanding, dialogue, red-flag escalation, the channels,
# GET /metrics and GET /health/ready. Built from the repository root:
#
#   make train && docker build -f docker/rasa.Dockerfile -t spasm-twitch-rasa:dev .   # make images
#
# The trained model and the spaCy pipeline (models/) are baked in; to run another
# model, mount a folder holding both over /app/models (compose.yaml shows how).
# No secret is in the image: every token and password comes from the environment.
#
# The base image is pinned by tag (Debian bookworm, Python 3.10.13, the version the
# lock was made with). Pin it by digest too where you build (docker buildx
# imagetools inspect python:3.10.13-slim-bookworm), then write it here as
# python:3.10.13-slim-bookworm@sha256:<digest>.
ARG PYTHON_IMAGE=python:3.10.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS packages
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.lock docker/rasa-requirements.txt /tmp/
RUN /opt/venv/bin/pip install pip==24.0 \
 && /opt/venv/bin/pip install -c /tmp/requirements.lock -r /tmp/rasa-requirements.txt

FROM ${PYTHON_IMAGE} AS runtime
# A user of its own, by number (Kubernetes' runAsNonRoot can check it), with a home
# for Rasa's global settings file; the code and the model are root's, read-only.
RUN groupadd --gid 1001 rasa \
 && useradd --uid 1001 --gid 1001 --home-dir /home/rasa --create-home --shell /usr/sbin/nologin rasa
COPY --from=packages /opt/venv /opt/venv
WORKDIR /app
COPY addons/ addons/
COPY channels/ channels/
COPY observability/ observability/
COPY stores/ stores/
COPY triage/ triage/
COPY data/patterns/ data/patterns/
COPY scripts/privacy.py scripts/privacy.py
COPY endpoints.yml endpoints.scale.yml credentials.yml ./
COPY models/assistant.tar.gz models/assistant.tar.gz
COPY models/spacy_pipeline/ models/spacy_pipeline/
# SQLite (the embedded profile) writes under /app/var; nothing else in /app is writable.
RUN mkdir -p /app/var && chown rasa:rasa /app/var && chmod 0700 /app/var
ENV PATH=/opt/venv/bin:$PATH \
    HOME=/home/rasa \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOG_FORMAT=json \
    RASA_TELEMETRY_ENABLED=false \
    TF_CPP_MIN_LOG_LEVEL=2 \
    TF_ENABLE_ONEDNN_OPTS=0 \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    MPLCONFIGDIR=/tmp/.matplotlib \
    TRACKER_SQLITE_PATH=/app/var/conversations.db
USER 1001:1001
EXPOSE 5005
# Liveness: GET / answers once the server runs. Readiness (the model, the stores and
# the action server answer) is GET /health/ready: compose.yaml and the Helm values use it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5005/', timeout=4)"]
# `rasa` with JSON logs from the first line (observability/run_rasa.py). The arguments
# are rasa's: the Helm chart passes its own (run --port 5005 --cors ...), which read
# /app/endpoints.yml and /app/credentials.yml and the model in /app/models.
ENTRYPOINT ["python", "-m", "observability.run_rasa"]
CMD ["run", "--endpoints", "endpoints.scale.yml", "--credentials", "credentials.yml", "--port", "5005"]
