"""Walking submitted folders."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path


def _skipped(name: str) -> bool:
    # Word's lock files (~$报告.docx) and hidden files are left behind by editors, not submitted.
    return name.startswith(("~$", ".")) or name in ("Thumbs.db", "desktop.ini")


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Given files and folders, yields every file, folders walked recursively in sorted order."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not _skipped(d))
                for name in sorted(files):
                    if not _skipped(name):
                        yield Path(root) / name
        else:
            yield path
