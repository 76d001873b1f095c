#!/usr/bin/env bash
# Conversation tests: every test story must be predicted exactly
# (--fail-on-prediction-errors). Results go to results/stories/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p results/stories
.venv/bin/rasa test core --model models/assistant.tar.gz --stories tests/test_stories \
  --out results/stories --fail-on-prediction-errors --no-plot
echo "story tests: all test stories predicted correctly (report: results/stories)"
