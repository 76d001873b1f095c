#!/usr/bin/env bash
# `make eval`: measure how well the assistant understands, into results/eval/.
#   1. held-out NLU files (never trained on): per-intent precision/recall/F1,
#      confusion matrix and confidence histogram (PNG)
#   2. NLU cross-validation, 5 folds, on the training data
#   3. test stories
#   4. red-flag detection recall and false-alarm rate
# then a one-page summary: results/eval/summary.md
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=results/eval
FOLDS=${FOLDS:-5}
mkdir -p "$OUT"

echo "==> 1/4 held-out NLU test"
.venv/bin/rasa test nlu --model models/assistant.tar.gz --nlu tests/nlu --out "$OUT/holdout"

echo "==> 2/4 NLU cross-validation ($FOLDS folds; each fold trains the NLU pipeline)"
.venv/bin/rasa test nlu --nlu data --config config.yml --domain domain.yml \
  --cross-validation --folds "$FOLDS" --out "$OUT/cross_validation"

echo "==> 3/4 test stories"
.venv/bin/rasa test core --model models/assistant.tar.gz --stories tests/test_stories \
  --out "$OUT/stories" || true   # failures are reported in the summary

echo "==> 4/4 red-flag detection"
.venv/bin/python scripts/red_flag_report.py --out "$OUT/red_flags.json"

.venv/bin/python scripts/eval_summary.py "$OUT"
