"""What a reader declares about the files it reads: signatures (magic bytes) and accepted suffixes.

Kept apart from `registry.py`, which imports every reader, so that reader modules can import
these declarations without an import cycle. Nothing here opens a file except `zip_names`.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .limits import Limits
from .structure import ReaderOutput

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass(frozen=True)
class Signature:
    """How one real type is recognised from a file's bytes.

    Exactly one way applies: `magic` (the file starts with one of these byte strings, or holds one
    in its first `within` bytes), `zip_member` (a zip archive holding that member; with
    `zip_mimetype`, the archive's `mimetype` member must also start with it, as in ODF), or
    `detect` (a test on the first 4 KB, for formats without magic bytes; lower `order` first).
    """

    type: str
    label: str  # shown in a type-mismatch message: "named .pdf but the content is <label>"
    magic: tuple[bytes, ...] = ()
    within: int = 0
    zip_member: str | None = None
    zip_mimetype: bytes | None = None
    detect: Callable[[bytes], bool] | None = None
    order: int = 0

    def matches_head(self, head: bytes) -> bool:
        if head.startswith(self.magic):
            return True
        return bool(self.within) and any(m in head[: self.within] for m in self.magic)

    def matches_zip(self, names: Mapping[str, bytes | None]) -> bool:
        """`names`: the archive's member names, with the `mimetype` member's first bytes."""
        if self.zip_member not in names:
            return False
        return self.zip_mimetype is None or (names.get("mimetype") or b"").startswith(
            self.zip_mimetype
        )


# Containers shared by several formats: which reader gets the file then depends on its suffix
# (an OLE2 file named .doc is Word 97-2003, named .xls it is Excel 97-2003).
ZIP = Signature("zip", "zip archive", magic=(ZIP_MAGIC,))
OLE2 = Signature("ole2", "OLE2 compound file (Word/Excel 97-2003, WPS)", magic=(OLE2_MAGIC,))


class Reader(Protocol):
    """A format's reader. `signatures` are the real types it recognises (shared containers such as
    OLE2 may be declared by several readers: they must then be the same object); `accepts` maps
    each file suffix it reads to the real types it reads under that suffix."""

    signatures: tuple[Signature, ...]
    accepts: Mapping[str, tuple[str, ...]]

    def read(self, path: Path, limits: Limits) -> ReaderOutput: ...


def zip_names(path: Path) -> dict[str, bytes | None] | None:
    """The member names of a zip archive (and the start of its `mimetype` member), None when it
    is not a readable zip. Only the central directory is read (and at most 100 bytes)."""
    try:
        with zipfile.ZipFile(path) as zf:
            names: dict[str, bytes | None] = dict.fromkeys(zf.NameToInfo)
            info = zf.NameToInfo.get("mimetype")
            if info is not None and info.file_size < 200:
                with zf.open(info) as fh:
                    names["mimetype"] = fh.read(100)
            return names
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return None
