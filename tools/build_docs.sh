#!/usr/bin/env bash
# Build the HTML documentation, warnings as errors:
#   installs docs/requirements.txt into the current Python environment, then
#   sphinx-build -W -b html docs docs/_build/html
# The package must be importable (pip install -e . or python setup.py build_ext --inplace):
# the API reference is generated from its docstrings.
# Usage: tools/build_docs.sh [--no-install] [extra sphinx-build arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
if [ "${1:-}" = "--no-install" ]; then
    shift
else
    "$PY" -m pip install -q -r docs/requirements.txt
fi
"$PY" -c "import cyresample" 2>/dev/null || {
    echo "build_docs.sh: cyresample is not importable; run 'python -m pip install -e .' first" >&2
    exit 1
}
"$PY" -m sphinx -W --keep-going -b html "$@" docs docs/_build/html
echo "build_docs.sh: docs/_build/html/index.html"
