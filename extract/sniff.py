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
from .limits import Limits

PDF_MAGIC = b"%PDF-"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
RTF_MAGIC = b"{\\rtf"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TIFF_MAGICS = (b"II*\x00", b"MM\x00*")

# extension -> real types accepted for it. Word itself saves RTF under .doc, so that passes too.
ALLOWED: dict[str, frozenset[str]] = {
    ".pdf": frozenset({"pdf"}),
    ".docx": frozenset({"docx"}),
    ".doc": frozenset({"ole2", "rtf"}),
    ".wps": frozenset({"ole2", "rtf"}),
    ".txt": frozenset({"text"}),
    ".md": frozenset({"text"}),
    # Scans sent as images: read by OCR.
    ".jpg": frozenset({"jpeg"}),
    ".jpeg": frozenset({"jpeg"}),
    ".png": frozenset({"png"}),
    ".tif": frozenset({"tiff"}),
    ".tiff": frozenset({"tiff"}),
}

TYPE_NAMES = {
    "pdf": "PDF",
    "docx": "Word (.docx)",
    "ole2": "Word 97-2003/WPS (OLE2)",
    "rtf": "RTF",
    "zip": "zip archive",
    "text": "plain text",
    "jpeg": "JPEG image",
    "png": "PNG image",
    "tiff": "TIFF image",
    "binary": "unknown binary data",
}


def sniff_bytes(head: bytes, path: Path | None = None) -> str:
    """Given the first bytes of a file (and the file, to look inside zips), returns its real type."""
    if head.startswith(PDF_MAGIC) or PDF_MAGIC in head[:1024]:
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(RTF_MAGIC):
        return "rtf"
    if head.startswith(JPEG_MAGIC):
        return "jpeg"
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(TIFF_MAGICS):
        return "tiff"
    if head.startswith(ZIP_MAGIC):
        if path is not None and _zip_has(path, "word/document.xml"):
            return "docx"
        return "zip"
    if b"\x00" not in head and _decodes(head):
        return "text"
    return "binary"


def _zip_has(path: Path, member: str) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return member in zf.NameToInfo
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return False


def _decodes(head: bytes) -> bool:
    """Text in UTF-8 or GB18030; the head may end inside a character, so up to 3 bytes are cut."""
    for encoding in ("utf-8", "gb18030"):
        for cut in range(4):
            try:
                head[: len(head) - cut].decode(encoding)
                return True
            except UnicodeDecodeError:
                continue
    return False


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
