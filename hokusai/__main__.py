"""``python -m hokusai``: the same command line as ``hokusai``, for environments without scripts
on PATH (a notebook's kernel, ``pipx run``, a venv that was not activated)."""

from __future__ import annotations

import sys

from hokusai.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
