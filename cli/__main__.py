"""`python -m cli …` runs the `infocity` command (tests start it as a process this way)."""

import sys

from . import app

sys.exit(app())
