#!/usr/bin/env bash
# `make test`: lint, data validation, every pytest test, the test stories. All four run
# even when one fails, and their verdicts are printed last, so the last thing on the
# screen says what failed. Full logs: results/test/.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p results/test

make --no-print-directory lint 2>&1 | tee results/test/lint.log
lint_rc=${PIPESTATUS[0]}

make --no-print-directory validate 2>&1 | tee results/test/validate.log
validate_rc=${PIPESTATUS[0]}

.venv/bin/pytest -q 2>&1 | tee results/test/pytest.log
pytest_rc=${PIPESTATUS[0]}

scripts/test_stories.sh 2>&1 | tee results/test/stories.log
stories_rc=${PIPESTATUS[0]}

verdict() { [ "$1" -eq 0 ] && echo "ok" || echo "FAILED (exit $1)"; }
# pytest's own closing line, e.g. "1017 passed, 2 skipped in 412.3s"
pytest_line=$(grep -E '^=*\s*[0-9]+ (passed|failed|error)|^[0-9]+ (passed|failed)|no tests ran' results/test/pytest.log | tail -n 1)
story_line=$(grep -E 'story tests:|Failed stories|correct' results/test/stories.log | tail -n 1)

echo
echo "==================== make test ===================="
echo "lint (ruff)     : $(verdict "$lint_rc")"
echo "data validation : $(verdict "$validate_rc")"
echo "test stories    : $(verdict "$stories_rc")  ${story_line}"
echo "pytest          : $(verdict "$pytest_rc")"
echo "${pytest_line}"
# pytest exit 5 means no test ran: that is a failure here too.
[ "$lint_rc" -eq 0 ] && [ "$validate_rc" -eq 0 ] && [ "$pytest_rc" -eq 0 ] && [ "$stories_rc" -eq 0 ]
