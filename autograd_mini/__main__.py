"""``python -m autograd_mini``: the command line (``demo``, ``graph``, ``gradcheck``)."""

from __future__ import annotations

import sys

from autograd_mini.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
