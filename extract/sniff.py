"""Decide a file's real type from its bytes (reliability row 1).

The extension only says what the sender claims; a mismatch is refused before any parser runs, so a
zip renamed `.pdf` never reaches pdfium and a PDF renamed `.docx` never reaches python-docx.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from .errors import (
    EmptyDocument,
    EncryptedDocument,
    MissingFile,
    TooLarge,
    TypeMismatch,
    UnsupportedFormat,
)
from .formats import ZIP, Signature, zip_names
from .limits import Limits
from .registry import ALLOWED, SIGNATURES, TYPE_NAMES

ACCEPTED_SUFFIXES = frozenset(ALLOWED)  # what a folder walk and the upload form take

__all__ = ["ACCEPTED_SUFFIXES", "ALLOWED", "TYPE_NAMES", "check_file", "sniff_bytes"]


def sniff_bytes(head: bytes, path: Path | None = None) -> str:
    """Given the first bytes of a file (and the file, to look inside zips), returns its real type.

    Magic bytes first, in the registry's order; a zip archive is refined by its members (a .docx
    holds word/document.xml, an OFD holds OFD.xml); formats without magic (HTML, plain text) are
    tried last, by their `detect` test.
    """
    sigs = list(SIGNATURES.values())
    for sig in sigs:
        if sig.magic and sig.matches_head(head):
            if sig.type == ZIP.type:
                return _zip_type(path, sigs)
            return sig.type
    for sig in sorted((s for s in sigs if s.detect), key=lambda s: s.order):
        if sig.detect and sig.detect(head):
            return sig.type
    return "binary"


def _zip_type(path: Path | None, sigs: list[Signature]) -> str:
    names = zip_names(path) if path is not None else None
    if names is not None:
        for sig in sigs:
            if sig.zip_member and sig.matches_zip(names):
                return sig.type
    return ZIP.type


def check_file(path: Path, limits: Limits) -> str:
    """Given a submitted file, returns its real type or raises why it is refused."""
    suffix = path.suffix.lower()
    if suffix not in ALLOWED:
        allowed = "、".join(sorted(ALLOWED))
        raise UnsupportedFormat(path, f"extension {suffix or '(none)'}; accepted: {allowed}")
    if not path.is_file():
        raise MissingFile(path, "no such file")
    size = path.stat().st_size
    if size == 0:
        raise EmptyDocument(path, "0 bytes")
    if size > limits.max_file_bytes:
        raise TooLarge(
            path, f"{size / 2**20:.1f} MB over the {limits.max_file_bytes / 2**20:.0f} MB limit"
        )
    with path.open("rb") as fh:
        head = fh.read(4096)
    real = sniff_bytes(head, path)
    if real == "ole2" and suffix == ".docx" and _ooxml_encrypted(path):
        # Word saves a password-protected .docx as an OLE2 file holding the encrypted package.
        raise EncryptedDocument(path, "password-protected Word file; no password is tried")
    if real not in ALLOWED[suffix]:
        raise TypeMismatch(path, f"named {suffix} but the content is {TYPE_NAMES[real]}")
    if real == "docx" and (kind := _word_kind(path)) is not None:
        raise TypeMismatch(path, f"named {suffix} but the content is {kind}")
    return real


_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_WORD_KINDS = {
    "macroEnabled.main+xml": "Word with macros (.docm)",
    "template.main+xml": "a Word template (.dotx)",
    "macroEnabledTemplate.main+xml": "a Word template with macros (.dotm)",
}


def _ooxml_encrypted(path: Path) -> bool:
    """An OLE2 file whose directory names an `EncryptedPackage` stream (MS-OFFCRYPTO)."""
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            if _ENCRYPTED_PACKAGE in tail + chunk:
                return True
            tail = chunk[-len(_ENCRYPTED_PACKAGE) :]
    return False


def _word_kind(path: Path) -> str | None:
    """What a Word zip is when it is not a plain document (python-docx refuses the others)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.NameToInfo.get("[Content_Types].xml")
            if info is None or info.file_size > 1 << 20:
                return None
            types = zf.read(info).decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        return None
    if _DOCX_MAIN in types:
        return None
    for marker, kind in _WORD_KINDS.items():
        if f"wordprocessingml.{marker}" in types or f"ms-word.document.{marker}" in types:
            return kind
    return None
