"""Submitted files kept under the data root, named by content, never by what the sender called them.

`files/ab/cd/<sha256>.<ext>`: a hostile name (`../../etc/passwd.pdf`, NUL, 300 characters) never
reaches the file system, identical bytes are stored once, and different bytes never overwrite
each other. Writes go to a temporary file that is renamed into place, so a crash leaves either
the whole file or a `.tmp` leftover that the sweep removes.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from extract import ACCEPTED_SUFFIXES

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def storage_path(root: Path, sha256: str, suffix: str) -> Path:
    """Given the data root, a content hash and the original suffix, returns where the file lives."""
    if not _SHA_RE.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    ext = suffix.lower() if suffix.lower() in ACCEPTED_SUFFIXES else ".bin"
    return root / "files" / sha256[:2] / sha256[2:4] / f"{sha256}{ext}"


def store_file(root: Path, src: Path, sha256: str) -> str:
    """Copies `src` into the store (once per content); returns its path relative to the root."""
    target = storage_path(root, sha256, src.suffix)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
                shutil.copyfileobj(inp, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return str(target.relative_to(root))


def sweep_orphans(root: Path, referenced: Iterable[str]) -> list[Path]:
    """Deletes stored files no document row refers to (left by a crash before commit)."""
    files = root / "files"
    if not files.exists():
        return []
    keep = {str(root / r) for r in referenced}
    removed = []
    for path in files.rglob("*"):
        if path.is_file() and str(path) not in keep:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
