"""`read_document`: the whole in-process extraction of one file.

The real type comes from `sniff.check_file`, never from the extension alone; the reader for it
from the registry (`registry.py`, docs/formats.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from .document import Document
from .errors import UnsupportedFormat
from .files import display_name
from .formats import Reader
from .limits import Limits
from .metadata import recognise
from .registry import READERS, reader_for
from .sniff import check_file
from .structure import build_blocks

__all__ = ["READERS", "Reader", "read_document", "reader_for", "sha256_of"]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_document(
    path: str | Path, limits: Limits | None = None, folders: Sequence[str] = ()
) -> Document:
    """Given a file, returns its structured document or raises an ExtractError naming it.

    `folders` are the folder names between the ingest root and the file, innermost last: they
    are evidence of the issuer, year and period (extract.metadata). Runs in the calling process:
    untrusted files go through `isolate.extract_file` instead.
    """
    limits = limits or Limits()
    path = Path(path)
    real = check_file(path, limits)
    reader = reader_for(path.suffix.lower(), real)
    if reader is None:  # pragma: no cover - every allowed type has a reader
        raise UnsupportedFormat(path, real)
    output = reader.read(path, limits)
    blocks = build_blocks(output.blocks)
    name = display_name(path.name)[0]  # NFC; GBK bytes decoded; control characters escaped
    metadata, meta_warnings = recognise(Path(name).stem, blocks, tuple(folders))
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
