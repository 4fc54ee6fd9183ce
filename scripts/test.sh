#!/usr/bin/env bash
# The README's test command, and what CI runs (.ci/run): set up .venv with the dev extra
# (Graphviz's dot, the test and notebook tools, the autograd-mini Jupyter kernel, ruff, mypy),
# then run the whole test suite, notebooks included, with .venv's interpreter. Arguments are
# passed on to pytest (e.g. bash scripts/test.sh tests/test_readme.py).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh dev
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
