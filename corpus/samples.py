"""The bundled sample submissions (demo data and test fixtures)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def samples_dir() -> Path:
    return Path(str(resources.files("corpus").joinpath("samples")))
