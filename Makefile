# The one interface to the project: people, the README and CI use these targets.
# Slow steps (install, spaCy pipeline, training) run only when their inputs change.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV        := .venv
BIN         := $(VENV)/bin
PY          := $(BIN)/python
STAMPS      := .stamps
MODEL       := models/assistant.tar.gz
SPACY_MODEL := models/spacy_pipeline/meta.json

# Settings: .env (see .env.example) overrides these defaults; so does the command line.
-include .env
export $(shell sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' .env 2>/dev/null)

export RASA_PORT           ?= 5005
export ACTION_PORT         ?= 5055
export WEB_PORT            ?= 8080
export ACTION_SERVER_URL   ?= http://localhost:$(ACTION_PORT)/webhook
export TRACKER_SQLITE_PATH ?= var/conversations.db
# Scale-out profile (endpoints.scale.yml, `make run-scale`): PostgreSQL and Redis.
export RASA_PORTS          ?= 5005 5006
export DB_HOST             ?= 127.0.0.1
export DB_PORT             ?= 5432
export DB_USER             ?= postgres
export DB_PASSWORD         ?=
export DB_DATABASE         ?= spasm_twitch
export DB_LOGIN_DATABASE   ?= postgres
export DB_SSLMODE          ?= prefer
export REDIS_HOST          ?= 127.0.0.1
export REDIS_PORT          ?= 6379
export REDIS_PASSWORD      ?=
export REDIS_DB            ?= 1
export REDIS_KEY_PREFIX    ?= spasmtwitch
# Privacy: `make purge` deletes conversations idle for more than DAYS days;
# `make forget` and `make purge` work on the tracker store of ENDPOINTS.
RETENTION_DAYS ?= 30
DAYS           ?= $(RETENTION_DAYS)
ENDPOINTS      ?= endpoints.yml
# Quick mode: `make eval QUICK=1` (and bench, profile) runs a small version in
# about a minute, into RESULTS_DIR (default: a new temporary directory, printed);
# a full run writes into RESULTS_DIR, default results/.
QUICK          ?= 0
QUICK_FLAG     := $(if $(filter-out 0,$(QUICK)),--quick)
ifdef RESULTS_DIR
export RESULTS_DIR
endif
# No usage data leaves the machine; quieter TensorFlow; one SQLAlchemy notice less.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL   := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1
# Training: TensorFlow's oneDNN kernels change the order of floating-point sums with
# the CPU's instruction set; off by default so a model depends less on the machine
# that trained it (README, "Reproducible training"). TF_ENABLE_ONEDNN_OPTS=1 turns them on.
TF_ENABLE_ONEDNN_OPTS ?= 0

TRAINING_INPUTS := config.yml domain.yml $(shell find data -type f -name '*.yml') \
                   $(wildcard addons/*.py) triage/rules.yml triage/text.py triage/answers.py \
                   $(SPACY_MODEL)

.PHONY: help install spacy train validate run run-scale shell actions test test-fast lint lock clean \
        web browser telegram-webhook forget purge eval bench profile images compose-up compose-down

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

install: $(STAMPS)/installed ## Create .venv and install the pinned packages

$(STAMPS)/installed: requirements.lock
	@echo "==> Installing the pinned packages into $(VENV) (a few minutes the first time)"
	@test -x $(PY) || { py=$$(scripts/find_python310.sh) && "$$py" -m venv $(VENV); }
	@$(PY) -m pip install --quiet --upgrade pip==24.0
	@$(PY) -m pip install --progress-bar on -r requirements.lock \
		|| { echo "error: pip install failed; check the network to the package index and run 'make install' again." >&2; exit 1; }
	@mkdir -p $(STAMPS) && touch $@

web: $(STAMPS)/web ## Install the chat widget from package-lock.json (npm ci)

$(STAMPS)/web: package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is needed for the chat page (Debian: apt-get install npm)." >&2; exit 1; }
	@echo "==> Installing the chat widget (npm ci)"
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

# Debian's Chromium for the browser test; apt-get runs only when it is missing.
# If it cannot be installed, the browser test skips and says why.
browser: ## Install Debian's Chromium for the browser test (only if missing)
	@test -x /usr/bin/chromium || { \
	  echo "==> Installing Chromium (apt-get)"; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  { $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null; } \
	    || echo "warning: could not install chromium; the browser test will be skipped." >&2; }

spacy: $(SPACY_MODEL) ## Build the project's spaCy pipeline into models/

$(SPACY_MODEL): $(STAMPS)/installed scripts/build_spacy_pipeline.py data/patterns/entities.jsonl
	@echo "==> Building the spaCy pipeline"
	@$(PY) scripts/build_spacy_pipeline.py --out models/spacy_pipeline

train: $(MODEL) ## Train the Rasa model (only when data, config or domain changed)

$(MODEL): $(STAMPS)/installed $(TRAINING_INPUTS)
	@echo "==> Training the assistant (about two minutes on 2 cores)"
	@TF_ENABLE_ONEDNN_OPTS=$(TF_ENABLE_ONEDNN_OPTS) $(BIN)/rasa train --fixed-model-name assistant --out models \
		|| { echo "error: training failed; run 'make validate' to check the data." >&2; exit 1; }
	@touch $@

validate: $(STAMPS)/installed $(SPACY_MODEL) ## Check that the training data is consistent
	@$(BIN)/rasa data validate --fail-on-warnings

run: $(MODEL) $(STAMPS)/web ## Start the assistant (action server, Rasa server, chat page); Ctrl-C stops it
	@scripts/run.sh

run-scale: $(MODEL) ## Scale-out profile: two Rasa servers + one action server on PostgreSQL and Redis
	@ENDPOINTS=endpoints.scale.yml scripts/run_scale.sh

images: $(MODEL) ## Build the container images of docker/ (needs a container daemon): IMAGE_TAG=dev
	@scripts/containers.sh images

compose-up: $(MODEL) $(STAMPS)/web ## Start compose.yaml (nginx, two Rasa servers, actions, PostgreSQL, Redis); MONITORING=1 adds Prometheus and Grafana
	@scripts/containers.sh up

compose-down: ## Stop the compose stack (its postgres-data volume keeps the conversations)
	@scripts/containers.sh down

forget: $(STAMPS)/installed ## Erase one person's conversation: make forget SENDER=<sender id>
	@test -n "$${SENDER:-}" || { echo "usage: make forget SENDER=<sender id> [ENDPOINTS=endpoints.scale.yml]" >&2; exit 1; }
	@$(PY) scripts/privacy.py --endpoints "$(ENDPOINTS)" forget -- "$$SENDER"

purge: $(STAMPS)/installed ## Delete conversations idle for more than DAYS days (default RETENTION_DAYS=30)
	@$(PY) scripts/privacy.py --endpoints "$(ENDPOINTS)" purge --days "$(DAYS)"

actions: $(STAMPS)/installed ## Start only the action server
	@$(PY) scripts/action_server.py --port $(ACTION_PORT)

shell: $(MODEL) ## Chat with the assistant in the terminal (needs one; /stop ends it)
	@scripts/shell.sh

test-fast: $(STAMPS)/installed $(SPACY_MODEL) $(STAMPS)/web ## Fast tests: pure logic, no trained model
	@$(BIN)/pytest -m "not slow" -q

lint: $(STAMPS)/installed ## Lint the Python code with ruff (rules in pyproject.toml; part of make test)
	@$(BIN)/ruff check --quiet .

test: $(MODEL) $(STAMPS)/web browser ## Everything: lint, data validation, unit tests, story tests, servers end to end
	@scripts/test_all.sh

telegram-webhook: $(STAMPS)/installed ## Register the Telegram webhook with its secret (see docs/channels/telegram.md)
	@$(PY) scripts/telegram_webhook.py

eval: $(MODEL) ## Measure understanding into results/eval/ (held-out, 5-fold CV, stories, red flags); QUICK=1: no CV, about a minute, into a temporary dir
	@scripts/eval.sh $(QUICK_FLAG)

bench: $(MODEL) $(STAMPS)/web ## Benchmark ours against Rasa's starter bot into results/bench.md (NOTE="what changed"); QUICK=1: ours only, a few messages, into a temporary dir
	@$(PY) scripts/bench.py $(if $(QUICK_FLAG),--quick,--train-ours --note "$${NOTE:-}")

profile: $(MODEL) $(STAMPS)/web ## Where the Rasa server spends its CPU under load (py-spy), into results/profile/; QUICK=1: 2 users x 3 messages, into a temporary dir
	@$(PY) scripts/profile_server.py $(QUICK_FLAG)

lock: ## Re-resolve requirements.in into requirements.lock
	@rm -rf /tmp/spasm-lock-venv && "$$(scripts/find_python310.sh)" -m venv /tmp/spasm-lock-venv
	@/tmp/spasm-lock-venv/bin/pip install --quiet pip==24.0 && /tmp/spasm-lock-venv/bin/pip install --quiet -r requirements.in
	@{ echo "# Generated by \`make lock\` from requirements.in: every transitive package pinned."; \
	   echo "# Do not edit by hand."; /tmp/spasm-lock-venv/bin/pip freeze | sort -f; } > requirements.lock
	@echo "requirements.lock updated"

clean: ## Remove trained models, Rasa's training cache and reports (keeps .venv, conversations and results/bench.md)
	rm -rf models/*.tar.gz models/spacy_pipeline .rasa
	@mkdir -p results && find results -mindepth 1 -maxdepth 1 ! -name bench.md -exec rm -rf {} +
