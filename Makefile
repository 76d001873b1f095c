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
# No usage data leaves the machine; quieter TensorFlow; one SQLAlchemy notice less.
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL   := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONDONTWRITEBYTECODE := 1

TRAINING_INPUTS := config.yml domain.yml $(shell find data -type f -name '*.yml') \
                   $(wildcard addons/*.py) triage/rules.yml $(SPACY_MODEL)

.PHONY: help install spacy train validate run shell actions test test-fast lock clean \
        web browser telegram-webhook eval bench

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
	@$(BIN)/rasa train --fixed-model-name assistant --out models \
		|| { echo "error: training failed; run 'make validate' to check the data." >&2; exit 1; }
	@touch $@

validate: $(STAMPS)/installed $(SPACY_MODEL) ## Check that the training data is consistent
	@$(BIN)/rasa data validate --fail-on-warnings

run: $(MODEL) $(STAMPS)/web ## Start the assistant (action server, Rasa server, chat page); Ctrl-C stops it
	@scripts/run.sh

actions: $(STAMPS)/installed ## Start only the action server
	@$(BIN)/rasa run actions --actions actions --port $(ACTION_PORT)

shell: $(MODEL) ## Chat with the assistant in the terminal
	@scripts/shell.sh

test-fast: $(STAMPS)/installed $(SPACY_MODEL) ## Fast tests: pure logic, no trained model
	@$(BIN)/pytest -m "not slow" -q

test: $(MODEL) $(STAMPS)/web browser ## Everything: data validation, unit tests, story tests, servers end to end
	@$(MAKE) --no-print-directory validate
	@$(BIN)/pytest -q
	@scripts/test_stories.sh

telegram-webhook: $(STAMPS)/installed ## Register the Telegram webhook with its secret (see docs/channels/telegram.md)
	@$(PY) scripts/telegram_webhook.py

eval: $(MODEL) ## Measure understanding into results/eval/ (held-out, 5-fold CV, stories, red flags)
	@scripts/eval.sh

bench: $(MODEL) $(STAMPS)/web ## Benchmark ours against Rasa's starter bot into results/bench.md
	@$(PY) scripts/bench.py

lock: ## Re-resolve requirements.in into requirements.lock
	@rm -rf /tmp/spasm-lock-venv && "$$(scripts/find_python310.sh)" -m venv /tmp/spasm-lock-venv
	@/tmp/spasm-lock-venv/bin/pip install --quiet pip==24.0 && /tmp/spasm-lock-venv/bin/pip install --quiet -r requirements.in
	@{ echo "# Generated by \`make lock\` from requirements.in: every transitive package pinned."; \
	   echo "# Do not edit by hand."; /tmp/spasm-lock-venv/bin/pip freeze | sort -f; } > requirements.lock
	@echo "requirements.lock updated"

clean: ## Remove trained models, results and stamps (keeps .venv and conversations)
	rm -rf models/*.tar.gz models/spacy_pipeline results $(STAMPS)/trained
