#!/usr/bin/env bash
# `make eval`: measure how well the assistant understands, into results/eval/.
#   1. held-out NLU files (never trained on): per-intent precision/recall/F1,
#      confusion matrix and confidence histogram (PNG)
#   2. NLU cross-validation, 5 folds, on the training data
#   3. test stories
#   4. red-flag detection recall and false-alarm rate
#   5. warning-sign vignettes: recall per level, under- and over-triage, safe advice
#   6. real questions people asked (the shared evaluation file, never trained on):
#      the share answered, redirected, checked in, escalated, or only "unsure"
# then a one-page summary: results/eval/summary.md
#
# --quick (`make eval QUICK=1`, about a minute): everything but step 2, which
# trains five times. Output goes to $RESULTS_DIR/eval; RESULTS_DIR defaults to
# results/, or for a quick run to a new temporary directory, so a quick run
# never replaces the reports of a full one.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=0
if [[ ${1:-} == --quick ]]; then quick=1; fi
if [[ $quick == 1 && -z ${RESULTS_DIR:-} ]]; then RESULTS_DIR=$(mktemp -d -t spasm-quick-XXXXXX); fi
OUT=${RESULTS_DIR:-results}/eval
FOLDS=${FOLDS:-5}
mkdir -p "$OUT"
if [[ $quick == 1 ]]; then echo "==> Quick evaluation (no cross-validation) into $OUT"; fi

echo "==> 1/6 held-out NLU test"
.venv/bin/rasa test nlu --model models/assistant.tar.gz --nlu tests/nlu --out "$OUT/holdout"

if [[ $quick == 1 ]]; then
  echo "==> 2/6 NLU cross-validation: skipped (quick run)"
else
  echo "==> 2/6 NLU cross-validation ($FOLDS folds; each fold trains the NLU pipeline)"
  .venv/bin/rasa test nlu --nlu data --config config.yml --domain domain.yml \
    --cross-validation --folds "$FOLDS" --out "$OUT/cross_validation"
fi

echo "==> 3/6 test stories"
.venv/bin/rasa test core --model models/assistant.tar.gz --stories tests/test_stories \
  --out "$OUT/stories" || true   # failures are reported in the summary

echo "==> 4/6 red-flag detection"
.venv/bin/python scripts/red_flag_report.py --out "$OUT/red_flags.json"

echo "==> 5/6 warning-sign vignettes (tuning sets and the held-out set)"
.venv/bin/python scripts/vignette_report.py --out "$OUT/vignettes.md"

echo "==> 6/6 real questions (evaluation only)"
.venv/bin/python scripts/real_questions_report.py --out "$OUT/real_questions.md"

summary_args=("$OUT")
if [[ $quick == 1 ]]; then summary_args+=(--quick); fi
.venv/bin/python scripts/eval_summary.py "${summary_args[@]}"
echo "Summary: $OUT/summary.md"
