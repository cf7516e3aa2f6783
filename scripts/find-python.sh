#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter (Mesa 3.5 needs it), or fail with a clear message.
# Order: $PYTHON, python3.13, python3.12, python3, then pyenv-installed versions.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.13 python3.12 python3; do
  path=$(command -v "$name" 2>/dev/null) && candidates+=("$path")
done
for root in "${PYENV_ROOT:-$HOME/.pyenv}/versions"/3.1[2-9]* "${PYENV_ROOT:-$HOME/.pyenv}/versions"/3.[2-9][0-9]*; do
  [ -x "$root/bin/python" ] && candidates+=("$root/bin/python")
done
for c in "${candidates[@]}"; do
  # pyenv shims exist for versions that are not selected: check the interpreter really runs
  if ok "$c"; then "$c" -c 'import sys; print(sys.executable)'; exit 0; fi
done
echo "error: Python >= 3.12 is required (Mesa 3.5 needs it); none found." >&2
echo "Tried: \$PYTHON, python3.13, python3.12, python3 and pyenv versions." >&2
echo "Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
exit 1
