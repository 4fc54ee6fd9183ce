#!/usr/bin/env bash
# Set up autograd_mini in a project virtual environment, .venv, with the pip extra given as the
# first argument (demo, test, notebooks, jupyter, dev, compare, bench; default demo):
#   - Graphviz's `dot` (for rendering drawings) through apt when it is missing;
#   - .venv from python3 (or $PYTHON), so pip never writes into the system interpreter, which
#     Debian and Ubuntu forbid (PEP 668, "externally-managed-environment"); Debian's
#     python3-venv comes through apt when venv cannot bootstrap pip;
#   - the package itself, editable, with the extra;
#   - when the extra brings ipykernel, a Jupyter kernel named autograd-mini inside .venv (the
#     user's own python3 kernel is left alone).
# Run it again to add another extra: .venv is reused. Works as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-demo}"
venv=".venv"
kernel="autograd-mini"
apt_updated=""

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "needs root to run: $*"; return 1
  fi
}

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "no apt-get here: install $* with your system's package manager"
    return 1
  fi
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  say "installing $* through apt"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The first interpreter that is Python >= 3.10: $PYTHON, python3 (pyenv, conda and the system
# all provide it), python.
find_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! command -v dot >/dev/null 2>&1; then
  apt_install graphviz || say "continuing without dot: drawings can be saved as DOT text only"
fi

# A usable .venv has a working interpreter with pip; anything else (a half-made one, one whose
# base interpreter is gone) is made again.
if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  if ! py="$(find_python)"; then
    apt_install python3 python3-venv || true
    py="$(find_python)" || { say "no Python 3.10 or newer found: set PYTHON=/path/to/python3"; exit 1; }
  fi
  rm -rf "$venv"
  say "creating $venv with $(command -v "$py") ($("$py" --version 2>&1))"
  if ! "$py" -m venv "$venv" >/dev/null 2>&1; then
    # Debian and Ubuntu ship venv's pip bootstrap (ensurepip) as a separate package.
    rm -rf "$venv"
    version="$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    apt_install "python${version}-venv" || apt_install python3-venv || true
    "$py" -m venv "$venv" || { say "could not create $venv with $py"; exit 1; }
  fi
fi

say "installing autograd-mini[${extra}] into $venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e ".[${extra}]"

if "$venv/bin/python" -c 'import ipykernel' >/dev/null 2>&1; then
  "$venv/bin/python" -m ipykernel install --sys-prefix --name "$kernel" \
    --display-name "Python (autograd-mini)" >/dev/null
fi
