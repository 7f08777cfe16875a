"""Submitted files kept under the data root, named by content, never by what the sender called them.

`files/ab/cd/<sha256>.<ext>`: a hostile name (`../../etc/passwd.pdf`, NUL, 300 characters) never
reaches the file system, identical bytes are stored once, and different bytes never overwrite
each other. Writes go to a temporary file that is renamed into place, so a crash leaves either
the whole file or a `.tmp` leftover that the sweep removes.

Several ingests may share the store (the web app and the command line). A file is swept only
when no row refers to it and it is older than every running ingest (corpus/leases.py); an
ingest that finds its content already on disk touches the file, so an orphan it is about to
commit counts as new. The sweep holds an exclusive lock on `.files.lock` and copying a shared
one, so a file is never touched and deleted at the same moment.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from extract import ACCEPTED_SUFFIXES

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
LOCK_NAME = ".files.lock"  # beside files/, not in it: files/ holds only stored files


def storage_path(root: Path, sha256: str, suffix: str) -> Path:
    """Given the data root, a content hash and the original suffix, returns where the file lives."""
    if not _SHA_RE.match(sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    ext = suffix.lower() if suffix.lower() in ACCEPTED_SUFFIXES else ".bin"
    return root / "files" / sha256[:2] / sha256[2:4] / f"{sha256}{ext}"


@contextlib.contextmanager
def _files_lock(root: Path, mode: int) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # releases the lock


def store_file(root: Path, src: Path, sha256: str) -> str:
    """Copies `src` into the store (once per content); returns its path relative to the root."""
    target = storage_path(root, sha256, src.suffix)
    with _files_lock(root, fcntl.LOCK_SH):
        if target.exists():
            os.utime(target)  # in flight again: newer than any running ingest's start
        else:
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


def sweep_orphans(
    root: Path, referenced: Iterable[str] | None = None, *, older_than: float | None = None
) -> list[Path]:
    """Deletes stored files no document row refers to (left by a crash before commit) and last
    modified before `older_than` (a time.time() value; None: any age). `referenced` may be a
    callable returning the paths, so it is read under the lock."""
    files = root / "files"
    if not files.exists():
        return []
    removed = []
    with _files_lock(root, fcntl.LOCK_EX):
        keep = {str(root / r) for r in (referenced() if callable(referenced) else referenced or [])}
        for path in files.rglob("*"):
            if str(path) in keep:
                continue
            with contextlib.suppress(FileNotFoundError):
                st = path.lstat()
                if not path.is_file() or (older_than is not None and st.st_mtime >= older_than):
                    continue
                path.unlink()
                removed.append(path)
    return removed
