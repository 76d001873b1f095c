#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa Open Source 3.6 needs 3.8-3.10).
# Tries $PYTHON, then python3.10 on PATH, then a pyenv-installed 3.10.
set -u
is_310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }
for candidate in "${PYTHON:-}" python3.10; do
  if [ -n "$candidate" ] && is_310 "$candidate"; then command -v "$candidate"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | tail -n 1)
  if [ -n "$version" ]; then
    path=$(PYENV_VERSION="$version" pyenv which python3.10 2>/dev/null)
    if [ -n "$path" ] && is_310 "$path"; then echo "$path"; exit 0; fi
  fi
fi
echo "error: Python 3.10 not found. Install it (e.g. 'apt-get install python3.10' or 'pyenv install 3.10') or set PYTHON=/path/to/python3.10." >&2
exit 1
