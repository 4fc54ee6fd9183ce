#!/usr/bin/env bash
# Install what autograd_mini needs on a fresh machine: Graphviz's `dot` (Debian package
# graphviz, for rendering drawings) when it is missing, then the package with the pip extra
# given as the first argument (demo, test, dev, bench, ...). Works as root or with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."
extra="${1:-demo}"

if ! command -v dot >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq graphviz >/dev/null
fi

python -m pip install -q --disable-pip-version-check -e ".[${extra}]"
