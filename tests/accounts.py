"""Accounts for the tests and benches that drive a real server: added through the real CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def add_evaluator(env: dict, name: str, password: str) -> None:
    """The evaluator `name`, added by `infocity user add` against `env`'s store."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "user",
            "add",
            name,
            "--role",
            "evaluator",
            "--password-stdin",
        ],
        input=password + "\n",
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    )
