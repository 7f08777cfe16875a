"""The reader registry and `read_document`, the whole in-process extraction of one file.

Adding a format means adding a reader class with `formats` and `read(path, limits)`; the real
type comes from `sniff.check_file`, never from the extension alone.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Protocol

from .document import Document
from .errors import UnsupportedFormat
from .files import display_name
from .images import ImageReader
from .legacy import LegacyWordReader
from .limits import Limits
from .metadata import recognise
from .pdf import PdfReader
from .plaintext import TextReader
from .sniff import check_file
from .structure import ReaderOutput, build_blocks
from .word import WordReader


class Reader(Protocol):
    formats: tuple[str, ...]

    def read(self, path: Path, limits: Limits) -> ReaderOutput: ...


READERS: list[Reader] = [
    PdfReader(),
    WordReader(),
    LegacyWordReader(),
    TextReader(),
    ImageReader(),
]


def reader_for(real_type: str) -> Reader | None:
    return next((r for r in READERS if real_type in r.formats), None)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_document(path: str | Path, limits: Limits | None = None) -> Document:
    """Given a file, returns its structured document or raises an ExtractError naming it.

    Runs in the calling process: untrusted files go through `isolate.extract_file` instead.
    """
    limits = limits or Limits()
    path = Path(path)
    real = check_file(path, limits)
    reader = reader_for(real)
    if reader is None:  # pragma: no cover - every allowed type has a reader
        raise UnsupportedFormat(path, real)
    output = reader.read(path, limits)
    blocks = build_blocks(output.blocks)
    name = display_name(path.name)[0]  # NFC; GBK bytes decoded; control characters escaped
    metadata, meta_warnings = recognise(Path(name).stem, blocks)
    warnings = list(output.warnings)
    if not blocks:
        warnings.append("no text was found")
    return Document(
        path=str(path),
        name=name,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        # The type gate has made sure the suffix tells the truth: it names the format.
        format=path.suffix.lower().lstrip("."),
        pages=output.pages,
        blocks=blocks,
        metadata=metadata,
        page_info=output.page_info,
        warnings=warnings + meta_warnings,
        truncated=output.truncated,
    )
