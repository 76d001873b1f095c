# syntax=docker/dockerfile:1
# The action server: the symptom check-in and its assessment (actions/, triage/).
# Built from the repository root:
#
#   docker build -f docker/actions.Dockerfile -t spasm-twitch-actions:dev .   # make images
#
# It listens on 0.0.0.0:5055 and therefore refuses to start without
# ACTION_SERVER_TOKEN, which the Rasa servers send with every call
# (scripts/action_server.py). No secret is in the image.
#
# The base image is pinned by tag; pin it by digest too where you build
# (see docker/rasa.Dockerfile).
ARG PYTHON_IMAGE=python:3.10.13-slim-bookworm

FROM ${PYTHON_IMAGE} AS packages
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.lock docker/actions-requirements.txt /tmp/
RUN /opt/venv/bin/pip install pip==24.0 \
 && /opt/venv/bin/pip install -c /tmp/requirements.lock -r /tmp/actions-requirements.txt

FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --gid 1001 actions \
 && useradd --uid 1001 --gid 1001 --no-create-home --shell /usr/sbin/nologin actions
COPY --from=packages /opt/venv /opt/venv
WORKDIR /app
COPY actions/ actions/
COPY triage/ triage/
# JSON logs (observability/logs.py, which uses channels/private_logs.py and
# channels/session_ids.py: standard library only).
COPY observability/__init__.py observability/logs.py observability/
COPY channels/__init__.py channels/private_logs.py channels/session_ids.py channels/
COPY scripts/action_server.py scripts/action_server.py
# The clinician summary names the version (actions/version.py).
COPY VERSION VERSION
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LOG_FORMAT=json
USER 1001:1001
EXPOSE 5055
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5055/health', timeout=4)"]
ENTRYPOINT ["python", "scripts/action_server.py"]
CMD ["--host", "0.0.0.0", "--port", "5055"]
