"""Zip checks run before python-docx sees a Word file (reliability row 4).

Only the central directory is read: entry count, declared sizes, compression ratio and overlapping
entries (a zip bomb's trick; Python only checks overlaps itself from 3.11.8 on). Nothing is ever
extracted to disk.
"""

from __future__ import annotations

import itertools
import zipfile
from pathlib import Path

from .errors import CorruptDocument, ZipBomb
from .limits import Limits


def check_zip(path: Path, limits: Limits) -> None:
    """Raises ZipBomb or CorruptDocument when the archive is unsafe to open."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise CorruptDocument(path, f"damaged zip archive: {exc}") from exc
    if len(infos) > limits.max_zip_entries:
        raise ZipBomb(path, f"{len(infos)} entries, limit {limits.max_zip_entries}")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > limits.max_zip_member_bytes:
            raise ZipBomb(path, f"{info.filename} unpacks to {info.file_size / 2**20:.0f} MB")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1_000_000 and ratio > limits.max_zip_ratio:  # small files may pack well
            raise ZipBomb(path, f"{info.filename} compressed {ratio:.0f}:1")
    if total > limits.max_zip_total_bytes:
        raise ZipBomb(path, f"unpacks to {total / 2**20:.0f} MB in all")
    spans = sorted((i.header_offset, i.header_offset + i.compress_size) for i in infos)
    for (_, end), (start, _) in itertools.pairwise(spans):
        if start < end:
            raise ZipBomb(path, "overlapping entries")
