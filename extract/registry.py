"""The reader registry: every format infocity reads, and the tables derived from it.

Each reader declares its signatures (magic bytes) and the suffixes it reads (`formats.Reader`);
the type gate (`sniff`), `ALLOWED` and `extract.ACCEPTED_SUFFIXES` are computed here from those
declarations, so adding a format is one new reader module plus one line in `READERS`
(docs/formats.md).
"""

from __future__ import annotations

from .formats import ZIP, Reader, Signature
from .images import ImageReader
from .legacy import LegacySheetReader, LegacyWordReader
from .ofd import OfdReader
from .pdf import PdfReader
from .plaintext import TextReader
from .sheets import HtmlSheetReader, SheetReader
from .word import WordReader

READERS: list[Reader] = [
    PdfReader(),
    WordReader(),
    LegacyWordReader(),
    OfdReader(),
    SheetReader(),
    LegacySheetReader(),
    HtmlSheetReader(),
    TextReader(),
    ImageReader(),
]


def _signatures(readers: list[Reader]) -> dict[str, Signature]:
    found: dict[str, Signature] = {}
    for reader in readers:
        for sig in reader.signatures:
            if found.setdefault(sig.type, sig) is not sig:
                raise ValueError(f"two different signatures declare the type {sig.type!r}")
    found.setdefault(ZIP.type, ZIP)  # after the readers' own: %PDF- in a head wins
    return found


def _allowed(readers: list[Reader]) -> dict[str, frozenset[str]]:
    allowed: dict[str, set[str]] = {}
    owner: dict[tuple[str, str], Reader] = {}
    for reader in readers:
        for suffix, types in reader.accepts.items():
            for real in types:
                if (suffix, real) in owner:
                    raise ValueError(f"two readers read {real!r} files named {suffix}")
                if real not in SIGNATURES:
                    raise ValueError(f"{type(reader).__name__} reads {real!r}, which no one sniffs")
                owner[(suffix, real)] = reader
                allowed.setdefault(suffix, set()).add(real)
    return {suffix: frozenset(types) for suffix, types in sorted(allowed.items())}


SIGNATURES: dict[str, Signature] = _signatures(READERS)
# suffix -> the real types accepted under it (a .doc may be OLE2 or RTF: Word saves both).
ALLOWED: dict[str, frozenset[str]] = _allowed(READERS)
TYPE_NAMES: dict[str, str] = {
    **{sig.type: sig.label for sig in SIGNATURES.values()},
    "binary": "unknown binary data",
}


def reader_for(suffix: str, real_type: str) -> Reader | None:
    """The reader for a file named `suffix` whose bytes are `real_type`."""
    return next((r for r in READERS if real_type in r.accepts.get(suffix, ())), None)
